using System.Text.Json;
using MultiXfer.Interop.Tests.Limits;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// The JSON audit log: every event one JSON object per line carrying the connection's id, client address, user,
/// protocol and virtual host, for what lftp (FTP) and OpenSSH's sftp do, including a refused login, and for admin
/// API changes.
/// </summary>
public sealed class AuditLogTests
{
    private static readonly string[] ConnectionFields = ["time", "event", "connection", "client", "user", "protocol", "vhost"];

    [ClientFact("lftp", "sftp")]
    public async Task Logins_transfers_and_file_changes_of_FTP_and_SFTP_are_audited_with_their_connection()
    {
        await using var server = await TestServer.StartAsync();
        string work = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "work")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), new byte[70_000]);

        var ftp = await LimitClients.LftpAsync(server, "alice", $"mkdir made; put {Path.Combine(work, "up.bin")} -o made/up.bin; mv made/up.bin made/moved.bin; rm made/moved.bin");
        Assert.True(ftp.ExitCode == 0, ftp.ToString());
        var sftp = await LimitClients.OpenSshSftpAsync(server, work, "mkdir viasftp", "put up.bin viasftp/up.bin", "rename viasftp/up.bin viasftp/moved.bin",
            "get viasftp/moved.bin back.bin", "rm viasftp/moved.bin");
        Assert.True(sftp.ExitCode == 0, sftp.ToString());
        var refused = await LimitClients.LftpAsync(server, "bob", "ls").ContinueWith(_ => 0);
        await ProcessRunner.RunAsync("curl", ["-s", "-u", "bob:not-his", $"ftp://127.0.0.1:{server.FtpPort}/"], TimeSpan.FromSeconds(30));

        var events = (await TestServer.WaitForLinesAsync(server.ReadAuditLog, l => l.Any(e => e.Contains("\"login.failure\"", StringComparison.Ordinal))
                && l.Count(e => e.Contains("\"connection.close\"", StringComparison.Ordinal)) >= 4))
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.All(ConnectionFields, f => Assert.True(e.TryGetProperty(f, out _), $"{f} missing in {e}")));

        var ftpEvents = Named(events, "ftp");
        Assert.Contains("login.success", ftpEvents);
        Assert.Contains("file.mkdir", ftpEvents);
        Assert.Contains("upload.complete", ftpEvents);
        Assert.Contains("file.rename", ftpEvents);
        Assert.Contains("file.delete", ftpEvents);
        var sftpEvents = Named(events, "sftp");
        Assert.Contains("file.mkdir", sftpEvents);
        Assert.Contains("upload.complete", sftpEvents);
        Assert.Contains("download.complete", sftpEvents);
        Assert.Contains("file.rename", sftpEvents);
        Assert.Contains("file.delete", sftpEvents);

        var upload = events.Single(e => Text(e, "event") == "upload.complete" && Text(e, "protocol") == "sftp");
        Assert.Equal(("alice", "127.0.0.1", "default", "/viasftp/up.bin", 70_000L),
            (Text(upload, "user"), Text(upload, "client"), Text(upload, "vhost"), Text(upload, "path"), upload.GetProperty("bytes").GetInt64()));
        // One connection id from open to close, on every event of that session.
        string connection = Text(upload, "connection");
        Assert.Contains(events, e => Text(e, "event") == "connection.open" && Text(e, "connection") == connection);
        Assert.Contains(events, e => Text(e, "event") == "connection.close" && Text(e, "connection") == connection);

        var failure = events.First(e => Text(e, "event") == "login.failure");
        Assert.Equal(("bob", "password", "bad_credentials", "-"),
            (Text(failure, "loginName"), Text(failure, "method"), Text(failure, "reason"), Text(failure, "user")));
        // Secrets never reach the audit log.
        Assert.DoesNotContain(events, e => e.GetRawText().Contains("not-his", StringComparison.Ordinal));
        Assert.Equal(0, refused);
    }

    [Fact]
    public async Task Admin_API_changes_reach_the_audit_log_with_the_token_that_made_them()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.AdminUri };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await server.CreateAdminTokenAsync());
        using var created = await http.PostAsync("api/v1/accounts", new StringContent("""{"name":"carol","password":"carol-secret-1"}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        var events = (await TestServer.WaitForLinesAsync(server.ReadAuditLog, l => l.Any(e => e.Contains("\"admin.account.create\"", StringComparison.Ordinal))))
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var change = Assert.Single(events, e => Text(e, "event") == "admin.account.create");
        Assert.Equal(("carol", "127.0.0.1"), (Text(change, "target"), Text(change, "client")));
        Assert.Matches("^[0-9a-f]{16}$", Text(change, "actor"));
        Assert.DoesNotContain(events, e => e.GetRawText().Contains("carol-secret-1", StringComparison.Ordinal));
    }

    [ClientFact("curl", "scp")]
    public async Task With_AuditSha256_completed_transfers_of_every_protocol_carry_the_SHA256_of_their_bytes()
    {
        await using var server = await TestServer.StartAsync(s => s["Logging:AuditSha256"] = "true");
        string work = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "work")).FullName;
        byte[] content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000);
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), content);
        string credentials = "alice:" + TestServer.Passwords["alice"];
        string ftp = $"ftp://127.0.0.1:{server.FtpPort}/";
        string sftp = $"sftp://127.0.0.1:{server.SshPort}/";

        await Expect(ProcessRunner.RunAsync("curl", ["-s", "-S", "-u", credentials, "-T", Path.Combine(work, "up.bin"), ftp + "viaftp.bin"]));
        await Expect(ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "-u", credentials, "-o", Path.Combine(work, "back.bin"), sftp + "viaftp.bin"]));
        await Expect(ProcessRunner.RunAsync("scp", [.. MultiXfer.Interop.Tests.Sftp.SftpTestSupport.OpenSshOptions(server, new OpenSshClient(server)), "-O",
            Path.Combine(work, "up.bin"), "alice@127.0.0.1:/viascp.bin"]));
        // A resumed download starts mid-file: no digest of the whole can be given.
        await Expect(ProcessRunner.RunAsync("curl", ["-s", "-S", "-u", credentials, "-C", "100000", "-o", Path.Combine(work, "part.bin"), ftp + "viaftp.bin"]));

        var completed = (await TestServer.WaitForLinesAsync(server.ReadAuditLog, l => l.Count(e => e.Contains(".complete\"", StringComparison.Ordinal)) >= 4))
            .Select(l => JsonDocument.Parse(l).RootElement).Where(e => Text(e, "event").EndsWith(".complete", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, completed.Count);
        string? Digest(JsonElement e) => e.TryGetProperty("sha256", out var digest) ? digest.GetString() : null;
        Assert.Equal(expected, Digest(completed.Single(e => Text(e, "event") == "upload.complete" && Text(e, "protocol") == "ftp")));
        Assert.Equal(expected, Digest(completed.Single(e => Text(e, "event") == "download.complete" && Text(e, "protocol") == "sftp")));
        Assert.Equal(expected, Digest(completed.Single(e => Text(e, "event") == "upload.complete" && Text(e, "protocol") == "scp")));
        Assert.Null(Digest(completed.Single(e => Text(e, "event") == "download.complete" && Text(e, "protocol") == "ftp")));
    }

    private static async Task Expect(Task<ProcessResult> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static List<string> Named(List<JsonElement> events, string protocol) =>
        events.Where(e => Text(e, "protocol") == protocol).Select(e => Text(e, "event")).ToList();

    private static string Text(JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
