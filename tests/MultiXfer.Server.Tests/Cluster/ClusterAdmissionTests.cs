using System.Net;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Limits;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>A login's admission on a gateway of a cluster: the local slot and the cluster's registration go together.</summary>
public sealed class ClusterAdmissionTests
{
    private sealed class Registry(Func<ClusterSession, ClusterRefusal?> answer) : IClusterSessions
    {
        public List<string> Registered { get; } = [];

        public List<string> Unregistered { get; } = [];

        public Task<ClusterRefusal?> RegisterAsync(ClusterSession session, int? maxSessions, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Registered.Add(session.Id);
            return Task.FromResult(answer(session));
        }

        public void Unregister(string sessionId) => Unregistered.Add(sessionId);
    }

    private static UserAccount Erin => new()
    {
        Name = "erin",
        Home = VirtualPath.Root,
        Protocols = new HashSet<string> { Protocols.Ftp },
        Permissions = new PermissionRules([], readOnly: false),
        Limits = new AccountLimits { MaxSessions = 1 },
    };

    private static ConnectionContext Connection() => new("c0ffee001", "main", new IPEndPoint(IPAddress.Loopback, 21),
        new IPEndPoint(IPAddress.Parse("192.0.2.7"), 50123), Stream.Null, CancellationToken.None);

    private static (VirtualHost Host, UsageRegistry Usage) Host(IClusterSessions cluster)
    {
        var usage = new UsageRegistry(null, TimeProvider.System);
        // Admission never asks the authenticator: the login has been authenticated by then.
        return (new VirtualHost { Name = "", HostNames = [], Banner = "", Authenticator = null!, Usage = usage, Cluster = cluster }, usage);
    }

    [Fact]
    public async Task A_login_cancelled_while_registering_gives_its_local_slot_back()
    {
        var (host, usage) = Host(new Registry(_ => null));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.AdmitAsync(Connection(), Erin, cancelled.Token));
        Assert.Equal(0, usage.Find(Erin.UsageKey)!.Sessions);
    }

    [Fact]
    public async Task A_cluster_refusal_gives_the_local_slot_back_and_says_whether_the_registry_was_away()
    {
        var (host, usage) = Host(new Registry(_ => new ClusterRefusal("away", Unavailable: true)));
        var admission = await host.AdmitAsync(Connection(), Erin, CancellationToken.None);
        Assert.Null(admission.User);
        Assert.True(admission.Unavailable);
        Assert.Equal(0, usage.Find(Erin.UsageKey)!.Sessions);
    }

    [Fact]
    public async Task A_second_login_on_one_connection_releases_the_first_before_registering_and_the_end_unregisters_once()
    {
        var registry = new Registry(_ => null);
        var (host, usage) = Host(registry);
        var connection = Connection();
        Assert.NotNull((await host.AdmitAsync(connection, Erin, CancellationToken.None)).User);
        // FTP REIN, then USER and PASS again: with MaxSessions 1 the old login's slot must not refuse the new one.
        Assert.NotNull((await host.AdmitAsync(connection, Erin, CancellationToken.None)).User);
        Assert.Equal(["c0ffee001"], registry.Unregistered);
        Assert.Equal(1, usage.Find(Erin.UsageKey)!.Sessions);
        connection.Limits!.Dispose();
        Assert.Equal(["c0ffee001", "c0ffee001"], registry.Unregistered);
        Assert.Equal(0, usage.Find(Erin.UsageKey)!.Sessions);
    }
}
