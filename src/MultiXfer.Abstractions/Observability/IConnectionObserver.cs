using MultiXfer.Connections;

namespace MultiXfer.Observability;

/// <summary>How a transfer ended: the client got all of it, the server failed it, or it was cut (ABOR, a closed
/// connection, a handle left open at the session's end).</summary>
public enum TransferOutcome
{
    Completed,
    Failed,
    Aborted,
}

/// <summary>
/// What happens on a connection that the operator's tools record: the audit log, the xferlog, metrics and traces.
/// The transport reports connections, the protocols report logins and transfers; the server composes the observers.
/// Calls come on the connection's own tasks and must not block (writers buffer). Every method does nothing unless an
/// observer overrides it, so each implements only what it records.
/// </summary>
public interface IConnectionObserver
{
    /// <summary>The connection was admitted and handed to its protocol.</summary>
    void Opened(ConnectionContext connection) { }

    /// <summary>The connection was turned away before any protocol ran it.</summary>
    /// <param name="reason">Penalised, ConnectionLimit, PerAddressLimit, QueueTimeout, ShuttingDown, ProxyHeader, Undetected...</param>
    void Refused(ConnectionContext connection, string reason) { }

    /// <summary>An opened connection is gone.</summary>
    void Closed(ConnectionContext connection) { }

    /// <param name="method">password, publickey, keyboard-interactive, anonymous.</param>
    void LoginSucceeded(ConnectionContext connection, string user, string method) { }

    /// <param name="reason">A word from a small fixed set (unknown_user, bad_credentials, refused, throttled, ...).</param>
    void LoginFailed(ConnectionContext connection, string user, string method, string reason) { }

    void TransferStarted(ConnectionContext connection, TransferActivity transfer) { }

    void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome) { }
}

/// <summary>Observes nothing: connections built outside a server (tests, the stdio sftp-server).</summary>
public sealed class NoConnectionObserver : IConnectionObserver
{
    public static NoConnectionObserver Instance { get; } = new();
}
