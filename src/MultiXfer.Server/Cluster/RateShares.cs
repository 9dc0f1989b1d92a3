using System.Data.Common;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Limits;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// An account's transfer rates split between the gateways holding its sessions. Each gateway paces the account at
/// the rate divided by the number of live gateways with a session of it (<c>cluster_sessions</c>), so together they
/// keep to the rate. The number is read when a login of a rate-limited account registers and at every lease renewal;
/// a gateway whose first session of such an account starts, or whose last one ends, announces the account (NOTIFY),
/// and every gateway with sessions of it reads the number again at once. The split follows sessions, not demand: a
/// gateway whose sessions of the account are idle keeps its part unused.
/// </summary>
/// <param name="localKeys">The accounts with sessions on this gateway, each once.</param>
internal sealed partial class RateShares(PostgresDialect database, UsageRegistry usage, Func<IEnumerable<string>> localKeys, ILogger logger)
{
    public const string Channel = "multixfer_rate_shares";

    private const string CountSql = $"""
        SELECT s.usage_key, count(DISTINCT s.node)::integer FROM cluster_sessions s JOIN cluster_nodes n ON n.node = s.node
        WHERE n.lease_until > {ClusterSql.Now} AND s.usage_key = ANY(@keys) GROUP BY s.usage_key
        """;

    private NotificationListener? _announcements;

    public bool Listening => _announcements?.Listening == true;

    /// <summary>Whether <paramref name="key"/>'s account has a rate to split.</summary>
    public bool Applies(string key) => usage.Find(key)?.RateLimited == true;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        _announcements = new NotificationListener(database, Channel, key => _ = RecountAsync([key], announce: [], cancellationToken),
            CatchUpAsync, logger);
        return _announcements.RunAsync(cancellationToken);
    }

    /// <summary>A session of <paramref name="key"/> registered here; <paramref name="first"/>: the first here, announced to the others.</summary>
    public Task JoinedAsync(string key, bool first, CancellationToken cancellationToken) =>
        RecountAsync([key], first ? [key] : [], cancellationToken);

    /// <summary>The last sessions here of <paramref name="keys"/> are gone from the registry: the other gateways take bigger parts.</summary>
    public Task LeftAsync(string[] keys, CancellationToken cancellationToken) => RecountAsync([], keys, cancellationToken);

    /// <summary>The parts of every rate-limited account with sessions here, read again (each renewal).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) =>
        RecountAsync([.. localKeys()], [], cancellationToken);

    private async Task<int> CatchUpAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        return 0;
    }

    /// <summary>Reads the gateways holding each of <paramref name="keys"/> and applies the parts; announces <paramref name="announce"/>.</summary>
    private async Task RecountAsync(string[] keys, string[] announce, CancellationToken cancellationToken)
    {
        keys = [.. keys.Where(Applies)];
        if (keys.Length == 0 && announce.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
            await using var batch = connection.CreateBatch();
            batch.BatchCommands.Add(ClusterSql.Command(CountSql, ("keys", keys)));
            if (announce.Length > 0)
            {
                batch.BatchCommands.Add(ClusterSql.Command($"SELECT pg_notify('{Channel}', k) FROM unnest(@announce) k", ("announce", announce)));
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                usage.Find(reader.GetString(0))?.ShareRates(reader.GetInt32(1));
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            LogRecountFailed(e.Message); // the parts stand until the next renewal
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not read how many gateways share accounts' rates ({Detail})")]
    private partial void LogRecountFailed(string detail);
}
