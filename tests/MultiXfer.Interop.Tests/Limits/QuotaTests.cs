using MultiXfer.Interop.Tests.Admin;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Limits;

/// <summary>
/// Disk quotas (bytes and files) held the same way by FTP, SFTP and SCP with real clients: concurrent uploads of one
/// account never pass the quota together, a refused upload leaves nothing under its name, deletes give space back at
/// once, and the figures survive a restart and are repaired by a scan.
/// </summary>
public sealed class QuotaTests
{
    private const long Quota = 1_000_000;

    private static Task<TestServer> StartAsync(long quotaBytes = Quota, Action<Dictionary<string, string?>>? more = null) =>
        TestServer.StartAsync(s =>
        {
            s["Users:alice:Limits:QuotaBytes"] = quotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            more?.Invoke(s);
        });

    private static async Task<long> UsedBytesAsync(AdminClient admin, string user = "alice") =>
        (await admin.GetAsync($"api/v1/accounts/{user}/usage")).Body!["usedBytes"]!.GetValue<long>();

    [ClientFact("python3")]
    public async Task Ten_uploads_at_once_over_FTP_and_SFTP_never_pass_the_quota_and_leave_nothing_partial()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        const int size = 150_000;

        var result = (await LimitClients.ScriptAsync(server, "parallel", "alice", "--size", $"{size}", "--count", "5")).Ok();

        var uploads = result.Values("UPLOAD").Select(v => v.Split(' ', 3)).ToList();
        Assert.Equal(10, uploads.Count);
        int stored = uploads.Count(u => u[2] == "ok");
        // Six fit in 1 MB, ten were tried: some of each outcome, and never more than the quota holds.
        Assert.InRange(stored, 1, (int)(Quota / size));
        Assert.Contains(uploads, u => u[2] != "ok");
        foreach (var upload in uploads)
        {
            string file = Path.Combine(server.HomeOf("alice"), upload[1]);
            if (upload[2] == "ok")
            {
                Assert.Equal(size, new FileInfo(file).Length);
            }
            else
            {
                // Refused mid-upload: nothing under the final name (crash-safe uploads), whatever the protocol.
                Assert.False(File.Exists(file), $"{upload[1]} ({upload[0]}) was refused yet exists: {upload[2]}");
            }
        }

