using MultiXfer.Accounts;
using MultiXfer.Limits;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// Accounts' usage shared by the gateways of one PostgreSQL store. <c>account_usage</c> holds the totals, to which each
/// gateway adds its changes; <c>usage_grants</c> holds what each gateway may still use of an account's quotas and
/// daily allowances. An exchange runs under a per-account advisory lock, and only gateways whose lease runs
/// (<c>cluster_nodes</c>) count, so the totals plus the live grants never pass a limit, and a gateway that dies leaves
/// its room to the others within the lease.
/// </summary>
internal sealed class ClusterUsageLedger(PostgresDialect database, string node) : IUsageLedger
{
    // The session registry's lock is on the bare key; this one is another lock on the same account.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended('usage/' || @key, 0))";

    // The totals after adding the changes; a scan's count replaces the disk figures first. Today's transfers start
    // again on a later day, and a gateway whose clock is still on the day before adds nothing to today's.
    private const string SettleSql = """
        INSERT INTO account_usage AS u (usage_key, used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, scanned_at, disk_counted, updated_at)
        VALUES (@key, greatest(0, @baseBytes + @bytes), greatest(0, @baseFiles + @files), @day, greatest(0, @up), greatest(0, @down),
            @scanned::bigint, @replace, @now)
        ON CONFLICT (usage_key) DO UPDATE SET
            used_bytes = greatest(0, CASE WHEN @replace AND (@repair OR NOT u.disk_counted) THEN @baseBytes ELSE u.used_bytes END + @bytes),
            used_files = greatest(0, CASE WHEN @replace AND (@repair OR NOT u.disk_counted) THEN @baseFiles ELSE u.used_files END + @files),
            uploaded_bytes = CASE WHEN u.day < @day THEN greatest(0, @up) WHEN u.day = @day THEN u.uploaded_bytes + @up ELSE u.uploaded_bytes END,
            downloaded_bytes = CASE WHEN u.day < @day THEN greatest(0, @down) WHEN u.day = @day THEN u.downloaded_bytes + @down ELSE u.downloaded_bytes END,
            day = greatest(u.day, @day),
            scanned_at = CASE WHEN @replace AND (@repair OR NOT u.disk_counted) THEN @scanned::bigint ELSE u.scanned_at END,
            disk_counted = u.disk_counted OR @replace,
            updated_at = @now
        RETURNING used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, disk_counted, scanned_at
        """;

    private const string OthersSql = $"""
        SELECT coalesce(sum(g.bytes), 0)::bigint, coalesce(sum(g.files), 0)::bigint, coalesce(sum(g.uploaded), 0)::bigint,
            coalesce(sum(g.downloaded), 0)::bigint
        FROM usage_grants g JOIN cluster_nodes n ON n.node = g.node
        WHERE g.usage_key = @key AND g.node <> @node AND n.lease_until > {ClusterSql.Now}
        """;

    private const string HeldSql = "SELECT bytes, files, uploaded, downloaded FROM usage_grants WHERE usage_key = @key AND node = @node";

    private const string GrantSql = """
        INSERT INTO usage_grants (usage_key, node, bytes, files, uploaded, downloaded) VALUES (@key, @node, @bytes, @files, @up, @down)
        ON CONFLICT (usage_key, node) DO UPDATE SET bytes = EXCLUDED.bytes, files = EXCLUDED.files, uploaded = EXCLUDED.uploaded,
            downloaded = EXCLUDED.downloaded
        """;

    private readonly SemaphoreSlim _starting = new(1, 1);
    private volatile bool _started;

