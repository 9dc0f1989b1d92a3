using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>
/// The providers behind the API: PostgreSQL shared by two gateways (what a cluster will do), configuration only,
/// and the API over TLS.
/// </summary>
public sealed class ProviderTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    /// <summary>The settings that make a test server a gateway on <paramref name="connection"/>'s database.</summary>
    private static Action<Dictionary<string, string?>> SharedDatabase(string connection) => settings =>
    {
        settings["Accounts:Provider"] = "postgresql";
        settings["Accounts:ConnectionString"] = connection;
    };

    [ClientFact("curl")]
    public async Task Two_gateways_on_one_PostgreSQL_database_share_accounts_and_end_each_other_s_sessions()
    {
        var shared = SharedDatabase(await postgres.Server.CreateDatabaseAsync());
        await using var first = await TestServer.StartAsync(s => { shared(s); s["Admin:EnforcementIntervalSeconds"] = "1"; });
        await using var second = await TestServer.StartAsync(s => { shared(s); s["Admin:EnforcementIntervalSeconds"] = "1"; });
        using var firstAdmin = await AdminClient.ForAsync(first);
        using var secondAdmin = await AdminClient.ForAsync(second);
        Assert.Equal("postgresql", (await firstAdmin.GetAsync("api/v1/status")).Body!["accountsProvider"]!.GetValue<string>());

        await firstAdmin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1", home = "/erin" });
        foreach (var server in new[] { first, second })
        {
            Directory.CreateDirectory(server.HomeOf("erin"));
            await File.WriteAllTextAsync(Path.Combine(server.HomeOf("erin"), "where.txt"), server.FtpPort.ToString(CultureInfo.InvariantCulture));
            using (var big = File.Create(Path.Combine(server.HomeOf("erin"), "big.bin")))
            {
                big.SetLength(96L << 20);
            }
        }

        // Created on the first gateway, it logs in on the second.
        Assert.Equal(second.FtpPort.ToString(CultureInfo.InvariantCulture), (await Clients.CurlFtpAsync(second, "erin", "erin-secret-1", "where.txt")).Output);

        // Disabled through the second gateway: the first one's enforcer ends the session running there.
        var download = Clients.StartSlowDownload(first, "ftp", "erin", "erin-secret-1", "big.bin");
        try
        {
            await firstAdmin.WaitForSessionsAsync("erin", s => s.Count == 1);
            Assert.Equal(200, (await secondAdmin.PostAsync("api/v1/accounts/erin/disable", new { })).Status);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            await download.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, download.ExitCode);
            Assert.Equal(67, (await Clients.CurlFtpAsync(first, "erin", "erin-secret-1", "where.txt")).ExitCode);
        }
        finally
        {
            download.Kill();
        }
    }

    [ClientFact("curl")]
    public async Task A_source_banned_for_failed_logins_on_one_gateway_is_refused_by_the_other_within_a_second()
    {
        var shared = SharedDatabase(await postgres.Server.CreateDatabaseAsync());
        await using var first = await TestServer.StartAsync(shared);
        await using var second = await TestServer.StartAsync(shared);
        // The test server exempts 127.0.0.1 from penalties; this client comes from another loopback address.
        Task<ProcessResult> Curl(TestServer server, string source, string password) => ProcessRunner.RunAsync("curl",
            ["-s", "-S", "--max-time", "10", "--interface", source, "-u", $"nobody:{password}", $"ftp://127.0.0.1:{server.FtpPort.ToString(CultureInfo.InvariantCulture)}/"],
            TimeSpan.FromSeconds(30));

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(67, (await Curl(first, "127.0.0.9", "wrong")).ExitCode); // 530: each adds 5 s, 15 s bans
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        ProcessResult refused;
        do
        {
            refused = await Curl(second, "127.0.0.9", "wrong");
        }
        while (refused.ExitCode == 67 && clock.Elapsed < TimeSpan.FromSeconds(5));

        // Closed unanswered at accept, before any greeting: curl finds no FTP server reply at all.
        Assert.True(refused.ExitCode is 8 or 56, $"exit {refused.ExitCode} after {clock.Elapsed}: {refused.Output}{refused.Error}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the second gateway refused the source after {clock.Elapsed}");
        Assert.Equal(67, (await Curl(second, "127.0.0.10", "wrong")).ExitCode); // another source is still answered
    }

    [ClientFact("curl")]
    public async Task With_PostgreSQL_away_stored_accounts_are_refused_and_the_server_lives_on()
    {
        var database = await PostgresServer.StartAsync();
        string connection = await database.CreateDatabaseAsync();
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Accounts:Provider"] = "postgresql";
            settings["Accounts:ConnectionString"] = connection + ";Timeout=3";
        });
        using var admin = await AdminClient.ForAsync(server);
        await admin.CreateAccountAsync(new { name = "erin", password = "erin-secret-1" });
        Directory.CreateDirectory(server.HomeOf("erin"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("erin"), "x.txt"), "x");
        Assert.Equal("x", (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "x.txt")).Output);

        await database.DisposeAsync();
        Assert.Equal(67, (await Clients.CurlFtpAsync(server, "erin", "erin-secret-1", "x.txt")).ExitCode);
        Assert.Contains("login refused for erin over ftp: the account store cannot be read", server.ReadLog());
        var failed = await admin.GetAsync("api/v1/accounts");
        Assert.Equal(500, failed.Status);
        Assert.Equal("application/problem+json", failed.ContentType);

        // Configured users do not depend on the database.
        Assert.Equal(0, (await ProcessRunner.RunAsync("curl", ["-s", "-S", "-u", $"alice:{TestServer.Passwords["alice"]}",
            $"ftp://127.0.0.1:{server.FtpPort.ToString(CultureInfo.InvariantCulture)}/"], TimeSpan.FromSeconds(30))).ExitCode);
    }

    [Fact]
    public async Task With_the_config_provider_accounts_stay_in_configuration_and_the_api_says_so()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Accounts:Provider"] = "config");
        using var admin = await AdminClient.ForAsync(server);
        var refused = await admin.PostAsync("api/v1/accounts", new { name = "erin", password = "erin-secret-1" });
        Assert.Equal(409, refused.Status);
        Assert.Contains("Accounts:Provider config", refused.Body!["detail"]!.GetValue<string>());
        Assert.Empty((await admin.GetAsync("api/v1/accounts")).Body!["accounts"]!.AsArray());
        Assert.Equal("config", (await admin.GetAsync("api/v1/status")).Body!["accountsProvider"]!.GetValue<string>());

        // Configured users still log in, and their sessions are listed.
        await using var alice = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Single((await admin.GetAsync("api/v1/sessions?user=alice")).Body!.AsArray());
    }

    [ClientFact("curl")]
    public async Task Stored_accounts_belong_to_their_virtual_host()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            string root = Path.GetDirectoryName(settings["Server:DataRoot"])!;
            settings["VirtualHosts:alpha:Listeners:0"] = "ftps";
            settings["VirtualHosts:alpha:DataRoot"] = Path.Combine(root, "alpha-data");
            // Its own Users section: alpha does not admit the default host's accounts.
            settings["VirtualHosts:alpha:Users:carol:PasswordHash"] = MultiXfer.Auth.PasswordHasher.HashPbkdf2("carol-secret", 10_000);
        });
        using var admin = await AdminClient.ForAsync(server);
        Assert.Equal(400, (await admin.PostAsync("api/v1/accounts", new { name = "vera", password = "vera-secret-1", virtualHost = "beta" })).Status);
        await admin.CreateAccountAsync(new { name = "vera", password = "vera-secret-1", virtualHost = "alpha" });
        await admin.CreateAccountAsync(new { name = "dan", password = "dan-secret-1" });
        Directory.CreateDirectory(Path.Combine(server.RootDirectory, "alpha-data", "vera"));
        await File.WriteAllTextAsync(Path.Combine(server.RootDirectory, "alpha-data", "vera", "site.txt"), "alpha");
        Directory.CreateDirectory(server.HomeOf("dan"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("dan"), "site.txt"), "default");

        // alpha serves the implicit FTPS listener, the default host the plain FTP one.
        Assert.Equal("alpha", (await CurlAsync(server.FtpsPort, "ftps", "vera", "vera-secret-1")).Output);
        Assert.Equal(67, (await Clients.CurlFtpAsync(server, "vera", "vera-secret-1", "site.txt")).ExitCode);
        Assert.Equal("default", (await Clients.CurlFtpAsync(server, "dan", "dan-secret-1", "site.txt")).Output);
        Assert.Equal(67, (await CurlAsync(server.FtpsPort, "ftps", "dan", "dan-secret-1")).ExitCode);
        Assert.Equal(["vera"], (await admin.GetAsync("api/v1/accounts?virtualHost=alpha")).Body!["accounts"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()));
    }

    private static Task<ProcessResult> CurlAsync(int port, string scheme, string user, string password) =>
        ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "--max-time", "30", "-u", $"{user}:{password}",
            $"{scheme}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/site.txt"], TimeSpan.FromSeconds(60));

    [ClientFact("curl")]
    public async Task The_api_speaks_TLS_with_the_server_certificate_when_asked()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Admin:UseTls"] = "true");
        string token = await server.CreateAdminTokenAsync();
        string address = $"https://127.0.0.1:{server.AdminUri.Port.ToString(CultureInfo.InvariantCulture)}/api/v1/status";
        var secure = await ProcessRunner.RunAsync("curl", ["-s", "-S", "--cacert", server.CertificateFile, "--resolve",
            $"localhost:{server.AdminUri.Port.ToString(CultureInfo.InvariantCulture)}:127.0.0.1", "-H", $"Authorization: Bearer {token}",
            address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)], TimeSpan.FromSeconds(30));
        Assert.True(secure.ExitCode == 0, secure.ToString());
        Assert.Contains("\"accountsProvider\":\"sqlite\"", secure.Output);

        var plain = await ProcessRunner.RunAsync("curl", ["-s", "-S", "-H", $"Authorization: Bearer {token}", address.Replace("https", "http", StringComparison.Ordinal)],
            TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("accountsProvider", plain.Output);
    }
}
