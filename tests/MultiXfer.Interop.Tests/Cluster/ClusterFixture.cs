using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Cluster;

/// <summary>
/// Three gateways behind HAProxy, as deploy/haproxy/haproxy.cfg runs them: one PostgreSQL database (accounts, bans,
/// the session registry), one data root, the same host keys and certificate. HAProxy listens on 127.0.0.30, relays
/// every connection with a PROXY v2 header, balances control connections round robin, limits connections per client
/// address over all gateways, and routes each gateway's own passive range back to that gateway, which advertises the
/// balancer's address in PASV.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string Balancer = "127.0.0.30";
    public const int Gateways = 3;

    /// <summary>HAProxy's limit of connections per client address over all gateways (deploy/haproxy/haproxy.cfg: 100).</summary>
    public const int ConnectionsPerAddress = 20;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public PostgresServer Database { get; private set; } = null!;

    /// <summary>The gateways' shared database, for looking at what they stored.</summary>
    public string ConnectionString { get; private set; } = "";

    public IReadOnlyList<TestServer> Nodes { get; private set; } = [];

    public HaproxyProcess Haproxy { get; private set; } = null!;

    /// <summary>The balancer's port for every protocol (the gateways' auto listeners detect FTP, implicit FTPS and SSH).</summary>
    public int Port { get; private set; }

    /// <summary>The data root every gateway serves.</summary>
    public string DataRoot { get; } = Directory.CreateTempSubdirectory("mx-cluster-data-").FullName;

    public string HomeOf(string user) => Path.Combine(DataRoot, user);

    public string Url(string scheme, string path = "") => $"{scheme}://{Balancer}:{Text(Port)}/{path}";

    public async Task InitializeAsync()
    {
        Database = await PostgresServer.StartAsync();
        string connection = ConnectionString = await Database.CreateDatabaseAsync();
        var ranges = new List<(int First, int Last)>();
        var nodes = new List<TestServer>();
        for (int i = 0; i < Gateways; i++)
        {
            // Wide windows: a full test run keeps many ports busy, and 20 in a row were once not found in 2,900.
            var range = HaproxyProcess.FreePortRange(10, low: 40000 + (i * 6000), high: 45900 + (i * 6000));
            ranges.Add(range);
            int node = i;
            nodes.Add(await TestServer.StartAsync(s =>
            {
                s["Accounts:Provider"] = "postgresql";
                s["Accounts:ConnectionString"] = connection;
                s["Server:DataRoot"] = DataRoot;
                s["Cluster:NodeName"] = $"gateway-{Text(node)}";
                s["Cluster:LeaseSeconds"] = "3";
                // Slow sweeps: what ends a session on another gateway at once is the change's announcement.
                s["Admin:EnforcementIntervalSeconds"] = "120";
                s["Listeners:auto:ProxyProtocol"] = "required";
                s["Listeners:auto:TrustedProxies:0"] = "127.0.0.1/32";
                s["Ftp:PassivePorts"] = $"{Text(range.First)}-{Text(range.Last)}";
                s["Ftp:PassiveAddress"] = Balancer;
            }));
        }

        Nodes = nodes;
        Port = HaproxyProcess.FreePort();
        var config = new List<string>
        {
            "frontend control",
            $"    bind {Balancer}:{Text(Port)}",
            "    stick-table type ipv6 size 1m expire 30m store conn_cur",
            "    tcp-request connection track-sc0 src,ipmask(32,64)",
            $"    tcp-request connection reject if {{ sc0_conn_cur gt {Text(ConnectionsPerAddress)} }}",
            "    default_backend gateways",
            "backend gateways",
            "    balance roundrobin",
        };
        config.AddRange(nodes.Select((n, i) => $"    server gateway-{Text(i)} 127.0.0.1:{Text(n.AutoPort)} send-proxy-v2"));
        for (int i = 0; i < Gateways; i++)
        {
            // No port on the server: HAProxy connects to the port the client came to, the gateway's own passive port.
            config.AddRange(
            [
                $"frontend passive-{Text(i)}",
                $"    bind {Balancer}:{Text(ranges[i].First)}-{Text(ranges[i].Last)}",
                $"    default_backend passive-{Text(i)}",
                $"backend passive-{Text(i)}",
                $"    server gateway-{Text(i)} 127.0.0.1 send-proxy-v2",
            ]);
        }

        Haproxy = await HaproxyProcess.StartAsync(string.Join('\n', config));
    }

    public async Task DisposeAsync()
    {
        await Haproxy.DisposeAsync();
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Database.DisposeAsync();
        Directory.Delete(DataRoot, recursive: true);
    }
}
