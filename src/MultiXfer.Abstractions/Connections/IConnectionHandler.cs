namespace MultiXfer.Connections;

/// <summary>The terminal step for a connection: a protocol that runs it until it ends.</summary>
public interface IConnectionHandler
{
    /// <summary>The protocol this handler serves, as listeners name it ("ftp", "ssh", ...).</summary>
    string Protocol { get; }

    Task RunAsync(ConnectionContext connection);

    /// <summary>
    /// Tells a client it is refused before any session starts (too many connections, throttled address), in the
    /// protocol's own words, then returns; the transport closes the connection.
    /// </summary>
    Task RejectAsync(ConnectionContext connection, RejectReason reason);
}

public enum RejectReason
{
    TooManyConnections,
    TooManyConnectionsFromAddress,
    AddressThrottled,
    ShuttingDown,
    /// <summary>It waited for a slot longer than the admission queue allows.</summary>
    QueueTimedOut,
    /// <summary>Its address earned a per-source penalty (failed logins, connections that never log in, protocol errors).</summary>
    Penalised,
}
