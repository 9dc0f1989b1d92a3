namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// Wall-clock time that moves only when a test says so. The test kit's ManualTimeProvider moves only the
/// timestamp, and daily allowances roll over by <see cref="TimeProvider.GetUtcNow"/>, so they need this one.
/// </summary>
internal sealed class UtcClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
