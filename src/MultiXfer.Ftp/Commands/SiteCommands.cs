using System.Globalization;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>
/// SITE CHMOD, SITE MKDIR, SITE RMDIR, SITE SYMLINK, SITE UTIME (both the ProFTPD and the five-argument form), SITE QUOTA
/// and SITE HELP: what ProFTPD's mod_site_misc and core offer, with its replies. Every change goes through FSIO, so the
/// user's permissions hold for each directory made, each entry removed and each link made.
/// </summary>
internal static class SiteCommands
{
    private static readonly string[] HelpLines =
    [
        "CHMOD <mode> <path>",
        "MKDIR <path> (makes missing parents too)",
        "RMDIR <path> (removes the directory and all it holds)",
        "SYMLINK <target> <link>",
        "UTIME <YYYYMMDDhhmm[ss]> <path>",
        "UTIME <path> <atime> <mtime> <ctime> UTC",
        "QUOTA",
        "HELP",
    ];

    public static async ValueTask Site(FtpSession session, string argument)
    {
        int space = argument.IndexOf(' ');
        string sub = (space < 0 ? argument : argument[..space]).ToUpperInvariant();
        string rest = space < 0 ? "" : argument[(space + 1)..];
        switch (sub)
        {
            case "CHMOD":
                await ChangeModeAsync(session, rest);
                break;
            case "UTIME":
                await ChangeTimesAsync(session, rest);
                break;
            case "QUOTA":
                await QuotaCommand.ShowAsync(session);
                break;
            case "MKDIR" when rest.Length > 0:
                await SiteTreeCommands.MakeDirectoriesAsync(session, rest);
                break;
            case "RMDIR" when rest.Length > 0:
                await SiteTreeCommands.RemoveTreeAsync(session, rest);
                break;
            case "SYMLINK" when rest.Length > 0:
                await SiteTreeCommands.SymbolicLinkAsync(session, rest);
                break;
            case "MKDIR" or "RMDIR" or "SYMLINK":
                await session.ReplyAsync(501, $"Usage: SITE {sub} <path>{(sub == "SYMLINK" ? " <link>" : "")}.");
                break;
            case "HELP":
                await HelpAsync(session);
                break;
            default:
                await session.ReplyAsync(500, "Unknown SITE command.");
                break;
        }
    }

    /// <summary>SITE HELP and HELP SITE: the SITE commands with their syntax.</summary>
    public static ValueTask HelpAsync(FtpSession session) =>
        session.ReplyMultilineAsync(214, "The following SITE commands are recognized.", HelpLines, "Help OK.");

    private static async ValueTask ChangeModeAsync(FtpSession session, string argument)
    {
        int space = argument.IndexOf(' ');
        if (space < 0 || !TryParseOctal(argument[..space], out int mode))
        {
            await session.ReplyAsync(501, "Usage: SITE CHMOD <octal mode> <path>.");
            return;
        }

        await session.FilesOrThrow.SetPermissionsAsync(session.Resolve(argument[(space + 1)..]), mode, session.Connection.ConnectionClosed);
        await session.ReplyAsync(200, "SITE CHMOD command successful.");
    }

    private static bool TryParseOctal(string text, out int mode)
    {
        mode = 0;
        if (text.Length is 0 or > 4)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            mode = (mode * 8) + (c - '0');
        }

        return true;
    }

    private static async ValueTask ChangeTimesAsync(FtpSession session, string argument)
    {
        string[] words = argument.Split(' ');
        DateTime? accessed = null;
        DateTime modified;
        string path;
        if (words.Length >= 5 && words[^1].Equals("UTC", StringComparison.OrdinalIgnoreCase) &&
            FileCommands.TryParseTime(words[^4], out var atime) && FileCommands.TryParseTime(words[^3], out modified))
        {
            // SITE UTIME path atime mtime ctime UTC: the path may contain spaces, the last four words are fixed.
            accessed = atime;
            path = string.Join(' ', words[..^4]);
        }
        else if (words.Length >= 2 && TryParseShortTime(words[0], out modified))
        {
            path = argument[(words[0].Length + 1)..];
        }
        else
        {
            await session.ReplyAsync(501, "Usage: SITE UTIME <YYYYMMDDhhmm[ss]> <path>.");
            return;
        }

        await session.FilesOrThrow.SetTimesAsync(session.Resolve(path), accessed ?? modified, modified, session.Connection.ConnectionClosed);
        await session.ReplyAsync(200, "SITE UTIME command successful.");
    }

    private static bool TryParseShortTime(string text, out DateTime time) =>
        DateTime.TryParseExact(text, ["yyyyMMddHHmm", "yyyyMMddHHmmss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time);
}
