using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// Gateways as separate server processes (so one can be killed or restarted) behind HAProxy on 127.0.0.30, sharing a
/// PostgreSQL database and one data root, each on fixed ports so a restarted gateway is found where it was. HAProxy
/// checks each gateway's /readyz, retries a refused connection on another gateway (option redispatch), and relays
/// with PROXY v2; each gateway's passive range is routed back to it.
/// </summary>
internal sealed class GatewayCluster : IAsyncDisposable
{
    public const string Balancer = "127.0.0.30";
    public const string Password = "alice-secret";

    /// <summary>alice's disk quota: far above what the tests store, so every gateway holds a grant of it while uploading.</summary>
    public const long Quota = 1L << 30;

    private readonly string _work;
    private readonly List<Gateway> _gateways = [];

    private sealed record Gateway(string Config, int Port, int Admin, (int First, int Last) Passive)
    {
        public ServerProcess? Process { get; set; }
    }

    private GatewayCluster(string work) => _work = work;

    public HaproxyProcess Haproxy { get; private set; } = null!;

    public int Port { get; private set; }

    public string DataRoot => Path.Combine(_work, "data");

    public string Home => Path.Combine(DataRoot, "alice");

    public string KnownHosts => Path.Combine(_work, "known_hosts");

    public int Count => _gateways.Count;

    public ServerProcess this[int index] => _gateways[index].Process!;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static async Task<GatewayCluster> StartAsync(string work, string connectionString, int gateways)
    {
        var cluster = new GatewayCluster(work);
        Directory.CreateDirectory(cluster.Home);
        string keys = Path.Combine(work, "keys");
        Directory.CreateDirectory(keys);
        SshTestKeys.CopyHostKeys(keys);
        string hash = PasswordHasher.HashPbkdf2(Password, 10_000);
        var ports = FreePorts(2 * gateways);
        for (int i = 0; i < gateways; i++)
        {
            // Wide windows: a full test run keeps many ports busy, and 20 in a row were once not found in 2,900.
            var passive = HaproxyProcess.FreePortRange(10, low: 40000 + (i * 6000), high: 45900 + (i * 6000));
            string config = Path.Combine(work, $"gateway-{Text(i)}.json");
            // One shared keys directory: the first gateway makes the TLS certificate, the others load it.
            await File.WriteAllTextAsync(config, $$"""
                {
                  "Server": { "DataRoot": "{{cluster.DataRoot}}", "KeysDirectory": "{{keys}}", "StateDirectory": "{{Path.Combine(work, $"state-{Text(i)}")}}",
                              "ShutdownGraceSeconds": 20 },
                  "Accounts": { "Provider": "postgresql", "ConnectionString": "{{connectionString}}" },
                  "Cluster": { "NodeName": "gateway-{{Text(i)}}", "LeaseSeconds": 3 },
                  "Admin": { "Address": "127.0.0.1", "Port": {{Text(ports[(2 * i) + 1])}} },
                  "Listeners": {
                    "auto": { "Address": "127.0.0.1", "Port": {{Text(ports[2 * i])}}, "Protocol": "auto", "ProxyProtocol": "required",
                              "TrustedProxies": [ "127.0.0.1/32" ] }
                  },
                  "Ftp": { "PassivePorts": "{{Text(passive.First)}}-{{Text(passive.Last)}}", "PassiveAddress": "{{Balancer}}" },
                  "Penalties": { "Exempt": [ "127.0.0.0/8" ] },
                  "Logging": { "File": "{{Path.Combine(work, "logs", $"gateway-{Text(i)}.log")}}" },
                  "Users": { "alice": { "PasswordHash": "{{hash}}", "AuthorizedKeys": [ "{{SshTestKeys.ClientPublicKey("id_ed25519")}}" ],
                    "Limits": { "QuotaBytes": {{Quota}} } } }
                }
                """);
            cluster._gateways.Add(new Gateway(config, ports[2 * i], ports[(2 * i) + 1], passive));
            await cluster.StartGatewayAsync(i);
        }

        cluster.Port = HaproxyProcess.FreePort();
        var lines = new List<string>
        {
            "frontend control",
            $"    bind {Balancer}:{Text(cluster.Port)}",
            "    default_backend gateways",
            "backend gateways",
            "    balance roundrobin",
            "    option redispatch",
            "    retries 3",
            "    option httpchk",
            "    http-check send meth GET uri /readyz",
            "    http-check expect status 200",
        };
        lines.AddRange(cluster._gateways.Select((g, i) =>
            $"    server gateway-{Text(i)} 127.0.0.1:{Text(g.Port)} send-proxy-v2 check port {Text(g.Admin)} inter 250 fall 1 rise 2"));
        foreach (var (gateway, i) in cluster._gateways.Select((g, i) => (g, i)))
        {
            lines.AddRange(
            [
                $"frontend passive-{Text(i)}",
                $"    bind {Balancer}:{Text(gateway.Passive.First)}-{Text(gateway.Passive.Last)}",
                $"    default_backend passive-{Text(i)}",
                $"backend passive-{Text(i)}",
                $"    server gateway-{Text(i)} 127.0.0.1 send-proxy-v2",
            ]);
        }

        cluster.Haproxy = await HaproxyProcess.StartAsync(string.Join('\n', lines));
        await File.WriteAllLinesAsync(cluster.KnownHosts, SshTestKeys.HostKeys.Where(k => !k.File.Contains("ecdsa", StringComparison.Ordinal))
            .Select(k => $"[{Balancer}]:{Text(cluster.Port)} {SshTestKeys.HostPublicKey(k.File)}"));
        return cluster;
    }

