using System.Data.Common;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// A channel every gateway of a PostgreSQL store announces on and listens to (NOTIFY/LISTEN): what one gateway
/// changed in shared state, named in the payload, so the others act on it at once. A gateway that was not listening
/// catches up with <c>caughtUp</c> when it listens again.
/// </summary>
internal sealed partial class ClusterChannel(PostgresDialect database, string channel, Action<string> heard,
    Func<CancellationToken, Task<int>> caughtUp, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private NotificationListener? _listener;
    private Task _listening = Task.CompletedTask;

    /// <summary>True while this gateway hears the channel.</summary>
    public bool Listening => _listener?.Listening == true;

    /// <summary>Cancelled when the channel stops: for the work what it heard starts.</summary>
    public CancellationToken Stopping => _stop.Token;

    public void Start()
    {
        _listener = new NotificationListener(database, channel, heard, (_, token) => caughtUp(token), logger);
        _listening = Task.Run(() => _listener.RunAsync(_stop.Token));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _listening.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Tells every gateway (this one included) about <paramref name="payload"/>; never blocks the caller.</summary>
    public void Announce(string payload) => _ = AnnounceAsync(payload);

    private async Task AnnounceAsync(string payload)
    {
        try
        {
            await using var connection = await database.OpenAsync(_stop.Token);
            await using var command = (NpgsqlCommand)connection.CreateCommand();
            command.CommandText = $"SELECT pg_notify('{channel}', @payload)";
            command.Parameters.Add(new NpgsqlParameter("payload", payload));
            await command.ExecuteNonQueryAsync(_stop.Token);
        }
        catch (Exception e) when (e is DbException or TimeoutException or IOException or OperationCanceledException)
        {
            LogAnnounceFailed(channel, payload, e.Message); // the other gateways catch up by their own means
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not announce {Payload} on {Channel} ({Detail})")]
    private partial void LogAnnounceFailed(string channel, string payload, string detail);
}
