using System.Data.Common;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Connections;
using MultiXfer.Transport.Admission;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// Per-source penalties added up by every gateway sharing one PostgreSQL account store. Each gateway keeps penalising
/// on its own (<see cref="SourcePenalties"/>) and sends what it added, gathered for at most 200 ms, to the
/// <c>source_penalties</c> table, which sums them with the same rule in the database's clock; a source whose sum
/// reaches the minimum is announced with NOTIFY, and every gateway LISTENing refuses it from then on. A gateway that
/// (re)connects reads the bans in force first. Without the database, each gateway goes on alone: penalties still
/// hold where they were earned, and the sums resume when it is back.
/// </summary>
internal sealed partial class PenaltyExchange(PostgresDialect database, SourcePenalties penalties, PenaltyOptions options, ILogger logger)
    : IPenaltyShare, IHostedService, IAsyncDisposable
{
    public const string Channel = "multixfer_penalties";

    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);
    private const int MaxPending = 10_000;

    // The sum as SourcePenalties keeps it (an expired penalty starts again from now; at most the maximum ahead;
    // active once the outstanding time reaches the minimum, until it expires), in milliseconds of the database's clock.
    private const string AddSql = """
        WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now),
        added AS (
            INSERT INTO source_penalties AS p (source, expires_at, active)
            SELECT @source, now + LEAST(@add, @max), LEAST(@add, @max) >= @min FROM clock
            ON CONFLICT (source) DO UPDATE SET
                expires_at = LEAST(GREATEST(p.expires_at, (SELECT now FROM clock)) + @add, (SELECT now FROM clock) + @max),
                active = (p.active AND p.expires_at > (SELECT now FROM clock))
                    OR LEAST(GREATEST(p.expires_at, (SELECT now FROM clock)) + @add, (SELECT now FROM clock) + @max) - (SELECT now FROM clock) >= @min
            RETURNING p.source, p.expires_at, p.active)
        SELECT pg_notify('multixfer_penalties', added.source || ' ' || (added.expires_at - clock.now))
        FROM added, clock WHERE added.active
        """;

    private const string InForceSql = """
        SELECT source, expires_at - (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM source_penalties
        WHERE active AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint
        """;

    private const string PruneSql =
        "DELETE FROM source_penalties WHERE expires_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 3600000";

    // A flood the database cannot take is refused here: this gateway's own count still holds.
    private readonly DatabaseOutbox<(IPAddress Source, int Seconds)> _outbox = new(MaxPending, Gather);
    private readonly CancellationTokenSource _stop = new();
    private long _lastPrune = Environment.TickCount64;
    private Task _sender = Task.CompletedTask;
    private Task _listener = Task.CompletedTask;
    private NotificationListener? _bans;

    /// <summary>True while this gateway hears the cluster's bans.</summary>
    public bool Listening => _bans?.Listening == true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        penalties.Share = this;
        _bans = new NotificationListener(database, Channel, Apply, ReadInForceAsync, logger);
        _sender = Task.Run(() => _outbox.RunAsync(SendAsync, _stop.Token));
        _listener = Task.Run(() => _bans.RunAsync(_stop.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        penalties.Share = null;
        await _stop.CancelAsync();
        await Task.WhenAll(_sender, _listener).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Added(IPAddress source, int seconds) => _outbox.Add((source, seconds));

    /// <summary>One round: the seconds added per source, summed, as one batch of upserts.</summary>
    private async Task SendAsync(List<(IPAddress Source, int Seconds)> penalties, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<IPAddress, long>();
        foreach (var (source, seconds) in penalties)
        {
            sums[source] = sums.GetValueOrDefault(source) + (seconds * 1000L);
        }

        try
        {
            await AddAsync(sums, cancellationToken);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            LogSendFailed(sums.Count, e.Message);
        }
    }

    private async Task AddAsync(Dictionary<IPAddress, long> sums, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
        await using var batch = connection.CreateBatch();
        // Row locks taken in one order by every gateway: two batches naming the same sources cannot deadlock.
        foreach (var (source, milliseconds) in sums.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(AddSql)
            {
                Parameters =
                {
                    new NpgsqlParameter("source", source.ToString()),
                    new NpgsqlParameter("add", milliseconds),
                    new NpgsqlParameter("min", options.MinimumSeconds * 1000L),
                    new NpgsqlParameter("max", options.MaximumSeconds * 1000L),
                },
            });
        }

        if (Environment.TickCount64 - _lastPrune > PruneEvery.TotalMilliseconds)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(PruneSql));
            _lastPrune = Environment.TickCount64;
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<int> ReadInForceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InForceSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        int count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (IPAddress.TryParse(reader.GetString(0), out var source))
            {
                penalties.Impose(source, TimeSpan.FromMilliseconds(reader.GetInt64(1)));
                count++;
            }
        }

        return count;
    }

    /// <summary>"SOURCE MILLISECONDS-LEFT", as the database announces a ban.</summary>
    private void Apply(string payload)
    {
        int space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && IPAddress.TryParse(payload.AsSpan(0, space), out var source)
            && long.TryParse(payload.AsSpan(space + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long milliseconds))
        {
            penalties.Impose(source, TimeSpan.FromMilliseconds(milliseconds));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await Task.WhenAll(_sender, _listener).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "penalties: {Sources} sources' penalties not shared with the cluster ({Detail}); they still hold here")]
    private partial void LogSendFailed(int sources, string detail);
}
