using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Fsio;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Runs the crash-leftover sweep at start and then every hour, over every data root in use (the server's and the
/// virtual hosts'): temporaries no upload holds are removed (Server:StaleUploadMinutes is the age rule for storage
/// that cannot lock files, and 0 turns the sweep off).
/// </summary>
internal sealed partial class StaleUploadService(Func<IEnumerable<FileSystemProvider>> storage, int staleMinutes, TimeProvider time, ILogger logger)
    : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (staleMinutes <= 0)
        {
            return;
        }

        // The walk is synchronous underneath; get off the start-up path before it begins.
        await Task.Yield();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var cutoff = time.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(staleMinutes);
                int removed = 0;
                foreach (var files in storage())
                {
                    removed += await files.SweepStaleUploadsAsync(cutoff, stoppingToken);
                }

                if (removed > 0)
                {
                    LogSwept(removed);
                }

                await Task.Delay(Period, time, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "removed {Count} temporaries of uploads cut short by a crash or a kill")]
    private partial void LogSwept(int count);
}
