using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Limits;

/// <summary>MaxSessions counts an account's sessions across protocols, and the daily transfer allowances hold in each.</summary>
public sealed class SessionLimitTests
{
    [ClientFact("python3")]
    public async Task An_FTP_and_an_SFTP_session_fill_a_limit_of_two_and_a_third_login_of_either_kind_is_refused()
    {
        await using var server = await TestServer.StartAsync(s => s["Users:alice:Limits:MaxSessions"] = "2");

        var result = (await LimitClients.ScriptAsync(server, "sessions", "alice")).Ok();

        Assert.Equal("2", result.Value("HELD"));
        Assert.StartsWith("421", result.Value("FTP_THIRD"));
        Assert.Equal("AuthenticationException", result.Value("SSH_THIRD"));
        Assert.Equal("Too many sessions for this account; try again later.", result.Value("SSH_BANNER"));
        Assert.Equal("ok", result.Value("FTP_AFTER"));
        Assert.Equal("True", result.Value("SSH_AFTER"));
        string log = server.ReadLog();
        Assert.Contains("login refused: too many sessions for alice: 2 open, limit 2", log);
        Assert.Contains("SSH login refused: too many sessions for alice: 2 open, limit 2", log);
    }

    [ClientFact("curl", "python3")]
    public async Task A_daily_download_allowance_is_refused_once_spent_in_FTP_and_SFTP()
    {
        await using var server = await TestServer.StartAsync(s => s["Users:bob:Limits:DownloadBytesPerDay"] = "1500000");
        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("bob"), "file.bin"), new byte[1_000_000]);

        Assert.Equal(0, (await LimitClients.CurlDownloadAsync(server, "ftp", "bob", "file.bin")).ExitCode);
        // 500 KB left: the second download is cut there, over SFTP as over FTP, and after it nothing more is served.
        Assert.NotEqual(0, (await LimitClients.CurlDownloadAsync(server, "sftp", "bob", "file.bin")).ExitCode);
        Assert.NotEqual(0, (await LimitClients.CurlDownloadAsync(server, "ftp", "bob", "file.bin")).ExitCode);
        var quota = (await LimitClients.ScriptAsync(server, "ftp-quota", "bob")).Ok();
        Assert.Contains(quota.Values("QUOTA"), l => l.Contains("Downloaded bytes:\t1500000.00/1500000.00", StringComparison.Ordinal));
        Assert.Contains("daily download allowance exceeded for account bob", server.ReadLog());
        // Uploads have their own allowance (none here).
        string local = Path.Combine(server.RootDirectory, "up.bin");
        await File.WriteAllBytesAsync(local, new byte[10_000]);
        Assert.Equal(0, (await LimitClients.CurlUploadAsync(server, "ftp", "bob", local, "up.bin")).ExitCode);
    }

    [ClientFact("curl")]
    public async Task A_daily_total_counts_uploads_and_downloads_together()
    {
        await using var server = await TestServer.StartAsync(s => s["Users:bob:Limits:TransferBytesPerDay"] = "250000");
        string local = Path.Combine(server.RootDirectory, "up.bin");
        await File.WriteAllBytesAsync(local, new byte[200_000]);

        Assert.Equal(0, (await LimitClients.CurlUploadAsync(server, "sftp", "bob", local, "up.bin")).ExitCode);
        Assert.NotEqual(0, (await LimitClients.CurlDownloadAsync(server, "ftp", "bob", "up.bin")).ExitCode);
        Assert.NotEqual(0, (await LimitClients.CurlUploadAsync(server, "ftp", "bob", local, "again.bin")).ExitCode);
        Assert.False(File.Exists(Path.Combine(server.HomeOf("bob"), "again.bin")));
    }
}
