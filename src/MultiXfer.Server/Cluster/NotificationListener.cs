using System.Data.Common;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// One PostgreSQL connection held open for LISTEN on a channel, opened again whenever it is lost (backing off to 10 s).
/// After each (re)connect, and before it reports itself <see cref="Listening"/>, <c>caughtUp</c> reads what was
/// announced while nobody listened, so nothing between the old connection and the new one is missed.
/// </summary>
internal sealed partial class NotificationListener(PostgresDialect database, string channel, Action<string> notified,
    Func<NpgsqlConnection, CancellationToken, Task<int>> caughtUp, ILogger logger)
{
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(10);

    /// <summary>True while notifications on the channel arrive here.</summary>
    public bool Listening { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken);
                connection.Notification += (_, e) => notified(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                int read = await caughtUp(connection, cancellationToken);
                Listening = true;
                LogListening(channel, read);
                retry = TimeSpan.FromMilliseconds(500);
                while (true)
                {
                    if (!await connection.WaitAsync(Ping, cancellationToken))
                    {
                        // Quiet for a while: make sure the connection still stands, so a lost one is noticed.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbException or TimeoutException or IOException or InvalidOperationException)
            {
                if (Listening)
                {
                    LogLost(channel, e.Message);
                }

                Listening = false;
                await Task.Delay(retry, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster: listening on {Channel} ({Read} caught up)")]
    private partial void LogListening(string channel, int read);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: lost {Channel} ({Detail}); this gateway goes on alone until the database is back")]
    private partial void LogLost(string channel, string detail);
}
