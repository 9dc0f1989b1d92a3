using System.Globalization;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>RFC 959 RNFR, RNTO, DELE, RMD, MKD; RFC 3659 SIZE and MDTM; MFMT (draft-somers-ftp-mfxx); AVBL.</summary>
internal static class FileCommands
{
    /// <summary>RFC 3659 section 2.3: time-val is YYYYMMDDHHMMSS[.sss], always UTC.</summary>
    internal const string TimeFormat = "yyyyMMddHHmmss";

    public static async ValueTask RenameFrom(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        if (path.IsRoot)
        {
            throw new FsException(FsErrorKind.PermissionDenied, "RNFR /: the root cannot be renamed");
        }

        await session.FilesOrThrow.GetStatusAsync(path, followLinks: false, session.Connection.ConnectionClosed);
        session.RenameFrom = path;
        await session.ReplyAsync(350, "Ready for RNTO.");
    }

    public static async ValueTask RenameTo(FtpSession session, string argument)
    {
        if (session.RenameFrom is not { } from)
        {
            await session.ReplyAsync(503, "RNFR required first.");
            return;
        }

        session.RenameFrom = null;
        var to = session.Resolve(argument);
        await session.FilesOrThrow.RenameAsync(from, to, new RenameOptions(Overwrite: true), session.Connection.ConnectionClosed);
        await session.ReplyAsync(250, "Rename successful.");
    }

    public static async ValueTask Delete(FtpSession session, string argument)
    {
        await session.FilesOrThrow.DeleteFileAsync(session.Resolve(argument), session.Connection.ConnectionClosed);
        await session.ReplyAsync(250, "File deleted.");
    }

    public static async ValueTask RemoveDirectory(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        await session.FilesOrThrow.DeleteDirectoryAsync(path, session.Connection.ConnectionClosed);
        await session.ReplyAsync(250, "Directory removed.");
    }

    public static async ValueTask MakeDirectory(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        await session.FilesOrThrow.CreateDirectoryAsync(path, null, session.Connection.ConnectionClosed);
        await session.ReplyAsync(257, $"{FtpReply.Quote(path.Value)} created.");
    }

    /// <summary>
    /// SIZE (RFC 3659 section 4): the transfer size. In ASCII mode that would mean converting the whole file, and a
    /// stored size would be wrong for REST, so it is refused there as ProFTPD does. In MODE Z it is the stored size, as
    /// ProFTPD answers: the compressed size is unknown until the file is sent, and what the client ends up with after
    /// inflating is the stored size.
    /// </summary>
    public static async ValueTask Size(FtpSession session, string argument)
    {
        if (session.AsciiMode)
        {
            await session.ReplyAsync(550, "SIZE not allowed in ASCII mode; use TYPE I.");
            return;
        }

        var status = await session.FilesOrThrow.GetStatusAsync(session.Resolve(argument), followLinks: true, session.Connection.ConnectionClosed);
        if (!status.IsRegular)
        {
            await session.ReplyAsync(550, "Not a regular file.");
            return;
        }

        await session.ReplyAsync(213, status.Size.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>AVBL [path] (FileZilla Server's): "213 bytes" the user may still store there, quota and disk both counted.</summary>
    public static async ValueTask Available(FtpSession session, string argument)
    {
        var path = argument.Length == 0 ? session.CurrentDirectory : session.Resolve(argument);
        var space = await session.FilesOrThrow.GetSpaceAsync(path, session.Connection.ConnectionClosed);
        await session.ReplyAsync(213, space.AvailableBytes.ToString(CultureInfo.InvariantCulture));
    }

    public static async ValueTask ModificationTime(FtpSession session, string argument)
    {
        var status = await session.FilesOrThrow.GetStatusAsync(session.Resolve(argument), followLinks: true, session.Connection.ConnectionClosed);
        await session.ReplyAsync(213, status.ModifiedUtc.ToString(TimeFormat, CultureInfo.InvariantCulture));
    }

    /// <summary>MFMT YYYYMMDDHHMMSS path: sets the modification time, answers "213 Modify=...; path".</summary>
    public static async ValueTask SetModificationTime(FtpSession session, string argument)
    {
        int space = argument.IndexOf(' ');
        if (space < 0 || !TryParseTime(argument[..space], out var time))
        {
            await session.ReplyAsync(501, "Usage: MFMT YYYYMMDDHHMMSS pathname.");
            return;
        }

        var path = session.Resolve(argument[(space + 1)..]);
        await session.FilesOrThrow.SetTimesAsync(path, null, time, session.Connection.ConnectionClosed);
        await session.ReplyAsync(213, $"Modify={time.ToString(TimeFormat, CultureInfo.InvariantCulture)}; {path.Value}");
    }

    internal static bool TryParseTime(string text, out DateTime time)
    {
        // RFC 3659 section 2.3: time-val = 14DIGIT [ "." 1*DIGIT ]; only milliseconds are kept.
        int dot = text.IndexOf('.');
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        if ((dot >= 0 && (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))) ||
            !DateTime.TryParseExact(whole, TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time))
        {
            time = default;
            return false;
        }

        if (fraction.Length > 0)
        {
            time = time.AddMilliseconds(int.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture));
        }

        return true;
    }
}
