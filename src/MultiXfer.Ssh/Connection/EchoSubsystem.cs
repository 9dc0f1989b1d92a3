using MultiXfer.Connections;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// "multixfer-echo": returns every byte it receives until the client's EOF. It proves the subsystem registry and
/// flow control end to end and measures raw channel throughput; enabled by Ssh:EchoSubsystem.
/// </summary>
internal sealed class EchoSubsystem : IChannelApplication
{
    public const string Name = "multixfer-echo";

    public async Task<int> RunAsync(ChannelSession session)
    {
        await session.Stream.CopyToAsync(session.Stream, 64 * 1024, session.Cancellation);
        return 0;
    }
}
