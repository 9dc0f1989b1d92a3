using System.Collections.Concurrent;
using MultiXfer.Connections;

namespace MultiXfer.Transport;

/// <summary>
/// Knows every live connection so that a stopping server can drain: first it asks them to finish (transfers in
/// flight complete, idle sessions say goodbye), then after the grace period it aborts whatever is left.
/// </summary>
public sealed class ConnectionTracker : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<ConnectionContext, Task> _active = new();

    public CancellationToken ShutdownRequested => _shutdown.Token;

    public int Count => _active.Count;

    /// <summary>Every live connection, for the admin API's session list and for ending an account's sessions.</summary>
    public IEnumerable<ConnectionContext> Connections => _active.Keys;

    public void Add(ConnectionContext connection, Task running) => _active[connection] = running;

    public void Remove(ConnectionContext connection) => _active.TryRemove(connection, out _);

    /// <summary>Asks every connection to finish, waits up to <paramref name="grace"/>, then aborts the rest.</summary>
    public async Task DrainAsync(TimeSpan grace)
    {
        await _shutdown.CancelAsync();
        var all = Task.WhenAll(_active.Values);
        if (await Task.WhenAny(all, Task.Delay(grace)) == all)
        {
            return;
        }

        foreach (var connection in _active.Keys)
        {
            connection.Abort();
        }

        await Task.WhenAny(Task.WhenAll(_active.Values), Task.Delay(TimeSpan.FromSeconds(5)));
    }

    public void Dispose() => _shutdown.Dispose();
}
