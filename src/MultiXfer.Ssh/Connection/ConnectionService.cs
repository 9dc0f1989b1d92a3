using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// The ssh-connection service (RFC 4254) after authentication: session channels only, each running at most one
/// registered application; every kind of forwarding, pty, X11 and agent requests are refused.
/// </summary>
internal sealed partial class ConnectionService(
    SshTransport transport,
    SshApplicationRegistry applications,
    HostKeyStore hostKeys,
    SshOptions options,
    ConnectionContext connection,
    UserAccount user,
    ILogger logger) : IDisposable
{
    private readonly Dictionary<uint, SessionChannel> _channels = [];
    private bool _noMoreSessions;

    /// <summary>Serves the connection until the client disconnects or the token fires.</summary>
    public async Task RunAsync(Func<CancellationToken> nextReceiveDeadline)
    {
        AdvertiseHostKeys();
        while (true)
        {
            var payload = await transport.ReceiveAsync(nextReceiveDeadline());
            Dispatch(payload.Span);
        }
    }

    /// <summary>Channels whose applications are still running, for an orderly end of the connection.</summary>
    public IEnumerable<Task> RunningApplications => _channels.Values.Select(c => c.Application);

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private void Dispatch(ReadOnlySpan<byte> payload)
    {
        byte number = payload[0];
        var reader = new SshReader(payload[1..]);
        switch (number)
        {
            case MessageNumbers.GlobalRequest:
                HandleGlobalRequest(ref reader);
                break;
            case MessageNumbers.ChannelOpen:
                HandleChannelOpen(ref reader);
                break;
            case MessageNumbers.ChannelWindowAdjust:
                Find(reader.ReadUInt32()).OnWindowAdjust(reader.ReadUInt32());
                break;
            case MessageNumbers.ChannelData:
            {
                var channel = Find(reader.ReadUInt32());
                channel.OnData(reader.ReadString());
                break;
            }

            case MessageNumbers.ChannelExtendedData:
            {
                var channel = Find(reader.ReadUInt32());
                reader.ReadUInt32();
                channel.OnExtendedData(reader.ReadString().Length);
                break;
            }

            case MessageNumbers.ChannelEof:
                Find(reader.ReadUInt32()).OnEof();
                break;
            case MessageNumbers.ChannelClose:
                Close(Find(reader.ReadUInt32()));
                break;
            case MessageNumbers.ChannelRequest:
                HandleChannelRequest(ref reader);
                break;
            case MessageNumbers.RequestSuccess or MessageNumbers.RequestFailure or MessageNumbers.ChannelSuccess or MessageNumbers.ChannelFailure:
                // We never ask for replies; a stray one is harmless.
                break;
            case MessageNumbers.ChannelOpenConfirmation or MessageNumbers.ChannelOpenFailure:
                throw new SshProtocolException(DisconnectReason.ProtocolError, "reply to a channel open this server never sent");
            case >= 50 and <= 79:
                // RFC 4252 §5.1: authentication requests after success are ignored.
                break;
            case MessageNumbers.ServiceRequest:
                throw new SshProtocolException(DisconnectReason.ProtocolError, "service request after authentication");
            default:
                transport.PostUnimplemented();
                break;
        }
    }

    private SessionChannel Find(uint localId) => _channels.TryGetValue(localId, out var channel)
        ? channel
        : throw new SshProtocolException(DisconnectReason.ProtocolError, $"no open channel {localId}");

    private void Close(SessionChannel channel)
    {
        channel.OnClose();
        _channels.Remove(channel.LocalId);
        ObserveThenDispose(channel);
    }

    /// <summary>The application may still be unwinding; the channel's resources go when it has.</summary>
    private static void ObserveThenDispose(SessionChannel channel) =>
        channel.Application.ContinueWith(_ => channel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
