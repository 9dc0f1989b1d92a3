using MultiXfer.Connections;
using MultiXfer.Observability;

namespace MultiXfer.Server.Observability;

/// <summary>Every observer the configuration turns on (metrics always; the audit log and xferlog when configured).</summary>
internal sealed class ObserverSet(IReadOnlyList<IConnectionObserver> observers) : IConnectionObserver
{
    public void Opened(ConnectionContext connection)
    {
        foreach (var observer in observers)
        {
            observer.Opened(connection);
        }
    }

    public void Refused(ConnectionContext connection, string reason)
    {
        foreach (var observer in observers)
        {
            observer.Refused(connection, reason);
        }
    }

    public void Closed(ConnectionContext connection)
    {
        foreach (var observer in observers)
        {
            observer.Closed(connection);
        }
    }

    public void LoginSucceeded(ConnectionContext connection, string user, string method)
    {
        foreach (var observer in observers)
        {
            observer.LoginSucceeded(connection, user, method);
        }
    }

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason)
    {
        foreach (var observer in observers)
        {
            observer.LoginFailed(connection, user, method, reason);
        }
    }

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        foreach (var observer in observers)
        {
            observer.TransferStarted(connection, transfer);
        }
    }

    public void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome)
    {
        foreach (var observer in observers)
        {
            observer.TransferEnded(connection, transfer, outcome);
        }
    }
}
