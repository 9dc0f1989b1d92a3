using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Accounts;
using MultiXfer.Connections;
using MultiXfer.Server.Cluster;
using MultiXfer.TestKit;
using MultiXfer.Transport.Admission;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// Gateways sharing one PostgreSQL (a real cluster, started for the class) add up their per-source penalties and
/// refuse a banned source together: each gateway here is the penalty table and exchange a server runs.
/// </summary>
public sealed class PenaltyExchangeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly IPAddress Attacker = IPAddress.Parse("192.0.2.66");
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    private readonly List<PenaltyExchange> _exchanges = [];
    private readonly List<PostgresDialect> _dialects = [];
    private string _connectionString = "";

    /// <summary>
    /// OpenSSH's defaults as MultiXfer's: a failed login adds 5 s, a source is refused once 15 s are outstanding.
    /// Outstanding time runs down as it passes, so the tests make four failures (20 s), not three: three spread over
    /// milliseconds come to a hair under 15 s.
    /// </summary>
    private static PenaltyOptions Options => new() { AuthenticationFailedSeconds = 5, MinimumSeconds = 15, MaximumSeconds = 600 };

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var dialect = new PostgresDialect(_connectionString);
        await SchemaMigrations.MigrateAsync(dialect, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var exchange in _exchanges)
        {
            await exchange.DisposeAsync();
        }

        foreach (var dialect in _dialects)
        {
            await dialect.DisposeAsync();
        }
    }

    private async Task<SourcePenalties> GatewayAsync(params string[] exempt)
    {
        var dialect = new PostgresDialect(_connectionString);
        _dialects.Add(dialect);
        var penalties = new SourcePenalties(Options, exempt.Select(IPNetwork.Parse).ToList(), 64, TimeProvider.System, NullLogger.Instance);
        var exchange = new PenaltyExchange(dialect, penalties, Options, NullLogger.Instance);
        _exchanges.Add(exchange);
        await exchange.StartAsync(CancellationToken.None);
        await WaitUntil(() => exchange.Listening, TimeSpan.FromSeconds(10), "the exchange to listen");
        return penalties;
    }

    private static async Task<TimeSpan> WaitUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"waited {clock.Elapsed} for {what}");
            await Task.Delay(10);
        }

        return clock.Elapsed;
    }

    [Fact]
    public async Task A_ban_earned_on_one_gateway_refuses_the_source_on_the_others_within_a_second()
    {
        var a = await GatewayAsync();
        var b = await GatewayAsync();
        var c = await GatewayAsync();
        for (int i = 0; i < 4; i++)
        {
            a.Penalise(Attacker, LoginFailure.AuthenticationFailed);
        }

        Assert.True(a.IsPenalised(Attacker)); // at once where it was earned
        var elapsed = await WaitUntil(() => b.IsPenalised(Attacker) && c.IsPenalised(Attacker), TimeSpan.FromSeconds(5), "the ban to reach B and C");
        Assert.True(elapsed < Within, $"the ban took {elapsed} to reach the other gateways");
        Assert.False(b.IsPenalised(IPAddress.Parse("192.0.2.67"))); // only that source
    }

    [Fact]
    public async Task Failures_spread_over_the_gateways_add_up_to_a_ban_on_all_of_them()
    {
        SourcePenalties[] gateways = [await GatewayAsync(), await GatewayAsync(), await GatewayAsync()];
        foreach (var gateway in gateways.Append(gateways[0]))
        {
            gateway.Penalise(Attacker, LoginFailure.AuthenticationFailed); // 5 s each, 10 s at most on one: none reaches 15 alone
            Assert.False(gateway.IsPenalised(Attacker));
        }

        var elapsed = await WaitUntil(() => gateways.All(g => g.IsPenalised(Attacker)), TimeSpan.FromSeconds(5), "the summed ban");
        Assert.True(elapsed < Within, $"the summed ban took {elapsed}");
    }

    [Fact]
    public async Task A_gateway_that_starts_later_refuses_the_bans_in_force_and_an_exempt_network_stays_exempt()
    {
        var a = await GatewayAsync();
        var witness = await GatewayAsync();
        for (int i = 0; i < 4; i++)
        {
            a.Penalise(Attacker, LoginFailure.AuthenticationFailed);
        }

        // Once another running gateway has the ban, it is in the database, where a gateway starting now reads it (a
        // fixed 600 ms wait here failed once on a loaded machine).
        await WaitUntil(() => witness.IsPenalised(Attacker), TimeSpan.FromSeconds(5), "the ban to reach the database");
        var late = await GatewayAsync();
        Assert.True(late.IsPenalised(Attacker));
        var exempting = await GatewayAsync("192.0.2.0/24");
        Assert.False(exempting.IsPenalised(Attacker));
    }

    [Fact]
    public async Task Without_the_database_bans_still_hold_where_earned_and_sharing_resumes_when_it_is_back()
    {
        var a = await GatewayAsync();
        var b = await GatewayAsync();
        await postgres.Server.StopAsync();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                a.Penalise(Attacker, LoginFailure.AuthenticationFailed);
            }

            Assert.True(a.IsPenalised(Attacker));
            await Task.Delay(700);
            Assert.False(b.IsPenalised(Attacker)); // nothing to share it through
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        var exchanges = _exchanges.ToArray();
        await WaitUntil(() => exchanges.All(e => e.Listening), TimeSpan.FromSeconds(30), "the exchanges to listen again");
        var other = IPAddress.Parse("198.51.100.9");
        for (int i = 0; i < 4; i++)
        {
            b.Penalise(other, LoginFailure.AuthenticationFailed);
        }

        var elapsed = await WaitUntil(() => a.IsPenalised(other), TimeSpan.FromSeconds(5), "a ban after the outage");
        Assert.True(elapsed < Within, $"a ban after the outage took {elapsed}");
    }
}
