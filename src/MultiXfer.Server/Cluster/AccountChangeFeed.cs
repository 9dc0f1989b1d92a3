using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;

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

    private ClusterChannel? _changes;

    /// <summary>True while this gateway hears the cluster's account changes.</summary>
    public bool Listening => _changes?.Listening == true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _changes = new ClusterChannel(database, Channel, name => _ = ApplyAsync(name), CatchUpAsync, logger);
        _changes.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _changes?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Tells every gateway (this one included, harmlessly) that <paramref name="name"/> changed; never blocks the change.</summary>
    public void Announce(string name) => _changes?.Announce(name);

    private async Task ApplyAsync(string name)
    {
        try
        {
            var account = await accounts.GetAsync(name, _changes!.Stopping);
            sessions.EnforceAccount(name, account);
            quotas.AccountChanged(name, account);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException or OperationCanceledException)
        {
            LogApplyFailed(name, e.Message);
        }
    }

    private async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        await enforcer.SweepAsync(cancellationToken);
        return sessions.LoggedIn.Count();
    }

    public async ValueTask DisposeAsync()
    {
        if (_changes is not null)
        {
            await _changes.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not apply the change of account {Account} ({Detail})")]
    private partial void LogApplyFailed(string account, string detail);
}
