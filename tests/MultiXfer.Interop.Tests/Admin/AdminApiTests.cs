using System.Net;
using MultiXfer.Accounts;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>
/// The admin API's contract: tokens and scopes, problem details for bad input, ETags against lost updates, the
/// OpenAPI document and the audit trail. Every account change is checked with a real client logging in afterwards.
/// </summary>
public sealed class AdminApiTests
{
    private static Task<TestServer> StartAsync(Action<Dictionary<string, string?>>? more = null) =>
        TestServer.StartAsync(settings =>
        {
            settings["Admin:MaxFailedTokensPerMinute"] = "5";
            more?.Invoke(settings);
        });

    [Fact]
    public async Task Every_route_needs_a_token_and_changes_need_admin_scope()
    {
        await using var server = await StartAsync();
        using var anonymous = new AdminClient(server, null);
        var refused = await anonymous.GetAsync("api/v1/accounts");
        Assert.Equal(401, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Contains("Bearer", refused.WwwAuthenticate);
        Assert.Equal(401, (await anonymous.GetAsync("api/v1/openapi.json")).Status);

        using var reader = await AdminClient.ForAsync(server, TokenScope.Read);
        Assert.Equal(200, (await reader.GetAsync("api/v1/accounts")).Status);
        var forbidden = await reader.PostAsync("api/v1/accounts", new { name = "mallory", password = "x-secret-1" });
        Assert.Equal(403, forbidden.Status);
        Assert.Equal("application/problem+json", forbidden.ContentType);
        Assert.Null(await server.Accounts.Accounts.GetAsync("mallory", CancellationToken.None));

        var document = await reader.GetAsync("api/v1/openapi.json");
        Assert.Equal(200, document.Status);
        Assert.NotNull(document.Body!["paths"]!["/api/v1/accounts/{name}"]);
        Assert.NotNull(document.Body["paths"]!["/api/v1/sessions"]);
        var create = document.Body["paths"]!["/api/v1/accounts"]!["post"]!;
        Assert.Equal("#/components/schemas/AccountSpec", create["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(create["responses"]!["201"]);
        Assert.NotNull(create["responses"]!["400"]);
        Assert.NotNull(document.Body["components"]!["schemas"]!["AccountResource"]!["properties"]!["allowedNetworks"]);
    }

    [Fact]
    public async Task Wrong_tokens_from_one_address_are_rate_limited()
    {
        await using var server = await StartAsync();
        using var guesser = new AdminClient(server, "mxt_0123456789abcdef_guess");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(401, (await guesser.GetAsync("api/v1/status")).Status);
        }

        var limited = await guesser.GetAsync("api/v1/status");
        Assert.Equal(429, limited.Status);
        Assert.Equal("application/problem+json", limited.ContentType);

        // The ban is per address: even a good token from there waits out the minute.
        using var admin = await AdminClient.ForAsync(server);
        Assert.Equal(429, (await admin.GetAsync("api/v1/status")).Status);
        Assert.Contains("admin API refused GET /api/v1/status", server.ReadLog());
    }

    [Fact]
    public async Task Bad_input_gets_problem_details_naming_each_field()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);

        var unknown = await admin.PostAsync("api/v1/accounts", new { name = "erin", password = "erin-secret-1", homeDirectory = "/x" });
        Assert.Equal(400, unknown.Status);
        Assert.Equal("application/problem+json", unknown.ContentType);
        Assert.Contains("unknown field", unknown.FieldErrors("homeDirectory"));

        var invalid = await admin.PostAsync("api/v1/accounts", new
        {
            name = ".hidden", password = "erin-secret-1", home = "relative", protocols = new[] { "gopher" }, allowedNetworks = new[] { "10.0.0.0/8", "not-a-net" },
            limits = new { quotaBytes = -1 }, virtualHost = "nowhere", authorizedKeys = new[] { "ssh-ed25519 AAAAnotakey" },
        });
        Assert.Equal(400, invalid.Status);
        foreach (string field in new[] { "name", "home", "protocols", "allowedNetworks[1]", "limits.quotaBytes", "virtualHost", "authorizedKeys[0]" })
        {
            Assert.False(string.IsNullOrEmpty(invalid.FieldErrors(field)), $"{field} not named in {invalid}");
        }

        var wrongType = await admin.SendAsync(HttpMethod.Post, "api/v1/accounts", """{"name":"erin","readOnly":"yes"}""");
        Assert.Equal(400, wrongType.Status);
        Assert.False(string.IsNullOrEmpty(wrongType.FieldErrors("readOnly")), wrongType.ToString());

        Assert.Equal(400, (await admin.SendAsync(HttpMethod.Post, "api/v1/accounts", """{"name":"erin",""")).Status);
        Assert.Equal(415, (await admin.SendAsync(HttpMethod.Post, "api/v1/accounts", "name=erin", contentType: "application/x-www-form-urlencoded")).Status);
        var huge = await admin.SendAsync(HttpMethod.Post, "api/v1/accounts", $$"""{"name":"erin","description":"{{new string('x', 100_000)}}"}""");
        Assert.Equal(413, huge.Status);

        // A configured user's name cannot be taken by a stored account, nor a stored one twice.
        Assert.Equal(409, (await admin.PostAsync("api/v1/accounts", new { name = "alice", password = "alice-other-1" })).Status);
        await admin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1" });
        Assert.Equal(409, (await admin.PostAsync("api/v1/accounts", new { name = "erin", password = "erin-secret-2" })).Status);
        Assert.Equal(404, (await admin.GetAsync("api/v1/accounts/nobody")).Status);

        // None of it took the server down, and nothing secret reached the log.
        Assert.Equal(200, (await admin.GetAsync("api/v1/status")).Status);
        Assert.DoesNotContain("erin-secret-1", server.ReadLog());
    }

