using System.Diagnostics;
using System.Text.Json.Nodes;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>
/// Live sessions across FTP, FTPS, SFTP and SCP: listed with their protocol, bytes and transfer, and ended when an
/// admin ends them or when a change to their account no longer admits them.
/// </summary>
public sealed class SessionEndTests
{
    private const string Password = "erin-secret-1";
    private static readonly string[] Schemes = ["ftp", "ftps", "sftp", "scp"];

    private static async Task<(TestServer Server, AdminClient Admin)> StartAsync(Action<Dictionary<string, string?>>? more = null)
    {
        var server = await TestServer.StartAsync(settings =>
        {
            settings["Admin:EnforcementIntervalSeconds"] = "1";
            more?.Invoke(settings);
        });
        var admin = await AdminClient.ForAsync(server);
        await admin.CreateAccountAsync(new { name = "erin", password = Password });
        Directory.CreateDirectory(server.HomeOf("erin"));
        // Sparse: 96 MiB takes curl over 90 s at its 1 MB/s, far beyond what the loopback buffers hold when a session is cut.
        using (var big = File.Create(Path.Combine(server.HomeOf("erin"), "big.bin")))
        {
            big.SetLength(96L << 20);
        }

        using (var medium = File.Create(Path.Combine(server.HomeOf("erin"), "medium.bin")))
        {
            medium.SetLength(64L << 20);
        }

        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("erin"), "small.bin"), new byte[64 << 10]);
        return (server, admin);
    }

    /// <summary>Slow downloads over every protocol, once each shows in the session list with bytes moving.</summary>
    private static async Task<List<Process>> StartDownloadsAsync(TestServer server, AdminClient admin, string file = "big.bin")
    {
        var downloads = Schemes.Select(scheme => scheme == "ftps"
            ? Clients.StartSlowDownload(server, "ftp", "erin", Password, file, "--ssl-reqd")
            : Clients.StartSlowDownload(server, scheme, "erin", Password, file)).ToList();
        try
        {
            await admin.WaitForSessionsAsync("erin", sessions =>
                Schemes.All(p => sessions.Any(s => s!["protocol"]?.GetValue<string>() == p && s["bytesSent"]!.GetValue<long>() > 100_000)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string clients = string.Join("\n", downloads.Select(d => d.HasExited ? $"curl exited {d.ExitCode}: {d.StandardError.ReadToEnd()}" : "curl running"));
            throw new InvalidOperationException($"{e.Message}\n{clients}\n{server.ReadLog()}", e);
        }

        return downloads;
    }

    private static async Task AssertAllEndAsync(IEnumerable<Process> downloads, bool successfully = false)
    {
        foreach (var download in downloads)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await download.WaitForExitAsync(timeout.Token);
            string error = await download.StandardError.ReadToEndAsync();
            if (successfully)
            {
                Assert.True(download.ExitCode == 0, $"curl {download.StartInfo.ArgumentList.Last()}: {download.ExitCode} {error}");
            }
            else
            {
                Assert.True(download.ExitCode != 0, $"curl {download.StartInfo.ArgumentList.Last()} finished instead of being cut off");
            }
        }
    }

    [ClientFact("curl")]
    public async Task Sessions_of_every_protocol_are_listed_and_disabling_the_account_ends_them()
    {
        var (server, admin) = await StartAsync();
        await using var _ = server;
        using var __ = admin;
        var downloads = await StartDownloadsAsync(server, admin);
        try
        {
            var sessions = (await admin.GetAsync("api/v1/sessions")).Body!.AsArray();
            var ftp = sessions.Single(s => s!["protocol"]!.GetValue<string>() == "ftp")!;
            Assert.Equal("erin", ftp["user"]!.GetValue<string>());
            Assert.Equal("127.0.0.1", ftp["clientAddress"]!.GetValue<string>());
            Assert.Null(ftp["virtualHost"]);
            Assert.Equal("RETR", ftp["currentTransfer"]!["operation"]!.GetValue<string>());
            Assert.Equal("/big.bin", ftp["currentTransfer"]!["path"]!.GetValue<string>());
            Assert.False(ftp["currentTransfer"]!["upload"]!.GetValue<bool>());
            foreach (string channelProtocol in new[] { "sftp", "scp" })
            {
                var session = sessions.Single(s => s!["protocol"]!.GetValue<string>() == channelProtocol)!;
                Assert.Equal("read", session["currentTransfer"]!["operation"]!.GetValue<string>());
                Assert.Equal("/big.bin", session["currentTransfer"]!["path"]!.GetValue<string>());
                Assert.True(session["currentTransfer"]!["bytes"]!.GetValue<long>() > 0);
                Assert.True(session["bytesSent"]!.GetValue<long>() >= session["currentTransfer"]!["bytes"]!.GetValue<long>());
            }
            Assert.Equal(4, sessions.Count);

            var disabled = await admin.PostAsync("api/v1/accounts/erin/disable", new { });
            Assert.Equal(200, disabled.Status);
            await AssertAllEndAsync(downloads);
            await admin.WaitForSessionsAsync("erin", s => s.Count == 0);
            Assert.Equal(67, (await Clients.CurlFtpAsync(server, "erin", Password, "small.bin")).ExitCode);

            Assert.Equal(200, (await admin.PostAsync("api/v1/accounts/erin/enable", new { })).Status);
            Assert.Equal(0, (await Clients.CurlFtpAsync(server, "erin", Password, "small.bin")).ExitCode);
        }
        finally
        {
            downloads.ForEach(d => d.Kill());
        }
    }

    [ClientFact("curl")]
    public async Task Deleting_the_account_ends_its_sessions()
    {
        var (server, admin) = await StartAsync();
        await using var _ = server;
        using var __ = admin;
        var downloads = await StartDownloadsAsync(server, admin);
        try
        {
            Assert.Equal(204, (await admin.DeleteAsync("api/v1/accounts/erin")).Status);
            await AssertAllEndAsync(downloads);
            Assert.Equal(67, (await Clients.CurlFtpAsync(server, "erin", Password, "small.bin")).ExitCode);
        }
        finally
        {
            downloads.ForEach(d => d.Kill());
        }
    }

    [ClientFact("curl")]
    public async Task An_admin_ends_one_session_or_all_of_an_account()
    {
        var (server, admin) = await StartAsync();
        await using var _ = server;
        using var __ = admin;
        var downloads = await StartDownloadsAsync(server, admin);
        try
        {
            var sessions = (await admin.GetAsync("api/v1/sessions?user=erin")).Body!.AsArray();
            string sftpId = sessions.Single(s => s!["protocol"]!.GetValue<string>() == "sftp")!["id"]!.GetValue<string>();
            Assert.Equal(204, (await admin.DeleteAsync($"api/v1/sessions/{sftpId}")).Status);
            await AssertAllEndAsync([downloads[Array.IndexOf(Schemes, "sftp")]]);
            await admin.WaitForSessionsAsync("erin", s => s.Count == 3);
            Assert.Equal(404, (await admin.DeleteAsync($"api/v1/sessions/{sftpId}")).Status);

            var ended = await admin.DeleteAsync("api/v1/accounts/erin/sessions");
            Assert.Equal(3, ended.Body!["ended"]!.GetValue<int>());
            await AssertAllEndAsync(downloads);

            // Ending sessions is not a ban: the account logs in again.
            Assert.Equal(0, (await Clients.CurlFtpAsync(server, "erin", Password, "small.bin")).ExitCode);
        }
        finally
        {
            downloads.ForEach(d => d.Kill());
        }
    }

    [ClientFact("ssh")]
    public async Task Removing_the_key_a_session_logged_in_with_ends_that_session()
    {
        var (server, admin) = await StartAsync();
        await using var _ = server;
        using var __ = admin;
        string key = SshTestKeys.ClientPublicKey("id_ed25519");
        Assert.Equal(201, (await admin.PostAsync("api/v1/accounts/erin/keys", new { key })).Status);

        // OpenSSH's ssh with the key, an SFTP subsystem held open by a standard input that stays open.
        var client = new OpenSshClient(server);
        var start = new System.Diagnostics.ProcessStartInfo(ClientTools.Require("ssh"))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string argument in client.BaseArguments("erin", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes"))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in new[] { "-i", SshTestKeys.ClientKey("id_ed25519"), "-s", "127.0.0.1", "sftp" })
        {
            start.ArgumentList.Add(argument);
        }

        using var ssh = Process.Start(start)!;
        try
        {
            await admin.WaitForSessionsAsync("erin", s => s.Count == 1 && s[0]!["protocol"]?.GetValue<string>() == "sftp");

            // A password session of the same account is not touched by the key's removal.
            var download = Clients.StartSlowDownload(server, "ftp", "erin", Password, "big.bin");
            try
            {
                await admin.WaitForSessionsAsync("erin", s => s.Count == 2);
                string fingerprint = (await admin.GetAsync("api/v1/accounts/erin/keys")).Body!.AsArray()[0]!["fingerprint"]!.GetValue<string>();
                Assert.Equal(204, (await admin.DeleteAsync($"api/v1/accounts/erin/keys/{Uri.EscapeDataString(fingerprint)}")).Status);

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await ssh.WaitForExitAsync(timeout.Token);
                var left = await admin.WaitForSessionsAsync("erin", s => s.Count == 1);
                Assert.Equal("ftp", left[0]!["protocol"]!.GetValue<string>());
                Assert.Contains("ending session: login key removed", server.ReadLog());
            }
            finally
            {
                download.Kill();
            }
        }
        finally
        {
            if (!ssh.HasExited)
            {
                ssh.Kill();
            }
        }
    }

    [ClientFact("curl")]
    public async Task An_expiry_time_passing_ends_the_sessions_it_no_longer_admits()
    {
        var (server, admin) = await StartAsync();
        await using var _ = server;
        using var __ = admin;
        var downloads = await StartDownloadsAsync(server, admin);
        try
        {
            var current = await admin.GetAsync("api/v1/accounts/erin");
            var expiring = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin",
                $$"""{"expiresAt":"{{DateTimeOffset.UtcNow.AddSeconds(3):O}}"}""", ifMatch: current.ETag);
            Assert.Equal(200, expiring.Status);

            // Still admitted right after the change; the enforcer ends them once the time has passed.
            Assert.Equal(4, (await admin.GetAsync("api/v1/sessions?user=erin")).Body!.AsArray().Count);
            await AssertAllEndAsync(downloads);
            Assert.Contains("ending session: account expired", server.ReadLog());
        }
        finally
        {
            downloads.ForEach(d => d.Kill());
        }
    }

    [ClientFact("curl")]
    public async Task After_transfer_mode_lets_the_transfer_in_flight_finish()
    {
        var (server, admin) = await StartAsync(settings =>
        {
            settings["Admin:EndSessions"] = "after-transfer";
            settings["Admin:SessionEndGraceSeconds"] = "120";
        });
        await using var _ = server;
        using var __ = admin;
        // 64 MiB at 4 MB/s: loopback buffers take the last 10 MB or so at once, so the server is still sending for
        // about 13 s, long enough to see the transfer even on a loaded machine, and sends it all.
        var download = Clients.StartDownload(server, "ftp", "erin", Password, "medium.bin", "4M");
        try
        {
            await admin.WaitForSessionsAsync("erin", s => s.Count == 1 && s[0]!["currentTransfer"] is JsonObject);
            Assert.Equal(200, (await admin.PostAsync("api/v1/accounts/erin/disable", new { })).Status);
            await AssertAllEndAsync([download], successfully: true);
            await admin.WaitForSessionsAsync("erin", s => s.Count == 0);
            Assert.Contains("ending session: account disabled (after-transfer)", server.ReadLog());
        }
        finally
        {
            download.Kill();
        }
    }
}
