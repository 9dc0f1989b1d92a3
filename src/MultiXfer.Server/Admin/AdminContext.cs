using MultiXfer.Accounts;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Admin;

/// <summary>What the admin API works on: the server's own objects, shared with the protocols.</summary>
internal sealed class AdminContext(
    AccountOperations accounts,
    SessionControl sessions,
    QuotaControl quotas,
    Action<string> reload,
    IReadOnlyList<(string Site, HostKeyManager Keys)> hostKeys,
    CertificateStore certificates,
    string accountsProvider,
    TimeProvider time,
    MultiXfer.Server.Cluster.SessionRegistry? cluster = null,
    MultiXfer.Server.Cluster.HostKeyFeed? hostKeyRotations = null)
{
    /// <summary>Where a rotation step is announced to the cluster's other gateways; null for a gateway alone.</summary>
    public MultiXfer.Server.Cluster.HostKeyFeed? HostKeyRotations => hostKeyRotations;

    /// <summary>The cluster's session registry; null for a gateway alone.</summary>
    public MultiXfer.Server.Cluster.SessionRegistry? Cluster => cluster;

    public AccountOperations Accounts => accounts;

    public AccountDatabase Database => accounts.Database;

    public SessionControl Sessions => sessions;

    public QuotaControl Quotas => quotas;

    public void Reload(string reason) => reload(reason);

    public IReadOnlyList<(string Site, HostKeyManager Keys)> HostKeys => hostKeys;

    public CertificateStore Certificates => certificates;

    public string AccountsProvider => accountsProvider;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
}
