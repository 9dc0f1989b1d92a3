using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>RFC 959 CWD, CDUP, PWD, SMNT (and the X-variants of RFC 775 that share their handlers).</summary>
internal static class NavigationCommands
{
    public static async ValueTask ChangeDirectory(FtpSession session, string argument)
    {
        var target = session.Resolve(argument);
        var status = await session.FilesOrThrow.GetStatusAsync(target, followLinks: true, session.Connection.ConnectionClosed);
        if (!status.IsDirectory)
        {
            throw new FsException(FsErrorKind.NotADirectory, $"CWD {target}: not a directory");
        }

        session.CurrentDirectory = target;
        await session.ReplyAsync(250, "Directory successfully changed.");
    }

    public static ValueTask ChangeToParent(FtpSession session, string argument) => ChangeDirectory(session, "..");

    public static ValueTask PrintDirectory(FtpSession session, string argument) =>
        session.ReplyAsync(257, $"{FtpReply.Quote(session.CurrentDirectory.Value)} is the current directory.");

    /// <summary>There is one file system per user; RFC 959 lists 202 among SMNT's replies for this case.</summary>
    public static ValueTask StructureMount(FtpSession session, string argument) =>
        session.ReplyAsync(202, "SMNT superfluous at this site.");
}
