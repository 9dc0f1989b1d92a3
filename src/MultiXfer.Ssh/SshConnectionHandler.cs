using MultiXfer.Connections;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh;

/// <summary>SSH as the connection handler of one listener: one <see cref="SshSession"/> per connection.</summary>
internal sealed class SshConnectionHandler(SshServer server, AlgorithmPolicy policy, HostKeyStore hostKeys) : IConnectionHandler
{
    public string Protocol => "ssh";

    public Task RunAsync(ConnectionContext connection) => new SshSession(server, policy, hostKeys, connection).RunAsync();

    /// <summary>
    /// Before any session: our identification line, then SSH_MSG_DISCONNECT in the clear (allowed before keys
    /// exist, RFC 4253 §11.1), so the client shows the reason instead of a bare reset.
    /// </summary>
    public Task RejectAsync(ConnectionContext connection, RejectReason reason) => SshSession.RefuseAsync(connection, reason switch
    {
        RejectReason.TooManyConnections or RejectReason.TooManyConnectionsFromAddress => (DisconnectReason.TooManyConnections, "too many connections"),
        RejectReason.QueueTimedOut => (DisconnectReason.TooManyConnections, "the server is busy; no slot freed in time"),
        RejectReason.AddressThrottled => (DisconnectReason.HostNotAllowedToConnect, "too many failed logins from your address; try again later"),
        _ => (DisconnectReason.ByApplication, "the server is shutting down"),
    }, server.Metrics);
}