    public async Task<UsageGrant> ExchangeAsync(UsageExchange exchange, CancellationToken cancellationToken)
    {
        await ForgetEarlierRunAsync(cancellationToken);
        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var scanned = exchange.Scanned;
        batch.BatchCommands.Add(ClusterSql.Command(LockSql, ("key", exchange.Key)));
        batch.BatchCommands.Add(ClusterSql.Command(SettleSql, ("key", exchange.Key), ("day", exchange.Day),
            ("bytes", exchange.Settled.Bytes), ("files", exchange.Settled.Files), ("up", exchange.Settled.Uploaded), ("down", exchange.Settled.Downloaded),
            ("replace", scanned is not null), ("repair", exchange.ScanRepairs),
            ("baseBytes", scanned is { } s ? s.Bytes - s.InFlightBytes : 0L), ("baseFiles", scanned?.Files ?? 0L),
            ("scanned", scanned is null ? DBNull.Value : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            ("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
        batch.BatchCommands.Add(ClusterSql.Command(OthersSql, ("key", exchange.Key), ("node", node)));
        batch.BatchCommands.Add(ClusterSql.Command(HeldSql, ("key", exchange.Key), ("node", node)));

        UsageGrant settled;
        UsageFigures others, held = default;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken); // past the lock
            await reader.ReadAsync(cancellationToken);
            settled = Grant(reader, exchange.Day);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            others = Figures(reader);
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                held = Figures(reader);
            }
        }

        var granted = GrantRule.Grant(exchange, settled.Used, others, held);
        // Nothing held and nothing granted (an account without limits, or an idle one): there is no row to write.
        if (!(granted.IsZero && held.IsZero))
        {
            await using var write = connection.CreateCommand();
            write.Transaction = transaction;
            if (granted.IsZero)
            {
                write.CommandText = "DELETE FROM usage_grants WHERE usage_key = @key AND node = @node";
            }
            else
            {
                write.CommandText = GrantSql;
                write.Parameters.Add(new NpgsqlParameter("bytes", granted.Bytes));
                write.Parameters.Add(new NpgsqlParameter("files", granted.Files));
                write.Parameters.Add(new NpgsqlParameter("up", granted.Uploaded));
                write.Parameters.Add(new NpgsqlParameter("down", granted.Downloaded));
            }

            write.Parameters.Add(new NpgsqlParameter("key", exchange.Key));
            write.Parameters.Add(new NpgsqlParameter("node", node));
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return settled with { Granted = granted };
    }

    public async Task<UsageGrant> CountOnceAsync(string key, long day, Func<CancellationToken, Task<DiskUsage>> scan, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(ClusterSql.Command(LockSql, ("key", key)));
        batch.BatchCommands.Add(ClusterSql.Command(
            "SELECT used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, disk_counted, scanned_at FROM account_usage WHERE usage_key = @key",
            ("key", key)));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken); // past the lock
            if (await reader.ReadAsync(cancellationToken) && reader.GetBoolean(5))
            {
                return Grant(reader, day);
            }
        }

        // Nobody counted it: this gateway does, holding the lock, and every other gateway takes the figures it writes.
        var disk = await scan(cancellationToken);
        await using var write = new NpgsqlCommand("""
            INSERT INTO account_usage AS u (usage_key, used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, scanned_at, disk_counted, updated_at)
            VALUES (@key, @bytes, @files, @day, 0, 0, @now, true, @now)
            ON CONFLICT (usage_key) DO UPDATE SET used_bytes = @bytes, used_files = @files, scanned_at = @now, disk_counted = true, updated_at = @now
            RETURNING used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, disk_counted, scanned_at
            """, connection, transaction);
        foreach (var (name, value) in new (string, object)[]
        {
            ("key", key), ("bytes", Math.Max(0, disk.Bytes - disk.InFlightBytes)), ("files", disk.Files), ("day", day),
            ("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        })
        {
            write.Parameters.Add(new NpgsqlParameter(name, value));
        }

        UsageGrant counted;
        await using (var reader = await write.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            counted = Grant(reader, day);
        }

        await transaction.CommitAsync(cancellationToken);
        return counted;
    }

    /// <summary>
    /// A row of account_usage (used_bytes, used_files, day, uploaded, downloaded, disk_counted, scanned_at) as of
    /// <paramref name="day"/>: totals of an earlier day mean nothing moved today yet, whatever the row says.
    /// </summary>
    private static UsageGrant Grant(NpgsqlDataReader reader, long day)
    {
        bool today = reader.GetInt64(2) == day;
        return new UsageGrant(new UsageFigures(reader.GetInt64(0), reader.GetInt64(1), today ? reader.GetInt64(3) : 0, today ? reader.GetInt64(4) : 0),
            day, default, reader.GetBoolean(5), reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));
    }

    /// <summary>
    /// Before this run's first exchange, the grants an earlier run of the same gateway left (a crash, or a restart
    /// within the lease) go: this run holds nothing yet, and they would keep the room from the others.
    /// </summary>
    private async Task ForgetEarlierRunAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (!_started)
            {
                await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("DELETE FROM usage_grants WHERE node = @node", connection);
                command.Parameters.Add(new NpgsqlParameter("node", node));
                await command.ExecuteNonQueryAsync(cancellationToken);
                _started = true;
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    private static UsageFigures Figures(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
}
