using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Limits;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Writes accounts' changed usage to the store every couple of seconds and once more when the server stops, so a
/// restart keeps the quota figures; a crash loses at most the last period's changes, which a quota scan repairs.
/// Shared usage with a grant is also settled a quarter of a second after the account's last open file here closes,
/// so the grant goes back to the other gateways.
/// </summary>
internal sealed partial class UsageFlushService(UsageRegistry usage, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await usage.WaitForWorkAsync(Period, stoppingToken);
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the final flush follows.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await usage.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFlushFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not store accounts' usage (retried with the next change): {Detail}")]
    private partial void LogFlushFailed(string detail);
}
