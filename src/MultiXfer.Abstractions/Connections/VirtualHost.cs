using System.Net;
using MultiXfer.Auth;

namespace MultiXfer.Connections;

/// <summary>
/// One site the server hosts: who may log in (its authenticator, whose accounts carry its storage and SFTP
/// settings), what it greets with, and the names that select it. The unnamed default stands for the top-level
/// configuration. Immutable: a reload builds new ones, and open sessions keep the one they started with.
/// </summary>
public sealed class VirtualHost
{
    public const string DefaultName = "";

    /// <summary>The key under VirtualHosts, or <see cref="DefaultName"/>.</summary>
    public required string Name { get; init; }

    /// <summary>Host names (and "*.domain" wildcards) that select it by TLS SNI, FTP HOST and SSH user@host.</summary>
    public required IReadOnlyList<string> HostNames { get; init; }

    /// <summary>The FTP greeting (220).</summary>
    public required string Banner { get; init; }

    /// <summary>The SSH pre-authentication banner (RFC 4252 §5.4), or null for the Ssh section's.</summary>
    public string? SshBanner { get; init; }

    public required IAuthenticator Authenticator { get; init; }

    /// <summary>FTP: USER anonymous/ftp logs in read-only at the anonymous root (the authenticator's policy).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>The address FTP's PASV advertises for this site, or null for the Ftp section's.</summary>
    public IPAddress? PassiveAddress { get; init; }

    /// <summary>Its Limits section: defaults for its accounts, per-session caps, and its sessions' shared rate gates.</summary>
    public MultiXfer.Limits.HostLimits Limits { get; init; } = MultiXfer.Limits.HostLimits.None;

    /// <summary>Every account's live usage (shared by all hosts); null where no limits are kept (tools, some tests).</summary>
    public MultiXfer.Limits.UsageRegistry? Usage { get; init; }

    /// <summary>The cluster's session registry, where gateways share PostgreSQL; null for a gateway alone.</summary>
    public MultiXfer.Limits.IClusterSessions? Cluster { get; init; }

    public bool IsDefault => Name.Length == 0;

    /// <summary>
    /// Admits a login of <paramref name="user"/> on <paramref name="connection"/> under the account's session limit.
    /// Admitted, the connection holds a session slot (freed with it) and the returned user carries its live usage;
    /// refused, the admission says why.
    /// </summary>
    public async Task<MultiXfer.Limits.SessionAdmission> AdmitAsync(ConnectionContext connection, UserAccount user,
        CancellationToken cancellationToken)
    {
        if (Usage is null)
        {
            return new MultiXfer.Limits.SessionAdmission(null, user, null);
        }

        // A new login on a connection that had one (FTP REIN, then USER and PASS) ends the old one's hold first.
        connection.Limits?.Dispose();
        connection.Limits = null;
        var admission = await Usage.AdmitAsync(user, Limits, cancellationToken);
        if (admission.Session is { } session)
        {
            if (Cluster is { } cluster)
            {
                // The account's limit over every gateway: this one's own slot is taken, now the cluster's.
                var registered = new MultiXfer.Limits.ClusterSession(connection.Id, user.Name, user.UsageKey, connection.LogScope.Protocol,
                    connection.ClientAddress.ToString(), ToString(), DateTimeOffset.UtcNow);
                MultiXfer.Limits.ClusterRefusal? refusal;
                try
                {
                    refusal = await cluster.RegisterAsync(registered, session.Account.Limits.MaxSessions, cancellationToken);
                }
                catch
                {
                    session.Dispose(); // the connection went away meanwhile: its local slot goes back
                    throw;
                }

                if (refusal is not null)
                {
                    session.Dispose();
                    return new MultiXfer.Limits.SessionAdmission(null, null, refusal.Reason, refusal.Unavailable);
                }

                session.OnRelease(() => cluster.Unregister(connection.Id));
            }

            connection.Limits = session;
        }

        return admission;
    }

    /// <summary>For logs: the name, or "default".</summary>
    public override string ToString() => IsDefault ? "default" : Name;
}
