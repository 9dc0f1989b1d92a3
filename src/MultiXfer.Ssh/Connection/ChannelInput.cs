using System.Buffers;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// Data the client sent on a channel, waiting for the application to read it. It never holds more than the
/// window we granted, because data beyond the window ends the connection before it gets here.
/// </summary>
internal sealed class ChannelInput
{
    private readonly Lock _lock = new();
    private readonly Queue<Segment> _segments = new();
    private readonly Action<int> _consumed;
    private int _headConsumed;
    private TaskCompletionSource? _waiter;
    private bool _ended;

    /// <param name="consumed">Told how many bytes the application took, so the window can be reopened.</param>
    public ChannelInput(Action<int> consumed)
    {
        _consumed = consumed;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_ended)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return;
            }

            _segments.Enqueue(new Segment(buffer, data.Length));
            waiter = TakeWaiter();
        }

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

        waiter?.TrySetResult();
    }

    /// <summary>The channel is gone: buffered data is dropped and its memory returned.</summary>
    public void Discard()
    {
        lock (_lock)
        {
            _ended = true;
            _headConsumed = 0;
            while (_segments.TryDequeue(out var segment))
            {
                ArrayPool<byte>.Shared.Return(segment.Buffer);
            }

            TakeWaiter()?.TrySetResult();
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
                    }
                }

                if (taken == 0)
                {
                    if (_ended)
                    {
                        return 0;
                    }

                    _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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

    private readonly record struct Segment(byte[] Buffer, int Length);
}
