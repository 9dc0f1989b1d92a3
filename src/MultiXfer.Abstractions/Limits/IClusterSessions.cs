namespace MultiXfer.Limits;

/// <summary>
/// The logged-in sessions of every gateway of a cluster, kept where all of them see it, so an account's session limit
/// holds across gateways and any gateway can list and end any session. A gateway registers a session when it admits
/// a login and unregisters it when the session ends; a gateway that dies takes its sessions with it once its lease
/// runs out.
/// </summary>
public interface IClusterSessions
{
    /// <summary>
    /// Registers <paramref name="session"/>, unless the account already has <paramref name="maxSessions"/> sessions
    /// on the cluster's gateways together (null: no limit). Returns null when admitted, else the refusal. With the
    /// registry out of reach, a limited account is refused (the limit cannot be checked) and an unlimited one is
    /// admitted and registered when the registry answers again.
    /// </summary>
    Task<ClusterRefusal?> RegisterAsync(ClusterSession session, int? maxSessions, CancellationToken cancellationToken);

    /// <summary>The session ended (never blocks: the registry catches up if it cannot be reached now).</summary>
    void Unregister(string sessionId);
}

/// <summary>One logged-in session as the cluster sees it.</summary>
public sealed record ClusterSession(string Id, string Account, string UsageKey, string Protocol, string Client, string VirtualHost,
    DateTimeOffset StartedAt, string Node = "");

/// <summary>Why a login was not registered; <paramref name="Unavailable"/>: the registry could not be reached (a login fails closed).</summary>
public sealed record ClusterRefusal(string Reason, bool Unavailable);
