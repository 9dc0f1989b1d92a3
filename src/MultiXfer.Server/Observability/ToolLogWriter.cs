using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MultiXfer.Server.Observability;

/// <summary>One line of a tool log, written as UTF-8 into the writer's batch (by the writer thread, not the session).</summary>
internal interface IToolLogLine
{
    void WriteTo(ToolLogBatch batch);
}

/// <summary>
/// Hands the xferlog's and the audit log's lines to their file on a writer thread of its own, which wakes at most ten
/// times a second while lines come and not at all while none do. A session pays an enqueue per line and never waits
/// for the disk; beyond <c>capacity</c> queued lines, new ones are dropped and counted. Each batch is formatted into
/// one reused buffer and written with one write(2); fsync(2) follows at most once a second (and at shutdown), so a
/// machine crash loses at most the last second, a process crash nothing that was written.
/// </summary>
/// <remarks>
/// Our own rather than Serilog's file sink: a profile of a 1000-file FTP mirror put Serilog's event dictionary,
/// template rendering and per-event rolling checks at most of the logs' cost, several times what formatting the
/// same lines straight to UTF-8 costs.
/// </remarks>
internal sealed class ToolLogWriter : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FsyncInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<IToolLogLine> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ToolLogFile _file;
    private readonly ToolLogBatch _batch = new();
    private readonly int _capacity;
    private readonly Thread _writer;
    private long _lastFsync;
    private bool _unsynced;
    private int _queued;
    private long _dropped;
    private int _disposed;

    public ToolLogWriter(ToolLogFile file, int capacity)
    {
        _file = file;
        _capacity = capacity;
        _writer = new Thread(Write) { IsBackground = true, Name = "MultiXfer log writer" };
        _writer.Start();
    }

    /// <summary>Lines dropped because the queue was full or the disk refused them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(IToolLogLine line)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref _dropped); // a session ending after shutdown: nobody writes any more
            return;
        }

        int queued = Interlocked.Increment(ref _queued);
        if (queued > _capacity)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _queue.Enqueue(line);
        if (queued == 1)
        {
            // The first line after the writer emptied the queue: it wakes once, gathers for a tick, writes the lot.
            _wake.Release();
        }
    }

    /// <summary>
    /// The writer's own thread, not a pool worker: a pool worker blocked in write and fsync made the pool wake another
    /// worker for the sessions' socket work meanwhile, which cost more than the writing.
    /// </summary>
    private void Write()
    {
        try
        {
            while (true)
            {
                // Idle, the writer sleeps without a timer; busy, it writes at most every Interval. It waits only when
                // nothing is counted: a line counted while the last drain ran (so its Add saw no 0 to 1 and woke
                // nobody) must not be left waiting for a wake that never comes.
                if (Volatile.Read(ref _queued) == 0)
                {
                    _wake.Wait(_stop.Token);
                }

                if (Volatile.Read(ref _queued) < _capacity / 2 && _stop.Token.WaitHandle.WaitOne(Interval))
                {
                    return; // Stopping: Dispose drains what is left.
                }

                Drain(finalDrain: false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: Dispose drains what is left.
        }
    }

    /// <summary>Runs on the writer thread, or at shutdown once that thread has ended: never two at once.</summary>
    private void Drain(bool finalDrain)
    {
        int lines = 0;
        while (_queue.TryDequeue(out var line))
        {
            Interlocked.Decrement(ref _queued);
            int before = _batch.WrittenSpan.Length;
            try
            {
                line.WriteTo(_batch);
                lines++;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // A line that cannot be written (text no encoder takes) is dropped whole; the writer goes on.
                _batch.Truncate(before);
                Interlocked.Increment(ref _dropped);
            }
        }

        try
        {
            _file.Append(_batch.WrittenSpan);
            _unsynced |= lines > 0;
            long now = Environment.TickCount64;
            if (_unsynced && (finalDrain || now - _lastFsync >= FsyncInterval.TotalMilliseconds))
            {
                _file.FlushToDisk();
                _lastFsync = now;
                _unsynced = false;
            }
        }
        catch (IOException)
        {
            // A full or failing disk loses this batch, as a full queue would; the writer goes on.
            Interlocked.Add(ref _dropped, lines);
        }
        catch (UnauthorizedAccessException)
        {
            Interlocked.Add(ref _dropped, lines);
        }

        _batch.Clear();
    }

    /// <summary>Writes what is queued, syncs and closes the file (at shutdown).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _writer.Join();
        Drain(finalDrain: true);
        _file.Dispose();
        _stop.Dispose();
        // The semaphore is left to the collector: a late Add may still release it.
    }
}

/// <summary>The writer's buffer for one batch, reused: a large batch grows it once, and it shrinks back after.</summary>
internal sealed class ToolLogBatch : IBufferWriter<byte>
{
    private const int Retained = 64 * 1024;

    /// <summary>Names and paths stay readable UTF-8; quotes, backslashes and control characters are escaped (RFC 8259 section 7).</summary>
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private ArrayBufferWriter<byte> _buffer = new(Retained);
    private Utf8JsonWriter? _json;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Advance(int count) => _buffer.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    /// <summary>Back to <paramref name="length"/> bytes: what a failed line wrote goes (rare, so a copy is fine).</summary>
    public void Truncate(int length)
    {
        byte[] kept = WrittenSpan[..length].ToArray();
        _json?.Reset(this);
        _buffer.ResetWrittenCount();
        kept.CopyTo(_buffer.GetSpan(kept.Length));
        _buffer.Advance(kept.Length);
    }

    public void Clear()
    {
        if (_buffer.Capacity > 4 * Retained)
        {
            _buffer = new ArrayBufferWriter<byte>(Retained);
        }
        else
        {
            _buffer.ResetWrittenCount();
        }
    }

    /// <summary>A JSON writer at the end of the batch, for one object; <see cref="EndJsonLine"/> ends its line.</summary>
    public Utf8JsonWriter BeginJsonLine()
    {
        _json ??= new Utf8JsonWriter(this, JsonOptions);
        _json.Reset(this);
        return _json;
    }

    public void EndJsonLine()
    {
        _json!.Flush();
        GetSpan(1)[0] = (byte)'\n';
        Advance(1);
    }

    /// <summary>Text as UTF-8, then a newline.</summary>
    public void WriteLine(ReadOnlySpan<char> text)
    {
        var span = GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
        int written = System.Text.Encoding.UTF8.GetBytes(text, span);
        span[written] = (byte)'\n';
        Advance(written + 1);
    }
}
