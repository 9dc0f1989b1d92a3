using System.Buffers;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// Data the client sent on a channel, waiting for the application to read it. It never holds more than the
/// window we granted, because data beyond the window ends the connection before it gets here; small packets are
/// packed into shared segments, so a client sending one byte per packet costs no more memory than one sending
/// full packets.
/// </summary>
internal sealed class ChannelInput
{
    private readonly Lock _lock = new();
    /// <summary>Small packets fill a segment of at least this size before another is taken.</summary>
    private const int SegmentSize = 16 * 1024;

    private readonly Queue<Segment> _segments = new();
    private Segment? _tail;
    private readonly Action<int> _consumed;
    private int _headConsumed;
    private TaskCompletionSource? _waiter;
    private bool _ended;

    /// <param name="consumed">Told how many bytes the application took, so the window can be reopened.</param>
    public ChannelInput(Action<int> consumed)
    {
        _consumed = consumed;
    }

    /// <summary>Segments holding unread data (tests check the packing).</summary>
    internal int BufferedSegments
    {
        get
        {
            lock (_lock)
            {
                return _segments.Count;
            }
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            if (_tail is { } tail && tail.Buffer.Length - tail.Length >= data.Length)
            {
                data.CopyTo(tail.Buffer.AsSpan(tail.Length));
                tail.Length += data.Length;
            }
            else
            {
                var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, SegmentSize));
                data.CopyTo(buffer);
                _tail = new Segment(buffer, data.Length);
                _segments.Enqueue(_tail);
            }

            waiter = TakeWaiter();
        }

        // The application's read resumes here, on the connection's reader, until it next waits: one thread hand-off
        // less per burst of data (scp -O put: 13 % less time and CPU). It only ever awaits, never blocks on the
        // reader, and what it does synchronously (a file write) is back-pressure the reader would wait for anyway.
        waiter?.TrySetResult();
    }

    /// <summary>The client sent EOF (or the channel closed): reads return what is buffered, then 0.</summary>
    public void End()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _ended = true;
            waiter = TakeWaiter();
        }

        WakeElsewhere(waiter);
    }

    /// <summary>The channel is gone: buffered data is dropped and its memory returned.</summary>
    public void Discard()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _ended = true;
            _headConsumed = 0;
            while (_segments.TryDequeue(out var segment))
            {
                ArrayPool<byte>.Shared.Return(segment.Buffer);
            }

            _tail = null;
            waiter = TakeWaiter();
        }

        WakeElsewhere(waiter);
    }

    /// <summary>
    /// The end of input wakes the application on the thread pool: it then finishes and closes its channel, which must
    /// not run inside the connection's handling of the close or of its own teardown.
    /// </summary>
    private static void WakeElsewhere(TaskCompletionSource? waiter)
    {
        if (waiter is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.TrySetResult(), waiter, preferLocal: false);
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait = Task.CompletedTask;
            int taken = 0;
            lock (_lock)
            {
                if (destination.IsEmpty && (_segments.Count > 0 || _ended))
                {
                    // A zero-byte read waits for data without taking any (as a socket's does), so that an idle
                    // application need not hold a buffer while it waits.
                    return 0;
                }

                // As much as is queued and fits, across packets: one read per burst, not one per SSH packet.
                while (taken < destination.Length && _segments.TryPeek(out var head))
                {
                    int count = Math.Min(destination.Length - taken, head.Length - _headConsumed);
                    head.Buffer.AsSpan(_headConsumed, count).CopyTo(destination.Span[taken..]);
                    taken += count;
                    _headConsumed += count;
                    if (_headConsumed == head.Length)
                    {
                        _segments.Dequeue();
                        ArrayPool<byte>.Shared.Return(head.Buffer);
                        _headConsumed = 0;
                        if (ReferenceEquals(head, _tail))
                        {
                            _tail = null;
                        }
                    }
                }

                if (taken == 0)
                {
                    if (_ended)
                    {
                        return 0;
                    }

                    _waiter ??= new TaskCompletionSource();
                    wait = _waiter.Task;
                }
            }

            if (taken > 0)
            {
                _consumed(taken);
                return taken;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    private TaskCompletionSource? TakeWaiter()
    {
        var waiter = _waiter;
        _waiter = null;
        return waiter;
    }

    private sealed class Segment(byte[] buffer, int length)
    {
        public byte[] Buffer { get; } = buffer;

        /// <summary>Bytes filled; grows while this is the newest segment.</summary>
        public int Length { get; set; } = length;
    }
}
