using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MultiXfer.Interop.Tests.Admin;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Cluster;

/// <summary>
/// Real clients through HAProxy to three gateways sharing PostgreSQL and one data root (<see cref="ClusterFixture"/>):
/// an account made on one gateway's API works on every gateway in FTP (PASV and EPSV), explicit and implicit FTPS and
/// SFTP; an account's session limit, its disk quota, its rate, a ban, the connections per address and an admin's end of
/// a session hold across the gateways.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ClusterTests(ClusterFixture cluster)
{
    private const string Haproxy = HaproxyProcess.Executable;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Task<ProcessResult> Curl(params string[] arguments) =>
        ProcessRunner.RunAsync("curl", ["-s", "-S", "--max-time", "30", .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Which gateway logged each login of <paramref name="user"/> (the gateways log to files of their own).</summary>
    private int[] LoginsPerGateway(string user) =>
        cluster.Nodes.Select(n => n.ReadLog().Split('\n').Count(l => l.Contains($"login succeeded for {user} over", StringComparison.Ordinal))).ToArray();

    private async Task<string> NewAccountAsync(string name, object? limits = null)
    {
        using var admin = await AdminClient.ForAsync(cluster.Nodes[0]);
        var created = await admin.CreateAccountAsync(new { name, password = $"{name}-secret-1", home = $"/{name}", limits });
        Assert.True(created.Status == 201, created.ToString());
        Directory.CreateDirectory(cluster.HomeOf(name));
        return $"{name}:{name}-secret-1";
    }

    [ClientFact(Haproxy, "curl", "sftp")]
    public async Task An_account_made_on_one_gateway_transfers_over_every_protocol_through_the_balancer_on_every_gateway()
    {
        string credentials = await NewAccountAsync("erin");
        string work = Directory.CreateTempSubdirectory("mx-cluster-client-").FullName;
        byte[] content = SshTestSupport.RandomBytes(300_000);
        string local = Path.Combine(work, "up.bin");
        await File.WriteAllBytesAsync(local, content);
        var before = LoginsPerGateway("erin");

        // Twice round the three gateways: EPSV (to the balancer's address and the gateway's own port), PASV (the
        // gateway advertises the balancer), explicit FTPS (AUTH TLS) and implicit FTPS (TLS at once, detected).
        for (int round = 0; round < 2 * ClusterFixture.Gateways; round++)
        {
            string name = $"ftp-{Text(round)}.bin";
            var put = await Curl("-u", credentials, "-T", local, cluster.Url("ftp", name));
            Assert.True(put.ExitCode == 0, put.ToString());
            var pasv = await Curl("-u", credentials, "--disable-epsv", "-o", Path.Combine(work, "pasv.bin"), cluster.Url("ftp", name));
            Assert.True(pasv.ExitCode == 0, pasv.ToString());
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(work, "pasv.bin")));
            var explicitTls = await Curl("-u", credentials, "--ssl-reqd", "-k", "-o", Path.Combine(work, "ftpes.bin"), cluster.Url("ftp", name));
            Assert.True(explicitTls.ExitCode == 0, explicitTls.ToString());
            var implicitTls = await Curl("-u", credentials, "-k", "-o", Path.Combine(work, "ftps.bin"), cluster.Url("ftps", name));
            Assert.True(implicitTls.ExitCode == 0, implicitTls.ToString());
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(work, "ftps.bin")));
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(cluster.HomeOf("erin"), name)));
        }

        var after = LoginsPerGateway("erin");
        Assert.All(Enumerable.Range(0, ClusterFixture.Gateways), i => Assert.True(after[i] - before[i] >= 2,
            $"gateway {i} served {after[i] - before[i]} of erin's logins: {string.Join(", ", after)}"));

        // SFTP through the balancer with the host key pinned for the balancer's address: every gateway has the same keys.
        string knownHosts = Path.Combine(work, "known_hosts");
        await File.WriteAllLinesAsync(knownHosts, SshTestKeys.HostKeys.Select(k => $"[{ClusterFixture.Balancer}]:{Text(cluster.Port)} {SshTestKeys.HostPublicKey(k.File)}"));
        var sftpBefore = LoginsPerGateway("alice");
        for (int round = 0; round < ClusterFixture.Gateways; round++)
        {
            string batch = Path.Combine(work, "batch");
            await File.WriteAllLinesAsync(batch, [$"put {local} sftp-{Text(round)}.bin"]);
            var sftp = await ProcessRunner.RunAsync("sftp",
            [
                "-F", "/dev/null", "-P", Text(cluster.Port), "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", SftpTestSupport.Key,
                "-b", batch, $"alice@{ClusterFixture.Balancer}",
            ], TimeSpan.FromSeconds(60));
            Assert.True(sftp.ExitCode == 0, sftp.ToString());
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(cluster.HomeOf("alice"), $"sftp-{Text(round)}.bin")));
        }

        var sftpAfter = LoginsPerGateway("alice");
        Assert.All(Enumerable.Range(0, ClusterFixture.Gateways), i => Assert.True(sftpAfter[i] > sftpBefore[i], $"gateway {i} served no SFTP login"));
    }

    [ClientFact(Haproxy, "curl")]
    public async Task An_accounts_session_limit_holds_across_the_gateways_behind_the_balancer()
    {
        string credentials = await NewAccountAsync("frank", new { maxSessions = 2 });
        CreateLargeFile(cluster.HomeOf("frank"), "big.bin");
        using var admin = await AdminClient.ForAsync(cluster.Nodes[2]);
        var downloads = new[] { SlowDownload(credentials, "big.bin"), SlowDownload(credentials, "big.bin") };
        try
        {
            var sessions = await WaitForClusterSessionsAsync(admin, "frank", 2);
            Assert.Equal(2, sessions.Select(s => s!["node"]!.GetValue<string>()).Distinct().Count()); // round robin: two gateways

            // A third login, whichever gateway takes it: 421 at PASS, refused for the cluster's count.
            var third = await Curl("-v", "-u", credentials, "-o", "/dev/null", cluster.Url("ftp", "big.bin"));
            Assert.NotEqual(0, third.ExitCode);
            Assert.Contains("< 421 Too many sessions for this account", third.Error, StringComparison.Ordinal);
            Assert.Contains(cluster.Nodes, n => n.ReadLog().Contains("too many sessions for frank: limit 2 reached on the cluster's gateways together",
                StringComparison.Ordinal));

            downloads[0].Kill();
            var clock = Stopwatch.StartNew();
            ProcessResult next;
            do
            {
                next = await Curl("-u", credentials, "-r", "0-999", "-o", "/dev/null", cluster.Url("ftp", "big.bin"));
            }
            while (next.ExitCode != 0 && clock.Elapsed < TimeSpan.FromSeconds(5));

            Assert.True(next.ExitCode == 0, $"no slot after the first download ended ({clock.Elapsed}): {next}");
        }
        finally
        {
            foreach (var download in downloads)
            {
                download.Kill();
            }
        }
    }

    [ClientFact(Haproxy, "curl")]
    public async Task A_disk_quota_holds_with_uploads_spread_over_the_gateways_and_every_gateway_reports_the_clusters_usage()
    {
        const int Quota = 4 << 20;
        const int Size = 1 << 20;
        const int Uploads = 9; // three per gateway, round robin; four fit
        string credentials = await NewAccountAsync("hank", new { quotaBytes = Quota });
        string work = Directory.CreateTempSubdirectory("mx-cluster-quota-").FullName;
        var contents = Enumerable.Range(0, Uploads).Select(_ => SshTestSupport.RandomBytes(Size)).ToArray();
        for (int i = 0; i < Uploads; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(work, $"up-{Text(i)}.bin"), contents[i]);
        }

        var before = LoginsPerGateway("hank");
        var results = await Task.WhenAll(Enumerable.Range(0, Uploads).Select(i =>
            Curl("--limit-rate", "4M", "-u", credentials, "-T", Path.Combine(work, $"up-{Text(i)}.bin"), cluster.Url("ftp", $"f-{Text(i)}.bin"))));
        var after = LoginsPerGateway("hank");
        Assert.All(Enumerable.Range(0, ClusterFixture.Gateways), g => Assert.True(after[g] > before[g], $"gateway {g} took no upload"));

        long onDisk = 0;
        for (int i = 0; i < Uploads; i++)
        {
            string stored = Path.Combine(cluster.HomeOf("hank"), $"f-{Text(i)}.bin");
            if (results[i].ExitCode == 0)
            {
                Assert.Equal(contents[i], await File.ReadAllBytesAsync(stored));
                onDisk += Size;
            }
            else
            {
                // Refused for the quota (552: curl's "Exceeded storage allocation", exit 70), and nothing of it under its name.
                Assert.True(results[i].ExitCode == 70, results[i].ToString());
                Assert.False(File.Exists(stored), $"a refused upload left {stored}");
            }
        }

        Assert.True(onDisk <= Quota, $"{onDisk} bytes stored against a quota of {Quota}");
        Assert.True(onDisk >= 2 * Size, $"only {onDisk} bytes stored: the gateways held back too much of the quota");
        Assert.DoesNotContain(Directory.GetFiles(cluster.HomeOf("hank")), f => !Path.GetFileName(f).StartsWith("f-", StringComparison.Ordinal));

        // Every gateway's API shows the cluster's figure, and the database holds it with no grant left behind.
        foreach (var node in cluster.Nodes)
        {
            using var admin = await AdminClient.ForAsync(node);
            var clock = Stopwatch.StartNew();
            long used;
            while ((used = (await admin.GetAsync("api/v1/accounts/hank/usage")).Body!["usedBytes"]!.GetValue<long>()) != onDisk)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"a gateway reports {used} bytes used, {onDisk} are stored");
                await Task.Delay(100);
            }
        }

        await using var database = new Npgsql.NpgsqlConnection(cluster.ConnectionString);
        await database.OpenAsync();
        await using var grants = new Npgsql.NpgsqlCommand("SELECT count(*) FROM usage_grants WHERE usage_key = 'hank'", database);
        Assert.Equal(0L, (long)(await grants.ExecuteScalarAsync())!);
    }

    [ClientFact(Haproxy, "curl")]
    public async Task An_accounts_download_rate_is_split_between_the_gateways_holding_its_sessions()
    {
        const int Rate = 1_000_000;
        const int Size = 2_000_000;
        string credentials = await NewAccountAsync("ivy", new { downloadBytesPerSecond = Rate });
        foreach (string name in new[] { "a.bin", "b.bin" })
        {
            await File.WriteAllBytesAsync(Path.Combine(cluster.HomeOf("ivy"), name), SshTestSupport.RandomBytes(Size));
        }

        using var admin = await AdminClient.ForAsync(cluster.Nodes[0]);
        var clock = Stopwatch.StartNew();
        var first = Curl("-u", credentials, "-o", "/dev/null", cluster.Url("ftp", "a.bin"));
        await WaitForClusterSessionsAsync(admin, "ivy", 1);
        var second = Curl("-u", credentials, "-o", "/dev/null", cluster.Url("ftp", "b.bin"));
        var sessions = await WaitForClusterSessionsAsync(admin, "ivy", 2);
        Assert.Equal(2, sessions.Select(s => s!["node"]!.GetValue<string>()).Distinct().Count());
        var results = await Task.WhenAll(first, second);
        var elapsed = clock.Elapsed;
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));

        // 4 MB at 1 MB/s for the account: about 4 s (each gateway paces it at half the rate while both hold a session).
        // Each gateway at the whole rate takes under 3 s here.
        Assert.True(elapsed > TimeSpan.FromSeconds(3.5) && elapsed < TimeSpan.FromSeconds(6.5),
            $"two downloads of {Size} bytes over two gateways took {elapsed.TotalSeconds:F2} s at an account rate of {Rate} B/s");
    }

    [ClientFact(Haproxy)]
    public async Task Connections_from_one_address_are_limited_over_all_gateways_together()
    {
        // From an address of its own, so no other test's connections count.
        var source = new IPEndPoint(IPAddress.Parse("127.0.0.31"), 0);
        var held = new List<TcpClient>();
        try
        {
            // Round robin spreads them over the three gateways: each holds 6-7, under its own limits. (Each greeting
            // comes after the auto listener's wait for a client that speaks first: about 0.3 s.)
            for (int i = 0; i < ClusterFixture.ConnectionsPerAddress; i++)
            {
                var client = await ConnectFromAsync(source);
                held.Add(client);
                Assert.StartsWith("220", await ReadLineAsync(client), StringComparison.Ordinal);
            }

            Assert.Null(await GreetingFromAsync(source)); // closed by the balancer

            held[0].Dispose();
            held.RemoveAt(0);
            var clock = Stopwatch.StartNew();
            string? greeting;
            while ((greeting = await GreetingFromAsync(source)) is null && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50);
            }

            Assert.StartsWith("220", greeting, StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    private async Task<TcpClient> ConnectFromAsync(IPEndPoint source)
    {
        var client = new TcpClient(source);
        await client.ConnectAsync(ClusterFixture.Balancer, cluster.Port);
        return client;
    }

    /// <summary>The greeting a new connection from <paramref name="source"/> gets; null when it is closed or reset instead.</summary>
    private async Task<string?> GreetingFromAsync(IPEndPoint source)
    {
        try
        {
            using var client = await ConnectFromAsync(source);
            return await ReadLineAsync(client);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>The first line the server sends, or null when the connection closes first.</summary>
    private static async Task<string?> ReadLineAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var reader = new StreamReader(client.GetStream(), leaveOpen: true);
            return await reader.ReadLineAsync(timeout.Token);
        }
        catch (IOException)
        {
            return null; // reset
        }
    }

    [ClientFact(Haproxy, "curl")]
    public async Task An_admin_on_one_gateway_lists_and_ends_a_session_running_on_another()
    {
        string credentials = await NewAccountAsync("grace");
        CreateLargeFile(cluster.HomeOf("grace"), "big.bin");
        var download = SlowDownload(credentials, "big.bin");
        try
        {
            using var first = await AdminClient.ForAsync(cluster.Nodes[0]);
            var session = (await WaitForClusterSessionsAsync(first, "grace", 1)).Single()!;
            string owner = session["node"]!.GetValue<string>();
            int other = Enumerable.Range(0, ClusterFixture.Gateways).First(i => $"gateway-{Text(i)}" != owner);
            using var admin = await AdminClient.ForAsync(cluster.Nodes[other]);
            var ended = await admin.DeleteAsync($"api/v1/cluster/sessions/{owner}/{session["id"]!.GetValue<string>()}");
            Assert.True(ended.Status == 202, ended.ToString());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await download.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, download.ExitCode);
            await WaitForClusterSessionsAsync(first, "grace", 0);
            Assert.Equal(404, (await admin.DeleteAsync($"api/v1/cluster/sessions/{owner}/no-such-session")).Status);
        }
        finally
        {
            download.Kill();
        }
    }

    [ClientFact(Haproxy, "sftp")]
    public async Task A_key_removed_through_one_gateway_ends_the_sessions_it_opened_on_the_others_at_once()
    {
        string key = SshTestKeys.ClientPublicKey("id_ed25519");
        using (var creator = await AdminClient.ForAsync(cluster.Nodes[0]))
        {
            var created = await creator.CreateAccountAsync(new { name = "heidi", password = "heidi-secret-1", home = "/heidi", authorizedKeys = new[] { key } });
            Assert.True(created.Status == 201, created.ToString());
        }

        Directory.CreateDirectory(cluster.HomeOf("heidi"));
        CreateLargeFile(cluster.HomeOf("heidi"), "big.bin");
        string work = Directory.CreateTempSubdirectory("mx-cluster-key-").FullName;
        string knownHosts = Path.Combine(work, "known_hosts");
        await File.WriteAllLinesAsync(knownHosts, SshTestKeys.HostKeys.Select(k => $"[{ClusterFixture.Balancer}]:{Text(cluster.Port)} {SshTestKeys.HostPublicKey(k.File)}"));
        await File.WriteAllLinesAsync(Path.Combine(work, "batch"), ["get big.bin /dev/null"]);
        // Two slow downloads with the key (sftp -l: 4000 kbit/s): round robin puts them on two gateways.
        var downloads = Enumerable.Range(0, 2).Select(_ =>
        {
            var start = new ProcessStartInfo(ClientTools.Require("sftp")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in (string[])["-F", "/dev/null", "-P", Text(cluster.Port), "-l", "4000", "-o", $"UserKnownHostsFile={knownHosts}",
                         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                         "-i", SftpTestSupport.Key, "-b", Path.Combine(work, "batch"), $"heidi@{ClusterFixture.Balancer}"])
            {
                start.ArgumentList.Add(argument);
            }

            return Process.Start(start)!;
        }).ToList();
        try
        {
            using var remover = await AdminClient.ForAsync(cluster.Nodes[1]);
            var sessions = await WaitForClusterSessionsAsync(remover, "heidi", 2);
            Assert.Equal(2, sessions.Select(s => s!["node"]!.GetValue<string>()).Distinct().Count());
            string fingerprint = (await remover.GetAsync("api/v1/accounts/heidi/keys")).Body!.AsArray()[0]!["fingerprint"]!.GetValue<string>();
            var clock = Stopwatch.StartNew();
            Assert.Equal(204, (await remover.DeleteAsync($"api/v1/accounts/heidi/keys/{Uri.EscapeDataString(fingerprint)}")).Status);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            foreach (var download in downloads)
            {
                await download.WaitForExitAsync(timeout.Token);
                Assert.NotEqual(0, download.ExitCode);
            }

            // Far sooner than the gateways' own sweeps (every 120 s here) would have found it.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the sessions ended {clock.Elapsed} after the key was removed");
            Assert.Contains(cluster.Nodes, n => n.ReadLog().Contains("ending session: login key removed", StringComparison.Ordinal));
        }
        finally
        {
            downloads.ForEach(d => d.Kill());
        }
    }

    [ClientFact(Haproxy, "curl")]
    public async Task A_source_failing_through_the_balancer_is_banned_on_every_gateway()
    {
        // Round robin spreads the failures over the gateways: 4 x 5 s only adds up to a ban (15 s) together.
        for (int i = 0; i < 4; i++)
        {
            var refused = await Curl("--interface", "127.0.0.9", "-u", "nobody:wrong", cluster.Url("ftp"));
            Assert.True(refused.ExitCode == 67, refused.ToString());
        }

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ClusterFixture.Gateways; i++)
        {
            ProcessResult attempt;
            do
            {
                attempt = await Curl("--interface", "127.0.0.9", "-u", "nobody:wrong", cluster.Url("ftp"));
            }
            while (attempt.ExitCode == 67 && clock.Elapsed < TimeSpan.FromSeconds(5));

            // Closed unanswered: no greeting at all.
            Assert.True(attempt.ExitCode is 8 or 56, $"attempt {i}: {attempt}");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the ban took {clock.Elapsed} to reach the gateways");
        Assert.Equal(67, (await Curl("--interface", "127.0.0.10", "-u", "nobody:wrong", cluster.Url("ftp"))).ExitCode);
    }

    private Process SlowDownload(string credentials, string file)
    {
        var start = new ProcessStartInfo(ClientTools.Require("curl")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-s", "-S", "--limit-rate", "500K", "-o", "/dev/null", "-u", credentials, cluster.Url("ftp", file)])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static void CreateLargeFile(string directory, string name)
    {
        using var file = File.Create(Path.Combine(directory, name));
        file.SetLength(200L << 20);
    }

    private static async Task<JsonArray> WaitForClusterSessionsAsync(AdminClient admin, string user, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reply = await admin.GetAsync($"api/v1/cluster/sessions?user={user}");
            Assert.True(reply.Status == 200, reply.ToString());
            var sessions = reply.Body!.AsArray();
            if (sessions.Count == count)
            {
                return sessions;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"waited for {count} sessions of {user}: {reply}");
            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(nameof(ClusterCollection))]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;
