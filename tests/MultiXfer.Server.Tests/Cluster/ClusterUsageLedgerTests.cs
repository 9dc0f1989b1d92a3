using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Accounts;
using MultiXfer.Limits;
using MultiXfer.Server.Cluster;
using MultiXfer.TestKit;
using Npgsql;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// Accounts' usage shared by gateways through PostgreSQL (<see cref="ClusterUsageLedger"/>): reservations racing on
/// three gateways never pass the quota together and add up to the stored total; a dead gateway's grant stops
/// counting when its lease runs out; a gateway restarted under the same name does not inherit its earlier run's grant.
/// </summary>
public sealed class ClusterUsageLedgerTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private const long Quota = 8L << 20;
    private static readonly UsageFigures AlmostAll = new(Quota - 1024, 0, 0, 0);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly List<IAsyncDisposable> _owned = [];
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var dialect = new PostgresDialect(_connectionString);
        await SchemaMigrations.MigrateAsync(dialect, None);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>A gateway: its lease in the registry, and the account's usage shared through its ledger.</summary>
    private async Task<(SessionRegistry Registry, AccountUsage Usage)> GatewayAsync(string node, AccountLimits limits)
    {
        var dialect = new PostgresDialect(_connectionString);
        _owned.Add(dialect);
        var registry = new SessionRegistry(dialect, node, Lease, (_, _) => { }, NullLogger.Instance);
        _owned.Add(registry);
        await registry.StartAsync(None);
        return (registry, Usage(dialect, node, limits));
    }

    private static AccountUsage Usage(PostgresDialect dialect, string node, AccountLimits limits)
    {
        var usage = new AccountUsage("dora", TimeProvider.System, sharing: new UsageSharing(new ClusterUsageLedger(dialect, node), static () => { }));
        usage.Apply(limits);
        return usage;
    }

    /// <summary>Reserves <paramref name="bytes"/> as a write does: from the grant, else after asking the ledger for more.</summary>
    private static async Task<bool> ReserveAsync(AccountUsage usage, long bytes)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (usage.TryReserveBytes(bytes))
            {
                return true;
            }

            if (!await usage.RefillAsync(new UsageFigures(bytes, 0, 0, 0), None))
            {
                return false;
            }
        }

        return usage.TryReserveBytes(bytes);
    }

    private async Task<(long Bytes, long Uploaded, long Grants)> StoredAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT used_bytes FROM account_usage WHERE usage_key = 'dora'), (SELECT uploaded_bytes FROM account_usage WHERE usage_key = 'dora'),
                (SELECT count(*) FROM usage_grants)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [Fact]
    public async Task Reservations_racing_on_three_gateways_never_pass_the_quota_and_add_up_to_the_stored_total()
    {
        var limits = new AccountLimits { QuotaBytes = Quota };
        var gateways = new List<AccountUsage>();
        for (int g = 0; g < 3; g++)
        {
            gateways.Add((await GatewayAsync($"gw-{g}", limits)).Usage);
        }

        const long Write = 64 * 1024;
        var writers = gateways.SelectMany(usage => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            long reserved = 0;
            while (await ReserveAsync(usage, Write))
            {
                usage.CountTransfer(TransferDirection.Upload, Write);
                reserved += Write;
            }

            return reserved;
        }))).ToArray();
        long total = (await Task.WhenAll(writers)).Sum();

        Assert.True(total <= Quota, $"{total} bytes reserved against a quota of {Quota}");
        // Everyone ran until refused, and a refusal leaves no more than a write's worth unused on each gateway.
        Assert.True(total > Quota - (3 * Write), $"only {total} of {Quota} bytes reserved");
        foreach (var usage in gateways)
        {
            await usage.ExchangeAsync(default, None);
        }

        var stored = await StoredAsync();
        Assert.Equal((total, total, 0L), stored);
    }

    [Fact]
    public async Task Gateways_counting_an_account_at_once_scan_it_once_and_a_later_first_count_does_not_replace_the_totals()
    {
        int scans = 0;
        async Task<DiskUsage> SlowScan(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref scans);
            await Task.Delay(300, cancellationToken);
            return new DiskUsage(5000, 3, InFlightBytes: 1000);
        }

        var ledgers = new List<ClusterUsageLedger>();
        for (int g = 0; g < 3; g++)
        {
            var dialect = new PostgresDialect(_connectionString);
            _owned.Add(dialect);
            ledgers.Add(new ClusterUsageLedger(dialect, $"gw-{g}"));
        }

        var counts = await Task.WhenAll(ledgers.Select(l => l.CountOnceAsync("dora", 20_000, SlowScan, None)));
        Assert.Equal(1, scans);
        Assert.All(counts, c => Assert.Equal((4000L, 3L, true), (c.Used.Bytes, c.Used.Files, c.DiskCounted)));

        // A gateway that counted alone (the ledger was away) sends its count later with its changes: the ledger keeps
        // the count it has and adds the changes; an admin's scan replaces it.
        var late = new UsageExchange("dora", 20_000, new UsageFigures(100, 1, 0, 0), default, default, new AccountLimits(),
            new DiskUsage(999_999, 99), ScanRepairs: false);
        Assert.Equal(4100, (await ledgers[0].ExchangeAsync(late, None)).Used.Bytes);
        var repair = late with { Settled = default, ScanRepairs = true };
        Assert.Equal(999_999, (await ledgers[0].ExchangeAsync(repair, None)).Used.Bytes);
    }

    [Fact]
    public async Task A_deleted_accounts_shared_usage_is_gone_and_a_new_account_of_its_name_starts_from_nothing()
    {
        var dialect = new PostgresDialect(_connectionString);
        _owned.Add(dialect);
        var registry = new UsageRegistry(new SqlUsageStore(dialect, TimeProvider.System), TimeProvider.System,
            ledger: new ClusterUsageLedger(dialect, "gw-0"));
        var usage = await registry.GetAsync("dora", None);
        usage.SetDisk(new DiskUsage(0, 0));
        Assert.True(usage.TryReserveBytes(5000));
        usage.CountTransfer(TransferDirection.Upload, 5000);
        await registry.FlushAsync(None);
        Assert.Equal(5000, (await StoredAsync()).Bytes);

        registry.Forget("dora");
        await registry.FlushAsync(None);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM account_usage WHERE usage_key = 'dora'", connection);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        Assert.Equal(0, (await registry.GetAsync("dora", None)).Snapshot().UsedBytes);
    }

    [Fact]
    public async Task A_dead_gateways_grant_stops_counting_when_its_lease_runs_out()
    {
        var limits = new AccountLimits { QuotaBytes = Quota };
        var (deadRegistry, dead) = await GatewayAsync("gw-dead", limits);
        var (_, live) = await GatewayAsync("gw-live", limits);

        // The first gateway holds half the quota; then it dies (no clean stop).
        await HoldHalfAsync(dead, live);
        await deadRegistry.DisposeAsync();

        var clock = Stopwatch.StartNew();
        while (!await live.RefillAsync(AlmostAll, None))
        {
            Assert.True(clock.Elapsed < Lease * 2, "the dead gateway's grant still counts after twice its lease");
            await Task.Delay(200);
        }

        Assert.True(clock.Elapsed > Lease / 3, $"freed after {clock.Elapsed}, before the lease could have run out");
    }

    [Fact]
    public async Task A_gateway_restarted_under_its_name_forgets_the_grant_of_its_earlier_run()
    {
        var limits = new AccountLimits { QuotaBytes = Quota };
        var (_, before) = await GatewayAsync("gw-a", limits);
        var (_, other) = await GatewayAsync("gw-b", limits);
        await HoldHalfAsync(before, other);

        // The same node name, a new run (its lease is the one still running): its first exchange drops the old grant.
        var dialect = new PostgresDialect(_connectionString);
        _owned.Add(dialect);
        var restarted = Usage(dialect, "gw-a", limits);
        await restarted.ExchangeAsync(default, None);
        Assert.True(await other.RefillAsync(AlmostAll, None));
    }

    /// <summary>
    /// <paramref name="holder"/> opens an upload and takes a grant (about half the quota, as the rule splits what is
    /// free), so <paramref name="other"/> cannot get almost all of it.
    /// </summary>
    private static async Task HoldHalfAsync(AccountUsage holder, AccountUsage other)
    {
        holder.HandleOpened();
        Assert.True(await holder.RefillAsync(new UsageFigures(1, 0, 0, 0), None));
        Assert.False(await other.RefillAsync(AlmostAll, None));
    }
}
