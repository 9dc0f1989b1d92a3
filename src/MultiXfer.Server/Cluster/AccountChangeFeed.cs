using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// Account changes made through any gateway's API, announced to every gateway sharing the database (NOTIFY with the
/// account's name), so each ends the sessions the account no longer admits (a key removed, the account disabled or
/// deleted) and takes its new limits at once, instead of at its next enforcement sweep. A gateway that was not
/// listening sweeps all its sessions' accounts when it listens again, so a change made meanwhile is not missed.
/// </summary>
internal sealed partial class AccountChangeFeed(PostgresDialect database, IAccountStore accounts, SessionControl sessions, QuotaControl quotas,
    AccountEnforcer enforcer, ILogger logger) : IHostedService, IAsyncDisposable
{
    public const string Channel = "multixfer_accounts";

    private readonly CancellationTokenSource _stop = new();
    private NotificationListener? _changes;
    private Task _listener = Task.CompletedTask;

    /// <summary>True while this gateway hears the cluster's account changes.</summary>
    public bool Listening => _changes?.Listening == true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _changes = new NotificationListener(database, Channel, name => _ = ApplyAsync(name), CatchUpAsync, logger);
        _listener = Task.Run(() => _changes.RunAsync(_stop.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _listener.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Tells every gateway (this one included, harmlessly) that <paramref name="name"/> changed; never blocks the change.</summary>
    public void Announce(string name) => _ = AnnounceAsync(name);

    private async Task AnnounceAsync(string name)
    {
        try
        {
            await using var connection = await database.OpenAsync(_stop.Token);
            await using var command = (NpgsqlCommand)connection.CreateCommand();
            command.CommandText = $"SELECT pg_notify('{Channel}', @name)";
            command.Parameters.Add(new NpgsqlParameter("name", name));
            await command.ExecuteNonQueryAsync(_stop.Token);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException or OperationCanceledException)
        {
            LogAnnounceFailed(name, e.Message); // the other gateways' sweeps still catch it
        }
    }

    private async Task ApplyAsync(string name)
    {
        try
        {
            var account = await accounts.GetAsync(name, _stop.Token);
            sessions.EnforceAccount(name, account);
            quotas.AccountChanged(name, account);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException or OperationCanceledException)
        {
            LogApplyFailed(name, e.Message);
        }
    }

    private async Task<int> CatchUpAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await enforcer.SweepAsync(cancellationToken);
        return sessions.LoggedIn.Count();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not announce the change of account {Account} ({Detail})")]
    private partial void LogAnnounceFailed(string account, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not apply the change of account {Account} ({Detail})")]
    private partial void LogApplyFailed(string account, string detail);
}
