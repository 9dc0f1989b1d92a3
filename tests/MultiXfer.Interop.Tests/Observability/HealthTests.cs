using System.Net;
using System.Text.Json;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// /healthz and /readyz as an orchestrator uses them (curl, no token), turning 503 when storage goes read-only or
/// PostgreSQL stops, and back when they return; /metrics needs a token.
/// </summary>
public sealed class HealthTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Probes_answer_without_a_token_while_metrics_need_one()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.AdminUri };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        var (status, report) = await ReadyAsync(http);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", report.GetProperty("status").GetString());
        Assert.Equal(["listeners", "storage", "account_store", "certificates", "host_keys"],
            report.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("metrics")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", await server.CreateAdminTokenAsync(MultiXfer.Accounts.TokenScope.Read));
        using var metrics = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        string text = await metrics.Content.ReadAsStringAsync();
        // The server's own figures and the runtime's (GC, heap, thread pool), typed for Prometheus.
        Assert.Contains("# TYPE multixfer_connections_queued gauge", text);
        Assert.Contains("# TYPE multixfer_process_open_descriptors gauge", text);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text);
        Assert.Contains("# TYPE dotnet_thread_pool_thread_count gauge", text);
        // Probes change nothing, so they are the only unauthenticated routes, and only for reading.
        http.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("readyz", null)).StatusCode);
    }

    [SkippableFact]
    public async Task Read_only_storage_makes_the_server_not_ready_until_it_is_writable_again()
    {
        await using var server = await TestServer.StartAsync();
        var (disk, problem) = await SmallTmpfs.TryMountAsync(server.DataRoot, 16 * 1024 * 1024);
        Skip.If(disk is null, problem);
        await using (disk)
        {
            using var http = new HttpClient { BaseAddress = server.AdminUri };
            Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http)).Status);

            await disk.RemountAsync(readOnly: true);
            var (status, report) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("not_ready", report.GetProperty("status").GetString());
            var storage = Check(report, "storage");
            Assert.False(storage.GetProperty("ok").GetBoolean());
            Assert.Contains("Read-only file system", storage.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(Check(report, "account_store").GetProperty("ok").GetBoolean());

            await disk.RemountAsync(readOnly: false);
            Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http)).Status);
            Assert.Empty(Directory.GetFiles(server.DataRoot, ".mxpart-readyz-*"));
        }
    }

    [Fact]
    public async Task A_stopped_PostgreSQL_makes_the_server_not_ready_until_it_is_back()
    {
        string database = await postgres.Server.CreateDatabaseAsync();
        await using var server = await TestServer.StartAsync(s =>
        {
            s["Accounts:Provider"] = "postgresql";
            s["Accounts:ConnectionString"] = database;
        });
        using var http = new HttpClient { BaseAddress = server.AdminUri };
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http)).Status);

        await postgres.Server.StopAsync();
        try
        {
            var (status, report) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var store = Check(report, "account_store");
            Assert.False(store.GetProperty("ok").GetBoolean());
            Assert.StartsWith("postgresql unreachable", store.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        // The pool's broken connections are dropped on their first failed use: ready again within a few probes.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpStatusCode last;
        while ((last = (await ReadyAsync(http)).Status) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.OK, last);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Report)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}

/// <summary>The container's HEALTHCHECK command: the server binary asking a running server's probes.</summary>
public sealed class HealthCommandTests
{
    [Fact]
    public async Task The_health_command_exits_zero_on_a_ready_server_and_one_where_nothing_answers()
    {
        await using var server = await TestServer.StartAsync();
        string binary = MultiXfer.Interop.Tests.Sftp.SftpTestSupport.ServerApphost;
        string url = server.AdminUri.ToString().TrimEnd('/');

        var ready = await ProcessRunner.RunAsync(binary, ["health", "--url", url], TimeSpan.FromSeconds(60));
        Assert.True(ready.ExitCode == 0, ready.ToString());
        Assert.Equal("ready", JsonDocument.Parse(ready.Output).RootElement.GetProperty("status").GetString());
        var live = await ProcessRunner.RunAsync(binary, ["health", "live", "--url", url], TimeSpan.FromSeconds(60));
        Assert.True(live.ExitCode == 0, live.ToString());

        int closed = HaproxyProcess.FreePort(IPAddress.Loopback);
        var nothing = await ProcessRunner.RunAsync(binary, ["health", "--url", $"http://127.0.0.1:{closed}"], TimeSpan.FromSeconds(60));
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("refused", nothing.Error, StringComparison.OrdinalIgnoreCase);
    }
}
