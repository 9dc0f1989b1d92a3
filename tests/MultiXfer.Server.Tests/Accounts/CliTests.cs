using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Accounts;

/// <summary>
/// <c>multixfer accounts|keys|tokens|sessions|db</c> as an operator types them: offline against the store the
/// configuration names, and against a running server's API with --url and --token; imports from files made by the
/// tools that make them.
/// </summary>
public sealed partial class CliTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("mx-cli-").FullName;
    private readonly string _config;

    public CliTests()
    {
        _config = Path.Combine(_work, "multixfer.json");
        File.WriteAllText(_config, $$"""
            {
              "Server": { "DataRoot": "{{_work}}/data", "KeysDirectory": "{{_work}}/keys", "StateDirectory": "{{_work}}/state" },
              "Listeners": { "ftp": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ftp" }, "ssh": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ssh" } },
              "Ftp": { "PassivePorts": "" },
              "Auth": { "FailureDelayMilliseconds": 20, "MaxFailuresPerAddress": 1000 },
              "Penalties": { "Exempt": [ "127.0.0.1" ] },
              "Users": { "configured": { "PasswordHash": "{{PasswordHasher.HashPbkdf2("configured-secret", 10_000)}}" } }
            }
            """);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Task<ProcessResult> CliAsync(string? standardInput, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, .. arguments, "--config", _config], TimeSpan.FromSeconds(60),
            workingDirectory: _work, standardInput: standardInput ?? "");

    private async Task<ProcessResult> OkAsync(string? standardInput, params string[] arguments)
    {
        var result = await CliAsync(standardInput, arguments);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', arguments)}: {result}");
        return result;
    }

    private static async Task LoginAsync(int port, string user, string password, int expected = 230)
    {
        var (client, _) = await RawFtpClient.ConnectAsync(port);
        await using var _client = client;
        await client.ExpectAsync($"USER {user}", 331);
        await client.ExpectAsync($"PASS {password}", expected);
    }

    [Fact]
    public async Task Accounts_are_managed_offline_and_the_server_uses_them()
    {
        await OkAsync("erin-secret-1\n", "accounts", "add", "erin", "--password-stdin", "--description", "partner", "--protocol", "ftp,sftp",
            "--network", "127.0.0.0/8", "--max-sessions", "3");
        string key = SshTestKeys.ClientPublicKey("id_ed25519");
        await OkAsync(null, "keys", "add", "erin", key);

        var list = JsonNode.Parse((await OkAsync(null, "accounts", "list", "--json")).Output)!;
        var erin = list["accounts"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "erin")!;
        Assert.Equal("partner", erin["description"]!.GetValue<string>());
        Assert.Equal(["ftp", "sftp"], erin["protocols"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(3, erin["limits"]!["maxSessions"]!.GetValue<int>());
        Assert.Equal("argon2id", erin["passwordScheme"]!.GetValue<string>());
        Assert.Single(erin["authorizedKeys"]!.AsArray());
        string table = (await OkAsync(null, "accounts", "list")).Output;
        Assert.Matches(@"(?m)^NAME\s+STATE\s+HOME", table);
        Assert.Matches(@"(?m)^erin\s+enabled\s+/erin\s+ftp,sftp\s+1\s+never\s+partner$", table);
        Assert.Contains("ssh-ed25519", (await OkAsync(null, "keys", "list", "erin")).Output);

        // Nothing prints or stores the password; passwords never come from an argument.
        Assert.DoesNotContain("erin-secret-1", File.ReadAllText(Path.Combine(_work, "state", "accounts.db")));
        Assert.Equal(2, (await CliAsync(null, "accounts", "add", "fred", "--password-stdin")).ExitCode);
        Assert.NotEqual(0, (await CliAsync(null, "accounts", "add", "fred", "--password", "x")).ExitCode);
        var refused = await CliAsync("pw-123456\n", "accounts", "add", "configured", "--password-stdin");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Users section", refused.Error);
        var invalid = await CliAsync("pw-123456\n", "accounts", "add", "gina", "--password-stdin", "--network", "nonsense");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("allowedNetworks[0]", invalid.Error);

        await using var server = ServerProcess.Start(_work, ["--config", _config]);
        int port = await server.WaitForListenerAsync(StartTimeout);
        await LoginAsync(port, "erin", "erin-secret-1");
        await LoginAsync(port, "configured", "configured-secret");

        // Changes made offline while the server runs apply to the next login.
        await OkAsync("erin-secret-2\n", "accounts", "passwd", "erin", "--password-stdin");
        await LoginAsync(port, "erin", "erin-secret-1", expected: 530);
        await LoginAsync(port, "erin", "erin-secret-2");
        await OkAsync(null, "accounts", "disable", "erin");
        await LoginAsync(port, "erin", "erin-secret-2", expected: 530);
        await OkAsync(null, "accounts", "enable", "erin");
        await OkAsync(null, "accounts", "set", "erin", "--network", "192.0.2.0/24");
        await LoginAsync(port, "erin", "erin-secret-2", expected: 530);
        await OkAsync(null, "accounts", "set", "erin", "--any-network", "--description", "moved");
        await LoginAsync(port, "erin", "erin-secret-2");
        Assert.Contains("description:   moved", (await OkAsync(null, "accounts", "show", "erin")).Output);

        string fingerprint = JsonNode.Parse((await OkAsync(null, "keys", "list", "erin", "--json")).Output)![0]!["fingerprint"]!.GetValue<string>();
        await OkAsync(null, "keys", "remove", "erin", fingerprint);
        Assert.DoesNotContain("ssh-ed25519", (await OkAsync(null, "keys", "list", "erin")).Output);
        await OkAsync(null, "accounts", "delete", "erin");
        await LoginAsync(port, "erin", "erin-secret-2", expected: 530);
        Assert.Equal(1, (await CliAsync(null, "accounts", "show", "erin")).ExitCode);
    }

    [Fact]
    public async Task With_url_and_token_the_cli_drives_a_running_server()
    {
        string token = (await OkAsync(null, "tokens", "create", "--name", "ops", "--scope", "admin")).Output.Trim();
        Assert.Matches("^mxt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", token);
        string readOnly = (await OkAsync(null, "tokens", "create", "--name", "viewer")).Output.Trim();

        await using var server = ServerProcess.Start(_work, ["--config", _config]);
        int port = await server.WaitForListenerAsync(StartTimeout);
        int adminPort = await WaitForAdminPortAsync(server);
        string url = $"http://127.0.0.1:{adminPort.ToString(CultureInfo.InvariantCulture)}";

        await OkAsync("erin-secret-1\n", "accounts", "add", "erin", "--password-stdin", "--url", url, "--token", token);
        await LoginAsync(port, "erin", "erin-secret-1");
        Assert.Contains("erin", (await OkAsync(null, "accounts", "list", "--url", url, "--token", readOnly)).Output);

        var forbidden = await CliAsync(null, "accounts", "disable", "erin", "--url", url, "--token", readOnly);
        Assert.Equal(1, forbidden.ExitCode);
        Assert.Contains("403", forbidden.Error);
        var wrong = await CliAsync(null, "accounts", "list", "--url", url, "--token", "mxt_0000000000000000_nope");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("401", wrong.Error);

        // A session held open shows in the list and is ended by kick.
        var (client, _) = await RawFtpClient.ConnectAsync(port);
        await using (client)
        {
            await client.ExpectAsync("USER erin", 331);
            await client.ExpectAsync("PASS erin-secret-1", 230);
            var sessions = JsonNode.Parse((await OkAsync(null, "sessions", "list", "--json", "--url", url, "--token", readOnly)).Output)!.AsArray();
            Assert.Contains(sessions, s => s!["user"]!.GetValue<string>() == "erin" && s["protocol"]!.GetValue<string>() == "ftp");
            Assert.Contains("1 session(s) ended", (await OkAsync(null, "sessions", "kick", "--user", "erin", "--url", url, "--token", token)).Output);
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Contains("ssh-ed25519", (await OkAsync(null, "hostkeys", "list", "--url", url, "--token", readOnly)).Output);
        var offline = await CliAsync(null, "sessions", "list");
        Assert.Equal(1, offline.ExitCode);
        Assert.Contains("--url", offline.Error);

        var tokens = JsonNode.Parse((await OkAsync(null, "tokens", "list", "--json")).Output)!.AsArray();
        string readOnlyId = tokens.Single(t => t!["name"]!.GetValue<string>() == "viewer")!["id"]!.GetValue<string>();
        Assert.NotNull(tokens[0]!["lastUsedAt"]);
        Assert.DoesNotContain(token.Split('_')[2], File.ReadAllText(Path.Combine(_work, "state", "accounts.db")));
        await OkAsync(null, "tokens", "revoke", readOnlyId);
        Assert.Equal(1, (await CliAsync(null, "accounts", "list", "--url", url, "--token", readOnly)).ExitCode);

        // An acknowledged change survives a crash (SQLite WAL, synchronous FULL): kill -9 right after it.
        await OkAsync("fred-secret-1\n", "accounts", "add", "fred", "--password-stdin", "--url", url, "--token", token);
        server.Crash();
        await server.WaitForExitAsync(StartTimeout);
        await using var restarted = ServerProcess.Start(_work, ["--config", _config]);
        int again = await restarted.WaitForListenerAsync(StartTimeout);
        await LoginAsync(again, "fred", "fred-secret-1");
        await LoginAsync(again, "erin", "erin-secret-1");
    }

    [Fact]
    public async Task Import_keeps_passwords_from_htpasswd_ftpasswd_and_configuration()
    {
        string htpasswd = Path.Combine(_work, "htpasswd");
        await RunToolAsync("htpasswd", "-c", "-b", "-B", "-C", "5", htpasswd, "hbcrypt", "bcrypt-pw");
        await RunToolAsync("htpasswd", "-b", "-m", htpasswd, "hapr1", "apr1-pw");
        await RunToolAsync("htpasswd", "-b", "-s", htpasswd, "hsha", "sha-pw");

        string sha512 = (await RunToolAsync("openssl", "passwd", "-6", "-salt", "ftpsalt1", "ftp-pw")).Trim();
        string md5 = (await RunToolAsync("openssl", "passwd", "-1", "-salt", "md5salt", "md5-pw")).Trim();
        string ftpasswd = Path.Combine(_work, "ftpd.passwd");
        await File.WriteAllTextAsync(ftpasswd, $"""
            # ftpasswd --passwd --sha512 lines: name:hash:uid:gid:gecos:home:shell
            fsha:{sha512}:2001:2001:FTP user:{_work}/data/fsha:/bin/false
            fmd5:{md5}:2002:2002::{_work}/data/shared/fmd5:/bin/false
            fout:{sha512}:2003:2003::/srv/elsewhere/fout:/bin/false
            fdes:abJnggxhB/yWI:2004:2004::{_work}/data/fdes:/bin/false
            """);
        string other = Path.Combine(_work, "other.json");
        await File.WriteAllTextAsync(other, $$"""
            { "Users": { "cfguser": { "PasswordHash": "{{PasswordHasher.Hash("cfg-pw")}}", "Home": "/cfg", "ReadOnly": true, "Protocols": [ "ftp" ] } } }
            """);

        var dry = await CliAsync(null, "accounts", "import", "--from", "htpasswd", htpasswd, "--dry-run");
        Assert.Matches(@"(?m)^hbcrypt\s+would create$", dry.Output);
        Assert.Matches(@"(?m)^hsha\s+skip: unsalted SHA-1", dry.Output);
        Assert.DoesNotContain("hbcrypt", (await OkAsync(null, "accounts", "list")).Output);

        var imported = await CliAsync(null, "accounts", "import", "--from", "htpasswd", htpasswd);
        Assert.Equal(1, imported.ExitCode); // hsha could not be imported, and says so
        Assert.Matches(@"(?m)^hapr1\s+created$", imported.Output);
        var ftp = await CliAsync(null, "accounts", "import", "--from", "ftpasswd", ftpasswd);
        Assert.Matches(@"(?m)^fsha\s+created$", ftp.Output);
        Assert.Matches(@"(?m)^fout\s+skip: home /srv/elsewhere/fout is not inside the data root", ftp.Output);
        Assert.Matches(@"(?m)^fdes\s+skip: traditional DES crypt", ftp.Output);
        await OkAsync(null, "accounts", "import", "--from", "config", other);
        var again = await OkAsync(null, "accounts", "import", "--from", "config", other);
        Assert.Matches(@"(?m)^cfguser\s+skip: an account of that name exists$", again.Output);

        var fmd5 = JsonNode.Parse((await OkAsync(null, "accounts", "show", "fmd5", "--json")).Output)!;
        Assert.Equal("/shared/fmd5", fmd5["home"]!.GetValue<string>());
        var cfg = JsonNode.Parse((await OkAsync(null, "accounts", "show", "cfguser", "--json")).Output)!;
        Assert.True(cfg["readOnly"]!.GetValue<bool>());
        Assert.Equal(["ftp"], cfg["protocols"]!.AsArray().Select(p => p!.GetValue<string>()));

        await using var server = ServerProcess.Start(_work, ["--config", _config]);
        int port = await server.WaitForListenerAsync(StartTimeout);
        foreach (var (user, password) in new[] { ("hbcrypt", "bcrypt-pw"), ("hapr1", "apr1-pw"), ("fsha", "ftp-pw"), ("fmd5", "md5-pw"), ("cfguser", "cfg-pw") })
        {
            Directory.CreateDirectory(Path.Combine(_work, "data", user == "fmd5" ? "shared/fmd5" : user == "cfguser" ? "cfg" : user));
            await LoginAsync(port, user, password);
            await LoginAsync(port, user, password + "x", expected: 530);
        }

        // Every imported hash was replaced by Argon2id at its first login (md5-crypt and apr1 are verify-only).
        var accounts = JsonNode.Parse((await OkAsync(null, "accounts", "list", "--json")).Output)!["accounts"]!.AsArray();
        Assert.All(accounts.Where(a => a!["name"]!.GetValue<string>() != "cfguser"),
            a => Assert.Equal("argon2id", a!["passwordScheme"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Db_migrate_reports_the_schema_and_a_name_in_both_places_stops_start_up()
    {
        Assert.Contains("migrated from version 0 to", (await OkAsync(null, "db", "migrate")).Output);
        Assert.Contains("nothing to do", (await OkAsync(null, "db", "migrate")).Output);

        // "configured" is in the configuration; stored as well (through a configuration without Users), it collides.
        var add = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, "accounts", "add", "configured", "--password-stdin", "--config", RemoveUsers()],
            TimeSpan.FromSeconds(60), workingDirectory: _work, standardInput: "pw-1234567\n");
        Assert.True(add.ExitCode == 0, add.ToString());
        await using var server = ServerProcess.Start(_work, ["--config", _config]);
        Assert.Equal(2, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains("configured also exist in the account store", server.Error);
    }

    /// <summary>The test configuration without its Users section, in a file of its own.</summary>
    private string RemoveUsers()
    {
        var json = JsonNode.Parse(File.ReadAllText(_config))!.AsObject();
        json.Remove("Users");
        string path = Path.Combine(_work, "no-users.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static async Task<string> RunToolAsync(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output;
    }

    private static async Task<int> WaitForAdminPortAsync(ServerProcess server)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (AdminListening().Match(server.Output) is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the admin API did not start:\n" + server.Output);
    }

    [GeneratedRegex(@"admin API listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex AdminListening();
}