    /// <summary>Starts gateway <paramref name="index"/> (again) on its ports and waits until it answers /readyz.</summary>
    public async Task StartGatewayAsync(int index)
    {
        var gateway = _gateways[index];
        // Its own admin port on the command line too: ServerProcess otherwise moves the admin API to a free port.
        gateway.Process = ServerProcess.Start(_work, ["--config", gateway.Config, $"--Admin:Port={Text(gateway.Admin)}"]);
        await gateway.Process.WaitForListenerAsync(TimeSpan.FromSeconds(60), "auto");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{Text(gateway.Admin)}/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"gateway {index} never became ready:\n{gateway.Process.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>The lines every gateway's log file holds so far.</summary>
    public string ReadLogs() => string.Concat(Directory.GetFiles(Path.Combine(_work, "logs")).Order().Select(f =>
    {
        using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }));

    /// <summary>lftp's options that make it ride out a gateway going away: reconnect through the balancer at once, several times.</summary>
    public static string LftpRetries => "set net:max-retries 8; set net:reconnect-interval-base 1; set net:reconnect-interval-max 2; " +
        "set net:timeout 10; set cmd:fail-exit yes; set xfer:clobber on";

    /// <summary>The ssh command lftp runs for sftp:// through the balancer, with the shared host keys pinned.</summary>
    public string LftpSshProgram => $"ssh -a -x -F /dev/null -i {SshTestKeys.ClientKey("id_ed25519")} -o UserKnownHostsFile={KnownHosts} " +
        "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR";

    public string Url(string scheme) => $"{scheme}://{Balancer}:{Text(Port)}";

    public async ValueTask DisposeAsync()
    {
        await Haproxy.DisposeAsync();
        foreach (var gateway in _gateways)
        {
            if (gateway.Process is { HasExited: false } process)
            {
                System.Diagnostics.Process.GetProcessById(process.ProcessId).Kill();
                await process.WaitForExitAsync(TimeSpan.FromSeconds(20));
            }
        }
    }

    /// <summary>Distinct free ports, all held while they are chosen.</summary>
    private static int[] FreePorts(int count)
    {
        var held = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            held.ForEach(l => l.Start());
            return held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            held.ForEach(l => l.Stop());
        }
    }
}