    [Fact]
    public async Task ETags_stop_two_admins_overwriting_each_other()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        var created = await admin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1", description = "first" });
        Assert.Equal("\"1\"", created.ETag);

        string spec = """{"description":"second","protocols":["ftp","sftp"]}""";
        Assert.Equal(428, (await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin", spec)).Status);
        var changed = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin", spec, ifMatch: "\"1\"");
        Assert.Equal(200, changed.Status);
        Assert.Equal("\"2\"", changed.ETag);

        // The other admin still holds version 1.
        var stale = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin", """{"description":"lost"}""", ifMatch: "\"1\"");
        Assert.Equal(412, stale.Status);
        var current = await admin.GetAsync("api/v1/accounts/erin");
        Assert.Equal("second", current.Body!["description"]!.GetValue<string>());
        Assert.Equal("\"2\"", current.ETag);
        Assert.Equal(412, (await admin.SendAsync(HttpMethod.Delete, "api/v1/accounts/erin", ifMatch: "\"1\"")).Status);
        Assert.Equal(204, (await admin.SendAsync(HttpMethod.Delete, "api/v1/accounts/erin", ifMatch: "\"2\"")).Status);
    }

    [ClientFact]
    public async Task An_account_made_over_the_API_logs_in_with_every_client_and_each_change_applies_at_once()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        string key = SshTestKeys.ClientPublicKey("id_ed25519").Replace("\n", "", StringComparison.Ordinal);
        await admin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1", authorizedKeys = new[] { key }, description = "partner" });
        Directory.CreateDirectory(server.HomeOf("erin"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("erin"), "hello.txt"), "hello erin\n");

        Assert.Equal("hello erin\n", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "hello.txt")).Output);
        Assert.Contains("hello.txt", (await Clients.LftpListAsync(server, "erin", "erin-secret-1")).Output);
        Assert.Contains("hello.txt", (await Clients.OpenSshSftpAsync(server, "erin", "ls")).Output);
        Assert.Equal("equal", (await Clients.ParamikoLoginAsync(server, "erin", "erin-secret-1")).Value("ECHO")?.Split(' ')[0]);

        // A new password: the old one stops working at once, the new one works everywhere.
        Assert.Equal(204, (await admin.PostAsync("api/v1/accounts/erin/password", new { password = "erin-secret-2" })).Status);
        Assert.NotEqual(0, (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "hello.txt")).ExitCode);
        Assert.Equal("hello erin\n", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-2", "hello.txt")).Output);

        // Protocols narrowed: FTP refused, SFTP still in.
        var spec = (await admin.GetAsync("api/v1/accounts/erin")).ETag!;
        var narrowed = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin",
            $$"""{"protocols":["sftp"],"authorizedKeys":["{{key}}"]}""", ifMatch: spec);
        Assert.Equal(200, narrowed.Status);
        Assert.NotEqual(0, (await Clients.CurlFtpAsync(server, "erin", "erin-secret-2", "hello.txt")).ExitCode);
        Assert.Contains("hello.txt", (await Clients.OpenSshSftpAsync(server, "erin", "ls")).Output);

        // Source networks: only 192.0.2.0/24 may log in, so loopback cannot.
        var networks = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin",
            $$"""{"allowedNetworks":["192.0.2.0/24"],"authorizedKeys":["{{key}}"]}""", ifMatch: narrowed.ETag);
        Assert.Equal(200, networks.Status);
        Assert.NotEqual(0, (await Clients.OpenSshSftpAsync(server, "erin", "ls")).ExitCode);
        Assert.NotEqual(0, (await Clients.CurlFtpAsync(server, "erin", "erin-secret-2", "hello.txt")).ExitCode);

        // Expired yesterday.
        var expired = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin",
            $$"""{"expiresAt":"{{DateTimeOffset.UtcNow.AddDays(-1):O}}","authorizedKeys":["{{key}}"]}""", ifMatch: networks.ETag);
        Assert.Equal(200, expired.Status);
        Assert.NotEqual(0, (await Clients.OpenSshSftpAsync(server, "erin", "ls")).ExitCode);
        Assert.Equal(67, (await Clients.CurlFtpAsync(server, "erin", "erin-secret-2", "hello.txt")).ExitCode);
        Assert.Contains("login failed for erin over ftp: account expired", server.ReadLog());

        // Back to normal, then the key removed: key logins end, the password still works.
        var open = await admin.SendAsync(HttpMethod.Put, "api/v1/accounts/erin", $$"""{"authorizedKeys":["{{key}}"]}""", ifMatch: expired.ETag);
        Assert.Equal(200, open.Status);
        Assert.Contains("hello.txt", (await Clients.OpenSshSftpAsync(server, "erin", "ls")).Output);
        string fingerprint = open.Body!["authorizedKeys"]![0]!["fingerprint"]!.GetValue<string>();
        Assert.StartsWith("SHA256:", fingerprint);
        Assert.Equal(204, (await admin.DeleteAsync($"api/v1/accounts/erin/keys/{Uri.EscapeDataString(fingerprint)}")).Status);
        Assert.NotEqual(0, (await Clients.OpenSshSftpAsync(server, "erin", "ls")).ExitCode);
        Assert.Equal("hello erin\n", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-2", "hello.txt")).Output);

        // Every change is in the audit log under the token that made it, and no password is.
        var audit = (await admin.GetAsync("api/v1/audit?limit=50")).Body!.AsArray();
        string[] actions = [.. audit.Select(e => e!["action"]!.GetValue<string>())];
        Assert.Contains("account.create", actions);
        Assert.Contains("account.password", actions);
        Assert.Contains("key.remove", actions);
        Assert.All(audit, e => Assert.Matches("^[0-9a-f]{16}$", e!["actor"]!.GetValue<string>()));
        Assert.DoesNotContain("erin-secret", audit.ToJsonString());
        Assert.DoesNotContain("erin-secret", server.ReadLog());
    }

    [ClientFact("ssh-keygen")]
    public async Task Keys_are_added_listed_and_removed_by_fingerprint_whatever_characters_it_holds()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        await admin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1" });
        string directory = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "keys-erin")).FullName;

        // Base64 fingerprints hold "/" and "+" about half the time each: keep making keys until both kinds are there.
        var added = new List<string>();
        for (int i = 0; i < 40 && !(added.Any(f => f.Contains('/')) && added.Any(f => f.Contains('+'))); i++)
        {
            SshTestKeys.GenerateKey(directory, $"k{i}", "-t", "ed25519");
            var reply = await admin.PostAsync("api/v1/accounts/erin/keys", new { key = File.ReadAllText(Path.Combine(directory, $"k{i}.pub")).Trim() });
            Assert.Equal(201, reply.Status);
            added.Add(reply.Body!.AsArray()[^1]!["fingerprint"]!.GetValue<string>());
        }

        Assert.Contains(added, f => f.Contains('/'));
        Assert.Equal(added, (await admin.GetAsync("api/v1/accounts/erin/keys")).Body!.AsArray().Select(k => k!["fingerprint"]!.GetValue<string>()));
        Assert.Equal(400, (await admin.PostAsync("api/v1/accounts/erin/keys", new { key = "ssh-ed25519 AAAAC3Nz" })).Status);
        foreach (string fingerprint in added)
        {
            Assert.Equal(204, (await admin.DeleteAsync($"api/v1/accounts/erin/keys/{Uri.EscapeDataString(fingerprint)}")).Status);
        }

        Assert.Empty((await admin.GetAsync("api/v1/accounts/erin/keys")).Body!.AsArray());
        Assert.Equal(404, (await admin.DeleteAsync($"api/v1/accounts/erin/keys/{Uri.EscapeDataString(added[0])}")).Status);
    }

    [ClientFact]
    public async Task An_old_hash_is_replaced_by_an_argon2id_hash_at_the_next_login()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        string pbkdf2 = PasswordHasher.HashPbkdf2("erin-secret-1", 10_000);
        await admin.CreateAccountAsync(new { name = "erin", passwordHash = pbkdf2 });
        Directory.CreateDirectory(server.HomeOf("erin"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("erin"), "hello.txt"), "hi\n");
        Assert.Equal("pbkdf2-sha512", (await admin.GetAsync("api/v1/accounts/erin")).Body!["passwordScheme"]!.GetValue<string>());

        Assert.Equal("hi\n", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "hello.txt")).Output);
        var after = await admin.GetAsync("api/v1/accounts/erin");
        Assert.Equal("argon2id", after.Body!["passwordScheme"]!.GetValue<string>());
        Assert.NotNull(after.Body["lastLoginAt"]);
        Assert.Equal(1, after.Version);
        Assert.Equal("hi\n", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "hello.txt")).Output);
        Assert.Contains("password hash of erin upgraded from pbkdf2-sha512", server.ReadLog());
    }

    [Fact]
    public async Task Status_host_keys_and_certificates_are_listed_with_fingerprints()
    {
        await using var server = await StartAsync();
        using var admin = await AdminClient.ForAsync(server, TokenScope.Read);
        var status = (await admin.GetAsync("api/v1/status")).Body!;
        Assert.Equal("sqlite", status["accountsProvider"]!.GetValue<string>());
        Assert.Equal(SchemaMigrations.Latest, status["schemaVersion"]!.GetValue<int>());

        var keys = (await admin.GetAsync("api/v1/hostkeys")).Body!.AsArray();
        Assert.Contains(keys, k => k!["algorithm"]!.GetValue<string>() == "ssh-ed25519" && k["fingerprint"]!.GetValue<string>().StartsWith("SHA256:", StringComparison.Ordinal));
        var certificates = (await admin.GetAsync("api/v1/certificates")).Body!.AsArray();
        Assert.NotEmpty(certificates);
        Assert.Matches("^[0-9A-F]{64}$", certificates[0]!["thumbprint"]!.GetValue<string>());

        // Reloading is a change: a read token may not, an admin token may, and the server log says what came of it.
        Assert.Equal(403, (await admin.PostAsync("api/v1/reload", new { })).Status);
        using var operator_ = await AdminClient.ForAsync(server);
        Assert.Equal(200, (await operator_.PostAsync("api/v1/reload", new { })).Status);
        Assert.True(await Ssh.SshTestSupport.WaitForLogAsync(server, "configuration reloaded (admin API)", TimeSpan.FromSeconds(10)));
    }
}
