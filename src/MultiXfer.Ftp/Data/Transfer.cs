using System.Diagnostics;

namespace MultiXfer.Ftp.Data;

/// <summary>
/// One running data transfer: its cancellation (ABOR, connection loss, stall), its byte count for STAT and the
/// log, and a watchdog that aborts it when no byte moved for the stall timeout.
/// </summary>
internal sealed class Transfer : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly Timer _watchdog;
    private readonly long _stallTicks;
    private readonly MultiXfer.Limits.PaceTrack _pace = new();
    private long _bytes;
    private long _lastProgress = Stopwatch.GetTimestamp();

    public Transfer(string verb, string target, TimeSpan stallTimeout, CancellationToken connectionClosed)
    {
        Verb = verb;
        Target = target;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        _stallTicks = (long)(stallTimeout.TotalSeconds * Stopwatch.Frequency);
        var period = TimeSpan.FromSeconds(Math.Clamp(stallTimeout.TotalSeconds / 4, 0.25, 30));
        _watchdog = new Timer(static s => ((Transfer)s!).CheckStall(), this, period, period);
    }

    public string Verb { get; }

    public string Target { get; }

    /// <summary>False for a background service command (a checksum): see <c>CommandFlags.AnswersDuringServiceCommand</c>.</summary>
    public bool HasDataConnection { get; init; } = true;

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>This transfer as the session list shows it.</summary>
    public Connections.TransferActivity? Activity { get; set; }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>The session's rates, when it has any to keep (null: move as fast as the link allows).</summary>
    public MultiXfer.Limits.SessionLimits? Limits { get; init; }

    /// <summary>The step to move in <paramref name="direction"/>: <paramref name="unpaced"/>, or a paced chunk when a rate holds.</summary>
    public int StepFor(MultiXfer.Limits.TransferDirection direction, int unpaced) =>
        Limits is { } limits && limits.Paces(direction) ? Math.Min(unpaced, limits.PacedChunk(direction)) : unpaced;

    /// <summary>Waits until <paramref name="bytes"/> may move under the session's rates.</summary>
    public ValueTask PaceAsync(MultiXfer.Limits.TransferDirection direction, int bytes) =>
        Limits is { } limits && limits.Paces(direction) ? limits.PaceAsync(direction, bytes, _pace, Token) : ValueTask.CompletedTask;

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool Aborted { get; private set; }

    public bool Stalled { get; private set; }

    /// <summary>The background task; completes after the final reply has been sent. It never faults.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public void Progress(long bytes)
    {
        Interlocked.Add(ref _bytes, bytes);
        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
    }

    /// <summary>ABOR: stop moving data now.</summary>
    public void Abort()
    {
        Aborted = true;
        Cancel();
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        _cancellation.Dispose();
    }

    private void CheckStall()
    {
        if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastProgress) > _stallTicks)
        {
            Stalled = true;
            Cancel();
        }
    }

    private void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
