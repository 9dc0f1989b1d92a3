using MultiXfer.Fuzz.Support;
using MultiXfer.Sftp;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Engine;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The SFTP engine (draft-ietf-secsh-filexfer-02 for version 3 as OpenSSH speaks it, -04, -05 and -13 for 4, 5
/// and 6): the input is the byte stream a client sends on the channel (uint32 length, type, request id, fields), as
/// captured from real clients, so its INIT picks the version and with it the codec; then every request type, every
/// attribute form of that version and every extension run against the in-memory FSIO backend through the real
/// session layer. SftpSession answers malformed requests itself (SftpBadMessageException → BAD_MESSAGE,
/// SftpStatusException, FsException → a status) and ends on framing errors (SftpFatalProtocolException → exit 2):
/// none of those leave RunAsync. What it catches as its own fault (logged as an error, FAILURE to the client) is a
/// crash here (<see cref="TripwireLoggerFactory"/>), as is anything that escapes.
/// </summary>
internal static class SftpTarget
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static void Run(byte[] data)
    {
        var logs = new TripwireLoggerFactory();
        var files = new MemoryFiles();
        var policy = new SftpPolicy
        {
            MaxVersion = SftpPolicy.HighestVersion,
            UserName = FuzzUsers.Name,
            MaxOpenHandles = 16,
        };

        Harness.Run(async cancellationToken =>
        {
            await using var fileSystem = await files.OpenAsync(FuzzUsers.Account, cancellationToken);
            var stream = new ScriptedStream(data, chunk: 4093);
            var session = new SftpSession(stream, fileSystem, policy, OwnerNames.System, logs.CreateLogger("MultiXfer.Sftp"),
                waitWithoutBuffer: false);
            int status = await session.RunAsync(cancellationToken);
            if (status is not (0 or 2))
            {
                throw new FuzzInvariantException($"SftpSession.RunAsync returned {status}");
            }
        }, Deadline, "SFTP session");
        Harness.ThrowIfSwallowed(logs);
    }
}
