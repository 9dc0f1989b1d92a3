using System.Diagnostics;
using MultiXfer.TestKit;
using Npgsql;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// Three gateway processes behind HAProxy under faults, with real clients that retry as they do in the field
/// (lftp over FTP and SFTP, curl --retry): a rolling restart of every gateway costs no transfer, and a gateway killed
/// with SIGKILL mid-transfer costs none either: its clients reconnect through the balancer and finish elsewhere, no
/// partial file appears under a final name, and its sessions leave the registry within the lease.
/// </summary>
public sealed class GatewayFaultTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mx-gateways-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<ProcessResult> LftpAsync(GatewayCluster cluster, string scheme, string commands, string? debugLog = null) => ProcessRunner.RunAsync("lftp",
    [
        "-u", scheme == "ftp" ? $"alice,{GatewayCluster.Password}" : "alice,unused",
        "-e", $"{GatewayCluster.LftpRetries}; set ftp:ssl-allow no; set sftp:connect-program '{cluster.LftpSshProgram}'; " +
              (debugLog is null ? "" : $"debug -t -o {debugLog} 9; ") + $"{commands}; quit",
        cluster.Url(scheme),
    ], TimeSpan.FromSeconds(180), _work);

    /// <summary>Where the lftp run that transfers <paramref name="name"/> keeps its debug log.</summary>
    private string DebugLogOf(string name) => Path.Combine(_work, name + ".lftp.log");

    /// <summary>
    /// The end of an lftp debug log, for a failure message: lftp's own error line can be empty (its text for some
    /// internal states is ""), and the protocol exchange is what says which side went wrong.
    /// </summary>
    private static string Tail(string path, int lines = 60) =>
        File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(lines)) : "(no lftp debug log)";

    [Fact]
    public async Task A_rolling_restart_of_every_gateway_fails_no_transfer()
    {
        string connection = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await GatewayCluster.StartAsync(_work, connection, gateways: 3);
        byte[] content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(2_000_000);
        string local = Path.Combine(_work, "local.bin");
        await File.WriteAllBytesAsync(local, content);

        using var restarted = new CancellationTokenSource();
        var failures = new List<string>();
        int transfers = 0;
        async Task LoopAsync(string worker, Func<string, Task<ProcessResult>> iteration)
        {
            for (int n = 0; !restarted.IsCancellationRequested || n < 2; n++)
            {
                string name = $"{worker}-{n}.bin";
                var result = await iteration(name);
                lock (failures)
                {
                    if (result.ExitCode != 0)
                    {
                        failures.Add($"{worker} #{n}: {result}\nthe end of its lftp debug log (none for curl):\n{Tail(DebugLogOf(name))}");
                    }
                    else if (!File.ReadAllBytes(Path.Combine(_work, name)).AsSpan().SequenceEqual(content))
                    {
                        failures.Add($"{worker} #{n}: the file came back different");
                    }
                    else
                    {
                        transfers += 2;
                    }
                }
            }
        }

        var workers = new List<Task>
        {
            LoopAsync("lftp-ftp", name => LftpAsync(cluster, "ftp", $"put {local} -o {name}; get {name} -o {Path.Combine(_work, name)}",
                DebugLogOf(name))),
            LoopAsync("lftp-sftp", name => LftpAsync(cluster, "sftp", $"put {local} -o {name}; get {name} -o {Path.Combine(_work, name)}",
                DebugLogOf(name))),
            LoopAsync("curl-ftp", async name =>
            {
                string[] retry = ["-s", "-S", "--retry", "8", "--retry-all-errors", "--retry-delay", "1", "-u", $"alice:{GatewayCluster.Password}"];
                var put = await ProcessRunner.RunAsync("curl", [.. retry, "-T", local, $"{cluster.Url("ftp")}/{name}"], TimeSpan.FromSeconds(120));
                return put.ExitCode != 0 ? put
                    : await ProcessRunner.RunAsync("curl", [.. retry, "-o", Path.Combine(_work, name), $"{cluster.Url("ftp")}/{name}"], TimeSpan.FromSeconds(120));
            }),
        };

        await Task.Delay(1500);
        for (int i = 0; i < cluster.Count; i++)
        {
            cluster[i].Terminate(); // SIGTERM: listeners close, transfers in flight finish, idle sessions hear 421
            Assert.Equal(0, await cluster[i].WaitForExitAsync(TimeSpan.FromSeconds(40)));
            await cluster.StartGatewayAsync(i);
            await Task.Delay(1000);
        }

        await restarted.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(transfers >= 12, $"only {transfers} transfers ran during the restart");
        Assert.Empty(Directory.GetFiles(cluster.Home).Select(f => new FileInfo(f)).Where(f => !f.Name.StartsWith(".mxpart-", StringComparison.Ordinal)
            && f.Length != content.Length).Select(f => f.Name));

        // Every gateway left the registry as it stopped and came back with nothing: no session counted after the clients left.
        await WaitForEmptyRegistryAsync(connection);
    }

    [Fact]
    public async Task A_gateway_killed_mid_transfer_costs_no_transfer_and_leaves_the_registry_within_its_lease()
    {
        string connection = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await GatewayCluster.StartAsync(_work, connection, gateways: 3);
        byte[] content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(6_000_000);
        string local = Path.Combine(_work, "local.bin");
        await File.WriteAllBytesAsync(local, content);

        // One slow upload per gateway (round robin), two over FTP and one over SFTP, each ~6 s at 1 MB/s.
        string[] schemes = ["ftp", "sftp", "ftp"];
        var uploads = schemes.Select((scheme, i) => LftpAsync(cluster, scheme, $"set net:limit-rate 1000000; put {local} -o up-{i}.bin")).ToList();
        var clock = Stopwatch.StartNew();
        while (Directory.GetFiles(cluster.Home, ".mxpart-*").Count(f => new FileInfo(f).Length > 500_000) < schemes.Length)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the uploads did not get under way");
            await Task.Delay(100);
        }

        Assert.Equal(3, await CountAsync(connection, "SELECT count(DISTINCT node) FROM cluster_sessions"));
        // Each uploading gateway holds a grant of alice's quota.
        Assert.Equal(3, await CountAsync(connection, "SELECT count(DISTINCT node) FROM usage_grants"));
        Process.GetProcessById(cluster[1].ProcessId).Kill(); // SIGKILL: no goodbye to the clients or the registry
        await cluster[1].WaitForExitAsync(TimeSpan.FromSeconds(20));
        var killedAt = Stopwatch.StartNew();
        while (await CountAsync(connection, "SELECT count(*) FROM cluster_sessions WHERE node = 'gateway-1'") +
               await CountAsync(connection, "SELECT count(*) FROM usage_grants WHERE node = 'gateway-1'") > 0)
        {
            Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(3 + 3),
                $"the killed gateway's sessions or quota grant were still registered after {killedAt.Elapsed}");
            await Task.Delay(100);
        }

        var results = await Task.WhenAll(uploads);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        // The killed gateway's client logged in again, on a gateway still standing, and started over there.
        Assert.True(cluster.ReadLogs().Split('\n').Count(l => l.Contains("login succeeded for alice", StringComparison.Ordinal)) > schemes.Length,
            "no client logged in again after the kill");
        for (int i = 0; i < schemes.Length; i++)
        {
            // Whole under its name, whichever gateway finished it.
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(cluster.Home, $"up-{i}.bin")));
        }

        await WaitForEmptyRegistryAsync(connection);

        // Nothing counted twice: the stored usage is the files under their names. The killed gateway's temporary
        // (left for the stale-upload sweep) died with its grant, so it is not counted.
        long stored = Directory.GetFiles(cluster.Home).Where(f => !Path.GetFileName(f).StartsWith(".mxpart-", StringComparison.Ordinal))
            .Sum(f => new FileInfo(f).Length);
        var settled = Stopwatch.StartNew();
        long used;
        while ((used = await CountAsync(connection, "SELECT used_bytes FROM account_usage")) != stored ||
               await CountAsync(connection, "SELECT count(*) FROM usage_grants") > 0)
        {
            Assert.True(settled.Elapsed < TimeSpan.FromSeconds(10), $"{used} bytes counted for {stored} stored, or grants left");
            await Task.Delay(200);
        }
    }

    /// <summary>No session is counted once every client has gone: nothing double counted, nothing left behind.</summary>
    private static async Task WaitForEmptyRegistryAsync(string connection)
    {
        var clock = Stopwatch.StartNew();
        while (await CountAsync(connection, "SELECT count(*) FROM cluster_sessions") > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "sessions left in the registry after every client ended");
            await Task.Delay(200);
        }
    }
}
