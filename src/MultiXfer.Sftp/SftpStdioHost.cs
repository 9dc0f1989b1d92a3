using Microsoft.Extensions.Logging;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Engine;

namespace MultiXfer.Sftp;

/// <summary>The SFTP engine over any pair of streams (standard input and output for the sftp-server subcommand).</summary>
public static class SftpStdioHost
{
    /// <summary>Every request name -p/-P accept, as sftp-server -Q requests prints them.</summary>
    public static IEnumerable<string> RequestNames => SftpSession.RequestNames.Concat(
    [
        "posix-rename", "statvfs", "fstatvfs", "hardlink", "fsync", "lsetstat", "limits", "expand-path", "copy-data",
        "home-directory", "users-groups-by-id", "check-file-handle", "check-file-name", "copy-file", "space-available",
        "version-select",
    ]);

    public static Task<int> RunAsync(Stream input, Stream output, IFileSystem files, SftpPolicy policy, ILogger logger)
    {
        var session = new SftpSession(new DuplexStream(input, output), files, policy, OwnerNames.System, logger, waitWithoutBuffer: false);
        return session.RunAsync(CancellationToken.None);
    }
}
