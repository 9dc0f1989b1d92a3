using MultiXfer.Auth;

namespace MultiXfer.Connections;

/// <summary>
/// A program served over one SSH session channel (an SFTP subsystem, an scp command): it sees a byte stream and
/// who is logged in, nothing of SSH, so it also runs over stdio or in tests without SSH.
/// </summary>
public interface IChannelApplication
{
    /// <summary>Runs until done; the result is the exit status reported to the client.</summary>
    Task<int> RunAsync(ChannelSession session);
}

/// <summary>What a channel application gets: its streams, the user, the connection, and when to stop.</summary>
public sealed class ChannelSession
{
    /// <summary>
    /// Standard input and output: reads return 0 once the client has sent EOF; writes respect the client's flow
    /// control and wait while its window is closed.
    /// </summary>
    public required Stream Stream { get; init; }

    /// <summary>Standard error, sent as extended data (RFC 4254 §5.2).</summary>
    public required Stream ErrorStream { get; init; }

    public required UserAccount User { get; init; }

    public required ConnectionContext Connection { get; init; }

    /// <summary>The subsystem name or the exec command line that started the application.</summary>
    public required string Command { get; init; }

    /// <summary>Signalled when the channel closes or the connection ends.</summary>
    public required CancellationToken Cancellation { get; init; }
}
