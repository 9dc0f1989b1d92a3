using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.File;

namespace MultiXfer.Server.Observability;

/// <summary>
/// Hands the xferlog's and the audit log's events to their file on a writer thread that wakes at most ten times a
/// second while events come, and not at all while none do, rather than once per event (Serilog.Sinks.Async wakes its
/// thread for every event: measured on 2 cores, about 275 µs of server CPU per file in a 1000-file mirror). A session
/// never waits for the disk. Beyond <c>capacity</c> queued events, new ones are dropped and counted. A buffered file
/// sink is flushed once per batch: one write and one fsync per tick instead of a write per line.
/// </summary>
internal sealed class BatchingSink : ILogEventSink, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<LogEvent> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogEventSink _file;
    private readonly int _capacity;
    private readonly Thread _writer;
    private int _queued;
    private long _dropped;
    private int _disposed;

    public BatchingSink(ILogEventSink file, int capacity)
    {
        _file = file;
        _capacity = capacity;
        _writer = new Thread(Write) { IsBackground = true, Name = "MultiXfer log writer" };
        _writer.Start();
    }

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        int queued = Interlocked.Increment(ref _queued);
        if (queued > _capacity)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _queue.Enqueue(logEvent);
        if (queued == 1)
        {
            // The first event after the writer emptied the queue: it wakes once, gathers for a tick, writes the lot.
            _wake.Release();
        }
    }

    /// <summary>
    /// The writer's own thread, not a pool worker: a pool worker blocked in the file's write and fsync made the pool
    /// wake another worker for the sessions' socket work meanwhile, which cost more than the writing (measured in a
    /// 1000-file FTP mirror as extra futex wakeups and CPU).
    /// </summary>
    private void Write()
    {
        try
        {
            while (true)
            {
                // Idle, the writer sleeps without a timer; busy, it writes at most every Interval.
                _wake.Wait(_stop.Token);
                if (Volatile.Read(ref _queued) < _capacity / 2 && _stop.Token.WaitHandle.WaitOne(Interval))
                {
                    return; // Stopping: Dispose drains what is left.
                }

                Drain();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: Dispose drains what is left.
        }
    }

    /// <summary>Runs on the writer thread, or at shutdown once that thread has ended: never two at once.</summary>
    private void Drain()
    {
        bool wrote = false;
        while (_queue.TryDequeue(out var logEvent))
        {
            Interlocked.Decrement(ref _queued);
            try
            {
                _file.Emit(logEvent);
                wrote = true;
            }
            catch (IOException)
            {
                // A full or failing disk loses this event, as a full queue would; the writer goes on.
                Interlocked.Increment(ref _dropped);
            }
        }

        if (wrote && _file is IFlushableFileSink buffered)
        {
            try
            {
                buffered.FlushToDisk();
            }
            catch (IOException)
            {
                // The disk failed under the batch; the next batch tries again.
            }
        }
    }

    /// <summary>Writes what is queued and closes the file (at shutdown; the logger over it disposes it too).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _writer.Join();
        Drain();
        (_file as IDisposable)?.Dispose();
        _wake.Dispose();
        _stop.Dispose();
    }
}
