using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Accounts;
using MultiXfer.Limits;
using MultiXfer.Server.Cluster;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// The cluster's session registry on a real PostgreSQL: an account's session limit over several gateways, a dead
/// gateway's sessions freed by its lease, an admin on one gateway ending a session on another, and logins failing
/// closed while the database is away.
/// </summary>
public sealed class SessionRegistryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private readonly List<SessionRegistry> _registries = [];
    private readonly List<PostgresDialect> _dialects = [];
    private readonly ConcurrentQueue<(string Node, string Id)> _ended = new();
    private string _connectionString = "";
    private int _sessions;

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var dialect = new PostgresDialect(_connectionString);
        await SchemaMigrations.MigrateAsync(dialect, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        foreach (var dialect in _dialects)
        {
            await dialect.DisposeAsync();
        }
    }

    private async Task<SessionRegistry> GatewayAsync(string node)
    {
        var dialect = new PostgresDialect(_connectionString);
        _dialects.Add(dialect);
        var registry = new SessionRegistry(dialect, node, Lease, (id, _) => _ended.Enqueue((node, id)), NullLogger.Instance);
        _registries.Add(registry);
        await registry.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (!registry.Listening)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the registry never listened");
            await Task.Delay(10);
        }

        return registry;
    }

    /// <summary>The account's registered sessions, or none while the database is still coming back.</summary>
    private static async Task<List<ClusterSession>> TryListAsync(SessionRegistry registry, string account)
    {
        try
        {
            return await registry.ListAsync(account, CancellationToken.None);
        }
        catch (Npgsql.NpgsqlException)
        {
            return [];
        }
    }

    private ClusterSession Session(string account) =>
        new($"s{Interlocked.Increment(ref _sessions)}", account, account, "sftp", "192.0.2.1", "default", DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_accounts_session_limit_holds_over_all_gateways_and_a_slot_freed_on_one_is_taken_on_another()
    {
        var a = await GatewayAsync("a");
        var b = await GatewayAsync("b");
        var c = await GatewayAsync("c");
        var first = Session("erin");
        Assert.Null(await a.RegisterAsync(first, 2, CancellationToken.None));
        Assert.Null(await b.RegisterAsync(Session("erin"), 2, CancellationToken.None));
        var refused = await c.RegisterAsync(Session("erin"), 2, CancellationToken.None);
        Assert.NotNull(refused);
        Assert.False(refused.Unavailable);
        Assert.Null(await c.RegisterAsync(Session("frank"), 2, CancellationToken.None)); // another account has its own slots
        Assert.Null(await c.RegisterAsync(Session("erin"), null, CancellationToken.None)); // no limit, not counted against one

        a.Unregister(first.Id);
        var clock = Stopwatch.StartNew();
        while (await c.RegisterAsync(Session("erin"), 3, CancellationToken.None) is not null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "the freed slot did not come back within a second");
            await Task.Delay(20);
        }

        var listed = await b.ListAsync("erin", CancellationToken.None);
        Assert.Equal(["b", "c", "c"], listed.Select(s => s.Node).Order().ToArray());
    }

    [Fact]
    public async Task A_new_login_on_the_same_connection_keeps_its_row_when_the_old_ones_removal_lands_after_it()
    {
        var a = await GatewayAsync("a");
        var first = Session("lena");
        Assert.Null(await a.RegisterAsync(first, 1, CancellationToken.None));
        // FTP REIN then USER/PASS: the old login ends and a new one on the same connection (same id) is admitted at once,
        // before the old row's removal reaches the database; the old row neither blocks it nor takes the new row with it.
        a.Unregister(first.Id);
        var again = first with { StartedAt = DateTimeOffset.UtcNow };
        Assert.Null(await a.RegisterAsync(again, 1, CancellationToken.None));
        await Task.Delay(500); // the removal of the old row has run
        Assert.Single(await a.ListAsync("lena", CancellationToken.None));
        Assert.NotNull(await a.RegisterAsync(Session("lena"), 1, CancellationToken.None));
    }

    [Fact]
    public async Task A_gateway_restarted_under_the_same_name_starts_with_none_of_its_old_sessions()
    {
        var crashed = await GatewayAsync("same");
        Assert.Null(await crashed.RegisterAsync(Session("mona"), 1, CancellationToken.None));
        await crashed.DisposeAsync(); // no goodbye
        _registries.Remove(crashed);

        var restarted = await GatewayAsync("same"); // its lease never lapsed: only its own clean-up can free the slot
        Assert.Empty(await restarted.ListAsync("mona", CancellationToken.None));
        Assert.Null(await restarted.RegisterAsync(Session("mona"), 1, CancellationToken.None));
    }

    [Fact]
    public async Task Logins_racing_on_three_gateways_take_exactly_the_limit()
    {
        SessionRegistry[] gateways = [await GatewayAsync("a"), await GatewayAsync("b"), await GatewayAsync("c")];
        var attempts = Enumerable.Range(0, 30).Select(i => gateways[i % 3].RegisterAsync(Session("grace"), 5, CancellationToken.None));
        var results = await Task.WhenAll(attempts);
        Assert.Equal(5, results.Count(r => r is null));
        Assert.All(results.Where(r => r is not null), r => Assert.False(r!.Unavailable));
        Assert.Equal(5, (await gateways[0].ListAsync("grace", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_gateway_that_dies_frees_its_sessions_when_its_lease_runs_out()
    {
        var doomed = await GatewayAsync("doomed");
        var survivor = await GatewayAsync("survivor");
        Assert.Null(await doomed.RegisterAsync(Session("heidi"), 1, CancellationToken.None));
        Assert.NotNull(await survivor.RegisterAsync(Session("heidi"), 1, CancellationToken.None));

        // Killed: no goodbye, no more renewals (DisposeAsync stops the loops without StopAsync's cleanup).
        await doomed.DisposeAsync();
        _registries.Remove(doomed);
        var clock = Stopwatch.StartNew();
        while (await survivor.RegisterAsync(Session("heidi"), 1, CancellationToken.None) is not null)
        {
            Assert.True(clock.Elapsed < Lease + TimeSpan.FromSeconds(2), $"the dead gateway's session still counted after {clock.Elapsed}");
            await Task.Delay(100);
        }

        Assert.True(clock.Elapsed > Lease / 3, $"freed after {clock.Elapsed}, before the lease could have run out");
        Assert.Equal(["survivor"], (await survivor.ListAsync("heidi", CancellationToken.None)).Select(s => s.Node));
    }

    [Fact]
    public async Task An_admin_on_one_gateway_ends_a_session_on_another()
    {
        var a = await GatewayAsync("a");
        var b = await GatewayAsync("b");
        var session = Session("ivan");
        Assert.Null(await a.RegisterAsync(session, null, CancellationToken.None));
        Assert.True(await b.RequestEndAsync("a", session.Id, CancellationToken.None));
        Assert.False(await b.RequestEndAsync("a", "no-such-session", CancellationToken.None));
        var clock = Stopwatch.StartNew();
        while (!_ended.Contains(("a", session.Id)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "the owning gateway was not told within a second");
            await Task.Delay(10);
        }

        Assert.DoesNotContain(_ended, e => e.Node == "b");
    }

    [Fact]
    public async Task Without_the_database_a_limited_login_fails_closed_an_unlimited_one_is_registered_later_and_nothing_needs_a_restart()
    {
        var a = await GatewayAsync("a");
        var unlimited = Session("kim");
        await postgres.Server.StopAsync();
        try
        {
            var refused = await a.RegisterAsync(Session("judy"), 2, CancellationToken.None);
            Assert.NotNull(refused);
            Assert.True(refused.Unavailable);
            Assert.Null(await a.RegisterAsync(unlimited, null, CancellationToken.None));
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        var restored = Stopwatch.StartNew();
        while ((await TryListAsync(a, "kim")).Count != 1)
        {
            Assert.True(restored.Elapsed < TimeSpan.FromSeconds(15), "the session admitted meanwhile was never registered");
            await Task.Delay(200);
        }

        var clock = Stopwatch.StartNew();
        while (await a.RegisterAsync(Session("judy"), 2, CancellationToken.None) is not null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "registering did not resume");
            await Task.Delay(200);
        }
    }
}
