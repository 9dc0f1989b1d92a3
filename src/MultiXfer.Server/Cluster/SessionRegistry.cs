using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Limits;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// The cluster's sessions in PostgreSQL (<c>cluster_nodes</c>, <c>cluster_sessions</c>). A gateway holds a lease it
/// renews every third of <c>Cluster:LeaseSeconds</c>; only sessions of gateways whose lease runs count, so a gateway
/// that dies frees its accounts' slots within the lease. Each renewal also makes the table match what the gateway
/// really holds: rows of sessions that ended go (a delete that failed is repaired), and after a lapsed lease (a
/// partition longer than the lease, whose rows others removed) the live sessions are written back. A registration
/// carries a sequence number, and a renewal removes only rows older than its own look at the live sessions, so a
/// login admitted meanwhile is never taken for an ended one. An admin on any gateway ends a session on another with a
/// NOTIFY that the owning gateway acts on. Given the accounts' usage, it also keeps their rates split between the
/// gateways holding their sessions (<see cref="RateShares"/>).
/// </summary>
internal sealed partial class SessionRegistry(PostgresDialect database, string node, TimeSpan lease, Action<string, string> endSession, ILogger logger,
    UsageRegistry? usage = null)
    : IClusterSessions, IHostedService, IAsyncDisposable
{
    public const string Channel = "multixfer_sessions";

    private const string Now = ClusterSql.Now;

    // Serialised per account (a transaction-scoped advisory lock on its key), then counted in a statement of its own,
    // so that its snapshot sees every registration that took the lock before: two gateways cannot both take the last slot.
    private const string LockAccountSql = "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";

    // A new login on a connection that had one (FTP REIN) has the same id: its row replaces the old one, which it does
    // not count against itself.
    private const string InsertSql = $"""
        INSERT INTO cluster_sessions (node, id, usage_key, account, protocol, client, virtual_host, started_at, seq)
        SELECT @node, @id, @key, @account, @protocol, @client, @host, @started, @seq
        WHERE @max::integer IS NULL OR (SELECT count(*) FROM cluster_sessions s JOIN cluster_nodes n ON n.node = s.node
            WHERE s.usage_key = @key AND n.lease_until > {Now} AND NOT (s.node = @node AND s.id = @id)) < @max::integer
        ON CONFLICT (node, id) DO UPDATE SET usage_key = EXCLUDED.usage_key, account = EXCLUDED.account, protocol = EXCLUDED.protocol,
            client = EXCLUDED.client, virtual_host = EXCLUDED.virtual_host, started_at = EXCLUDED.started_at, seq = EXCLUDED.seq
        """;

    private const string RenewSql = $"""
        INSERT INTO cluster_nodes (node, started_at, lease_until) VALUES (@node, {Now}, {Now} + @lease)
        ON CONFLICT (node) DO UPDATE SET lease_until = EXCLUDED.lease_until
        """;

    private readonly ConcurrentDictionary<string, (ClusterSession Session, long Seq)> _live = new(StringComparer.Ordinal);

    // Registrations take their number and enter _live under this lock, and a renewal reads the counter and copies
    // _live under it: every number up to what a renewal saw is then in its copy, unless that session has ended.
    private readonly Lock _numbering = new();

    // Live sessions per account (usage key), kept with _live under _numbering: whether a session is an account's
    // first or last here, without a walk over every session.
    private readonly Dictionary<string, int> _perAccount = new(StringComparer.Ordinal);

    // Numbers start from this start's clock, so rows a crashed earlier run of the same node left behind are older
    // than anything this run registers, and the first renewal removes them.
    private long _seq = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private int _restorePending;
    // Ended sessions, removed at once; one the outbox refuses (full) or whose removal fails goes at the next renewal,
    // which removes every row that is not live.
    // LastOf: the account whose last session here this was, when its rate is split (announced once the row is gone).
    private readonly DatabaseOutbox<(string Id, long Seq, string? LastOf)> _ended = new(capacity: 100_000, gather: TimeSpan.Zero);
    private readonly CancellationTokenSource _stop = new();
    private NotificationListener? _kicks;
    private Task _renewer = Task.CompletedTask;
    private Task _remover = Task.CompletedTask;
    private Task _listener = Task.CompletedTask;
    private Task _sharesListener = Task.CompletedTask;
    private RateShares? _shares;

    /// <summary>This gateway's name in the registry.</summary>
    public string Node => node;

    /// <summary>True while this gateway hears requests to end its sessions.</summary>
    public bool Listening => _kicks?.Listening == true && _shares?.Listening != false;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _kicks = new NotificationListener(database, Channel, Kicked, static (_, _) => Task.FromResult(0), logger);
        _shares = usage is null ? null : new RateShares(database, usage, AccountsHeld, logger);
        try
        {
            await RenewAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            LogRenewFailed(e.Message); // the renewer keeps trying; logins fail closed meanwhile
        }

        _renewer = Task.Run(() => RenewLoopAsync(_stop.Token));
        _remover = Task.Run(() => _ended.RunAsync(RemoveAsync, _stop.Token));
        _listener = Task.Run(() => _kicks.RunAsync(_stop.Token));
        if (_shares is { } shares)
        {
            _sharesListener = Task.Run(() => shares.RunAsync(_stop.Token));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_renewer, _remover, _listener, _sharesListener).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            // Leaving on purpose: the slots free now rather than when the lease runs out.
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var batch = ((NpgsqlConnection)connection).CreateBatch();
            batch.BatchCommands.Add(ClusterSql.Command("DELETE FROM cluster_sessions WHERE node = @node", ("node", node)));
            batch.BatchCommands.Add(ClusterSql.Command("DELETE FROM usage_grants WHERE node = @node", ("node", node)));
            batch.BatchCommands.Add(ClusterSql.Command("DELETE FROM cluster_nodes WHERE node = @node", ("node", node)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException or OperationCanceledException)
        {
            LogRenewFailed(e.Message); // the lease runs out instead
        }
    }

    public async Task<ClusterRefusal?> RegisterAsync(ClusterSession session, int? maxSessions, CancellationToken cancellationToken)
    {
        // Live before it is written: a renewal that looks now keeps the row this insert may write.
        long seq;
        bool shared = _shares?.Applies(session.UsageKey) == true;
        bool first;
        lock (_numbering)
        {
            seq = ++_seq;
            first = shared && !_perAccount.ContainsKey(session.UsageKey);
            if (_live.TryGetValue(session.Id, out var replaced))
            {
                Count(replaced.Session.UsageKey, -1);
            }

            _live[session.Id] = (session, seq);
            Count(session.UsageKey, +1);
        }

        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var batch = ((NpgsqlConnection)connection).CreateBatch();
            batch.BatchCommands.Add(ClusterSql.Command(LockAccountSql, ("key", session.UsageKey)));
            batch.BatchCommands.Add(ClusterSql.Command(InsertSql, ("node", node), ("id", session.Id), ("key", session.UsageKey), ("account", session.Account),
                ("protocol", session.Protocol), ("client", session.Client), ("host", session.VirtualHost),
                ("started", session.StartedAt.ToUnixTimeMilliseconds()), ("seq", seq), ("max", (object?)maxSessions ?? DBNull.Value)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
            if (batch.BatchCommands[1].RecordsAffected == 0)
            {
                Forget(session.Id, (session, seq));
                return new ClusterRefusal($"too many sessions for {session.Account}: limit {maxSessions} reached on the cluster's gateways together", false);
            }

            if (shared)
            {
                await _shares!.JoinedAsync(session.UsageKey, first, cancellationToken);
            }

            return null;
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            if (maxSessions is null)
            {
                // Nothing to enforce for this account: admitted, and written to the registry once it answers again.
                Volatile.Write(ref _restorePending, 1);
                LogRegisteredLater(session.Account, e.Message);
                return null;
            }

            // A session limit cannot be checked without the other gateways' count: the login fails closed.
            Forget(session.Id, (session, seq));
            LogRegisterFailed(session.Account, e.Message);
            return new ClusterRefusal($"the session registry cannot be reached ({e.Message})", true);
        }
        catch (OperationCanceledException)
        {
            Forget(session.Id, (session, seq));
            throw;
        }
    }

    public void Unregister(string sessionId)
    {
        if (_live.TryGetValue(sessionId, out var ended) && Forget(sessionId, ended))
        {
            string key = ended.Session.UsageKey;
            bool last = _shares?.Applies(key) == true && !HoldsSessionOf(key);
            // Its number goes with it: a later login on the same connection (FTP REIN) has the same id, not the same row.
            _ended.Add((sessionId, ended.Seq, last ? key : null));
        }
    }

    /// <summary>Removes this entry of <paramref name="id"/> (not a later login's on the same connection); false if it was gone.</summary>
    private bool Forget(string id, (ClusterSession Session, long Seq) entry)
    {
        lock (_numbering)
        {
            if (!_live.TryRemove(new KeyValuePair<string, (ClusterSession, long)>(id, entry)))
            {
                return false;
            }

            Count(entry.Session.UsageKey, -1);
            return true;
        }
    }

    /// <summary>Under <see cref="_numbering"/>.</summary>
    private void Count(string key, int change)
    {
        int now = _perAccount.GetValueOrDefault(key) + change;
        if (now > 0)
        {
            _perAccount[key] = now;
        }
        else
        {
            _perAccount.Remove(key);
        }
    }

    /// <summary>The accounts (usage keys) with sessions here.</summary>
    private string[] AccountsHeld()
    {
        lock (_numbering)
        {
            return [.. _perAccount.Keys];
        }
    }

    private bool HoldsSessionOf(string key)
    {
        lock (_numbering)
        {
            return _perAccount.ContainsKey(key);
        }
    }

    /// <summary>The sessions of every gateway whose lease runs, oldest first.</summary>
    public async Task<List<ClusterSession>> ListAsync(string? account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = (NpgsqlCommand)connection.CreateCommand();
        command.CommandText = $"""
            SELECT s.id, s.account, s.usage_key, s.protocol, s.client, s.virtual_host, s.started_at, s.node FROM cluster_sessions s
            JOIN cluster_nodes n ON n.node = s.node WHERE n.lease_until > {Now} AND (@account::text IS NULL OR s.account = @account::text)
            ORDER BY s.started_at, s.node, s.id
            """;
        command.Parameters.Add(new NpgsqlParameter("account", (object?)account ?? DBNull.Value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<ClusterSession>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(new ClusterSession(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetString(7)));
        }

        return sessions;
    }

    /// <summary>Asks the gateway holding session <paramref name="id"/> to end it; false if no live gateway holds it.</summary>
    public async Task<bool> RequestEndAsync(string owner, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = (NpgsqlCommand)connection.CreateCommand();
        command.CommandText = $"""
            SELECT count(*) FROM (SELECT pg_notify('{Channel}', s.node || ' ' || s.id) FROM cluster_sessions s
            JOIN cluster_nodes n ON n.node = s.node WHERE s.node = @node AND s.id = @id AND n.lease_until > {Now}) notified
            """;
        command.Parameters.Add(new NpgsqlParameter("node", owner));
        command.Parameters.Add(new NpgsqlParameter("id", id));
        return await command.ExecuteScalarAsync(cancellationToken) is long notified && notified > 0;
    }

    /// <summary>"NODE ID": this gateway ends the session if the node is this one.</summary>
    private void Kicked(string payload)
    {
        int space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && payload.AsSpan(0, space).SequenceEqual(node))
        {
            endSession(payload[(space + 1)..], "ended by an admin on another gateway");
        }
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await RenewAsync(cancellationToken);
                    if (_shares is { } shares)
                    {
                        await shares.RefreshAsync(cancellationToken);
                    }
                }
                catch (Exception e) when (e is DbException or TimeoutException or IOException)
                {
                    LogRenewFailed(e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The lease, and this gateway's rows made to match its live sessions; dead gateways' rows go.</summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        long seen;
        (ClusterSession Session, long Seq)[] live;
        bool admittedMeanwhile;
        lock (_numbering)
        {
            seen = _seq;
            live = _live.Values.ToArray();
            admittedMeanwhile = Interlocked.Exchange(ref _restorePending, 0) == 1;
        }

        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var batch = ((NpgsqlConnection)connection).CreateBatch();
            // Held with less than a third left counts as lapsed: another gateway's clean-up may be about to take the rows.
            batch.BatchCommands.Add(ClusterSql.Command($"SELECT count(*) FROM cluster_nodes WHERE node = @node AND lease_until > {Now} + @margin",
                ("node", node), ("margin", (long)(lease / 3).TotalMilliseconds)));
            batch.BatchCommands.Add(ClusterSql.Command(RenewSql, ("node", node), ("lease", (long)lease.TotalMilliseconds)));
            batch.BatchCommands.Add(ClusterSql.Command("DELETE FROM cluster_sessions WHERE node = @node AND seq <= @seen AND NOT (id = ANY(@ids))",
                ("node", node), ("seen", seen), ("ids", live.Select(l => l.Session.Id).ToArray())));
            batch.BatchCommands.Add(ClusterSql.Command($"""
                DELETE FROM cluster_sessions s WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.node = s.node AND n.lease_until > {Now})
                """));
            // A dead gateway's grants of quota no longer count (the ledger sums live gateways' only): they go too.
            batch.BatchCommands.Add(ClusterSql.Command($"""
                DELETE FROM usage_grants g WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.node = g.node AND n.lease_until > {Now})
                """));
            batch.BatchCommands.Add(ClusterSql.Command($"DELETE FROM cluster_nodes WHERE lease_until < {Now} - 3600000"));
            bool held;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                held = reader.GetInt64(0) > 0;
            }

            if ((!held || admittedMeanwhile) && live.Length > 0)
            {
                // The lease had lapsed (other gateways may have removed these rows), or sessions were admitted while the
                // registry was away: the sessions are open, so they count again.
                await using var restore = new NpgsqlCommand("""
                    INSERT INTO cluster_sessions (node, id, usage_key, account, protocol, client, virtual_host, started_at, seq)
                    SELECT @node, * FROM unnest(@ids, @keys, @accounts, @protocols, @clients, @hosts, @started, @seqs) ON CONFLICT (node, id) DO NOTHING
                    """, (NpgsqlConnection)connection);
                foreach (var (name, value) in new (string, object)[]
                {
                    ("node", node), ("ids", live.Select(l => l.Session.Id).ToArray()), ("keys", live.Select(l => l.Session.UsageKey).ToArray()),
                    ("accounts", live.Select(l => l.Session.Account).ToArray()), ("protocols", live.Select(l => l.Session.Protocol).ToArray()),
                    ("clients", live.Select(l => l.Session.Client).ToArray()), ("hosts", live.Select(l => l.Session.VirtualHost).ToArray()),
                    ("started", live.Select(l => l.Session.StartedAt.ToUnixTimeMilliseconds()).ToArray()), ("seqs", live.Select(l => l.Seq).ToArray()),
                })
                {
                    restore.Parameters.Add(new NpgsqlParameter(name, value));
                }

                await restore.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch when (admittedMeanwhile)
        {
            Volatile.Write(ref _restorePending, 1); // not written: the next renewal writes them
            throw;
        }
    }

    private async Task RemoveAsync(List<(string Id, long Seq, string? LastOf)> ended, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = (NpgsqlCommand)connection.CreateCommand();
            command.CommandText = """
                DELETE FROM cluster_sessions s USING unnest(@ids, @seqs) AS ended(id, seq)
                WHERE s.node = @node AND s.id = ended.id AND s.seq = ended.seq
                """;
            command.Parameters.Add(new NpgsqlParameter("node", node));
            command.Parameters.Add(new NpgsqlParameter("ids", ended.Select(e => e.Id).ToArray()));
            command.Parameters.Add(new NpgsqlParameter("seqs", ended.Select(e => e.Seq).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (_shares is { } shares && ended.Where(e => e.LastOf is not null).Select(e => e.LastOf!).ToArray() is { Length: > 0 } left)
            {
                // Announced once the rows are gone, so the gateways recounting see this one gone. A session of the
                // account admitted here meanwhile has announced itself already.
                await shares.LeftAsync([.. left.Where(key => !HoldsSessionOf(key))], cancellationToken);
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException)
        {
            LogRenewFailed(e.Message); // the next renewal removes them
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await Task.WhenAll(_renewer, _remover, _listener, _sharesListener).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: login of {Account} admitted unregistered (no session limit to check); the session registry cannot be reached ({Detail})")]
    private partial void LogRegisteredLater(string account, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: login of {Account} refused, its session limit cannot be checked: the session registry cannot be reached ({Detail})")]
    private partial void LogRegisterFailed(string account, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: the session registry cannot be reached ({Detail}); retrying")]
    private partial void LogRenewFailed(string detail);
}
