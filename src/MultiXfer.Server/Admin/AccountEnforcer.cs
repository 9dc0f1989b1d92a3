using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth.Accounts;

namespace MultiXfer.Server.Admin;

/// <summary>
/// Re-reads the accounts of live sessions now and then and ends the sessions their account no longer admits. The
/// API applies its own changes at once; this catches what it cannot see: an expiry time passing, the offline CLI,
/// another gateway sharing the database.
/// </summary>
internal sealed partial class AccountEnforcer(IAccountStore store, SessionControl sessions, TimeSpan interval, TimeProvider time,
    ILogger<AccountEnforcer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var names = sessions.LoggedIn.Where(s => s.Activity.User!.FromAccountStore).Select(s => s.Activity.User!.Name).Distinct(StringComparer.Ordinal).ToList();
        foreach (string name in names)
        {
            try
            {
                sessions.EnforceAccount(name, await store.GetAsync(name, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database being away for a moment ends nobody's session.
                LogSweepFailed(name, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not check the account of {UserName}'s sessions: {Reason}")]
    private partial void LogSweepFailed(string userName, string reason);
}
