using System.Globalization;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>SITE CHMOD, SITE UTIME (both the ProFTPD and the five-argument form), SITE QUOTA and SITE HELP.</summary>
internal static class SiteCommands
{
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
            case "HELP":
                await session.ReplyMultilineAsync(214, "The following SITE commands are recognized.",
                    ["CHMOD <mode> <path>", "UTIME <YYYYMMDDhhmm[ss]> <path>", "UTIME <path> <atime> <mtime> <ctime> UTC", "QUOTA", "HELP"],
                    "Help OK.");
                break;
            default:
                await session.ReplyAsync(500, "Unknown SITE command.");
                break;
        }
    }

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
