namespace MultiXfer.Server.Cluster;

/// <summary>
/// Items a gateway sends to the shared database in batches, off the caller's path: <see cref="Add"/> never blocks,
/// and one sender takes whatever has gathered (waiting <c>gather</c> after the first, so a burst goes as one batch).
/// Bounded: beyond <c>capacity</c> waiting items, new ones are refused (the caller keeps its own local truth).
/// </summary>
internal sealed class DatabaseOutbox<T>(int capacity, TimeSpan gather)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<T> _items = new();

    // Never disposed: an item added after the sender stopped may still release it.
    private readonly SemaphoreSlim _wake = new(0);
    private int _count;

    /// <summary>Queues <paramref name="item"/>; false when the outbox is full.</summary>
    public bool Add(T item)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _items.Enqueue(item);
        _wake.Release();
        return true;
    }

    /// <summary>
    /// Hands each batch to <paramref name="send"/> until cancelled. A failed send is the sender's to report: the items
    /// are gone (what they change has another repair: a renewal, the local state).
    /// </summary>
    public async Task RunAsync(Func<List<T>, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(cancellationToken);
                if (gather > TimeSpan.Zero)
                {
                    await Task.Delay(gather, cancellationToken);
                }

                // The wakes first, then the queue: an item added in between goes now or wakes the next round.
                while (_wake.CurrentCount > 0)
                {
                    _wake.Wait(0);
                }

                var batch = new List<T>();
                while (_items.TryDequeue(out var item))
                {
                    Interlocked.Decrement(ref _count);
                    batch.Add(item);
                }

                if (batch.Count > 0)
                {
                    await send(batch, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