        long onDisk = LimitClients.DiskBytes(server.HomeOf("alice"));
        Assert.Equal((long)stored * size, onDisk);
        Assert.True(onDisk <= Quota, $"{onDisk} bytes on disk with a quota of {Quota}");
        Assert.Equal(onDisk, await UsedBytesAsync(admin));
        Assert.Contains("disk quota exceeded for account alice", server.ReadLog());
    }

    [ClientFact("curl", "lftp", "sftp", "scp")]
    public async Task Deleting_gives_quota_back_at_once_and_SCP_goes_on_with_the_next_file()
    {
        await using var server = await StartAsync(quotaBytes: 300_000);
        using var admin = await AdminClient.ForAsync(server);
        string local = Directory.CreateTempSubdirectory("mx-quota-").FullName;
        await File.WriteAllBytesAsync(Path.Combine(local, "big.bin"), new byte[200_000]);
        await File.WriteAllBytesAsync(Path.Combine(local, "small.bin"), new byte[50_000]);

        Assert.Equal(0, (await LimitClients.CurlUploadAsync(server, "ftp", "alice", Path.Combine(local, "big.bin"), "first.bin")).ExitCode);
        var refused = await LimitClients.OpenSshSftpAsync(server, local, "put big.bin second.bin");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "second.bin")));

        var removed = await LimitClients.LftpAsync(server, "alice", "rm first.bin");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal(0, await UsedBytesAsync(admin));
        var stored = await LimitClients.OpenSshSftpAsync(server, local, "put big.bin second.bin");
        Assert.True(stored.ExitCode == 0, stored.ToString());

        // 100 KB left: SCP refuses the big file with the quota message and still takes the small one after it.
        var scp = await LimitClients.OpenSshScpUploadAsync(server, Path.Combine(local, "big.bin"), Path.Combine(local, "small.bin"));
        Assert.NotEqual(0, scp.ExitCode);
        Assert.Contains("big.bin: Disk quota exceeded", scp.Error);
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "big.bin")));
        Assert.Equal(50_000, new FileInfo(Path.Combine(server.HomeOf("alice"), "small.bin")).Length);
        Assert.Equal(250_000, await UsedBytesAsync(admin));
    }

    [ClientFact("python3", "sftp")]
    public async Task Each_protocol_answers_with_its_own_quota_reply()
    {
        await using var server = await StartAsync();
        string local = Directory.CreateTempSubdirectory("mx-quota-").FullName;

        var ftp = (await LimitClients.ScriptAsync(server, "ftp-faces", "alice", "--size", "2000000")).Ok();
        Assert.StartsWith("552", ftp.Value("ALLO"));
        Assert.Equal("ok", ftp.Value("STOR_AFTER_ALLO"));
        Assert.StartsWith("552", ftp.Value("STOR"));
        Assert.Equal("allocated.bin", ftp.Value("NLST"));
        var quota = ftp.Values("QUOTA").ToList();
        Assert.StartsWith("200-The current quota for this session are [current/limit]:", quota[0]);
        Assert.Contains(quota, l => l.Contains("Name: alice", StringComparison.Ordinal));
        Assert.Contains(quota, l => l.Contains("Uploaded bytes:\t1024.00/1000000.00", StringComparison.Ordinal));
        Assert.Contains(quota, l => l.Contains("Uploaded files:\tunlimited", StringComparison.Ordinal));
        Assert.Contains(quota, l => l.Contains("Downloaded bytes:\tunlimited", StringComparison.Ordinal));
        Assert.StartsWith("200 ", quota[^1]);

        var sftp = (await LimitClients.ScriptAsync(server, "sftp-faces", "alice", "--size", "2000000")).Ok();
        // Version 3 has no quota status: FAILURE, with the reason in the message (paramiko shows the message).
        Assert.Contains("quota exceeded", sftp.Value("V3"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("6", sftp.Value("VERSION"));
        Assert.Equal("15 Quota exceeded", sftp.Value("V6"));
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "v3.bin")));
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "v6.bin")));

        // statvfs@openssh.com reports the quota as the file system: `df` in OpenSSH's sftp shows 1 MB (976 KiB).
        var df = await LimitClients.OpenSshSftpAsync(server, local, "df");
        Assert.True(df.ExitCode == 0, df.ToString());
        var figures = df.Output.Split('\n').Last(l => l.Trim().Length > 0 && char.IsDigit(l.Trim()[0])).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("976", figures[0]);
    }

    [ClientFact("python3")]
    public async Task An_upload_whose_ALLO_size_no_longer_fits_is_refused_before_any_data()
    {
        await using var server = await StartAsync();
        var result = (await LimitClients.ScriptAsync(server, "allo", "alice", "--size", "600000")).Ok();
        Assert.StartsWith("200", result.Value("ALLO"));
        Assert.Equal("ok", result.Value("OTHER"));
        Assert.StartsWith("552", result.Value("STOR"));
        Assert.Equal("0", result.Value("SENT"));
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "allocated.bin")));
    }

    [ClientFact("curl")]
    public async Task Usage_survives_a_restart_and_a_scan_repairs_a_disk_changed_behind_the_server()
    {
        var first = await StartAsync();
        try
        {
            string local = Path.Combine(first.RootDirectory, "upload.bin");
            await File.WriteAllBytesAsync(local, new byte[300_000]);
            Assert.Equal(0, (await LimitClients.CurlUploadAsync(first, "ftp", "alice", local, "kept.bin")).ExitCode);
            using (var admin = await AdminClient.ForAsync(first))
            {
                Assert.Equal(300_000, await UsedBytesAsync(admin));
            }

            await first.StopAsync();
            await using var second = await StartAsync(more: s =>
            {
                s["Server:DataRoot"] = first.DataRoot;
                s["Server:StateDirectory"] = Path.Combine(first.RootDirectory, "state");
            });
            using var again = await AdminClient.ForAsync(second);
            Assert.Equal(300_000, await UsedBytesAsync(again));

            // Files written behind the server's back are not seen until a scan counts them.
            await File.WriteAllBytesAsync(Path.Combine(first.HomeOf("alice"), "behind.bin"), new byte[600_000]); // the data root the second server shares
            Assert.Equal(300_000, await UsedBytesAsync(again));
            var scan = await again.PostAsync("api/v1/accounts/alice/usage/scan", new { });
            Assert.Equal(200, scan.Status);
            Assert.Equal(900_000, scan.Body!["usedBytes"]!.GetValue<long>());
            Assert.Equal(2, scan.Body!["usedFiles"]!.GetValue<long>());
            Assert.NotNull(scan.Body!["scannedAt"]);
            Assert.NotEqual(0, (await LimitClients.CurlUploadAsync(second, "ftp", "alice", local, "more.bin")).ExitCode);
            Assert.Contains("quota.scan", (await again.GetAsync("api/v1/audit")).Body!.ToJsonString());
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [ClientFact("curl", "python3")]
    public async Task Host_defaults_apply_to_accounts_without_their_own_and_an_account_can_lift_them()
    {
        await using var server = await TestServer.StartAsync(s =>
        {
            s["Limits:QuotaBytes"] = "100000";
            s["Users:alice:Limits:QuotaBytes"] = "0";
        });
        string local = Path.Combine(server.RootDirectory, "upload.bin");
        await File.WriteAllBytesAsync(local, new byte[150_000]);
        Assert.NotEqual(0, (await LimitClients.CurlUploadAsync(server, "ftp", "bob", local, "a.bin")).ExitCode);
        Assert.NotEqual(0, (await LimitClients.CurlUploadAsync(server, "sftp", "bob", local, "b.bin")).ExitCode);
        Assert.Empty(Directory.GetFiles(server.HomeOf("bob")));
        Assert.Equal(0, (await LimitClients.CurlUploadAsync(server, "ftp", "alice", local, "a.bin")).ExitCode);
    }
}
