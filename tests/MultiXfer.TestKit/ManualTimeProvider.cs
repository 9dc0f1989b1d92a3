namespace MultiXfer.TestKit;

/// <summary>A clock that moves only when a test says so.</summary>
public sealed class ManualTimeProvider(long start = 1_000_000_000, long frequency = 1_000_000_000) : TimeProvider
{
    private long _now = start;

    public override long TimestampFrequency => frequency;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalSeconds * frequency));
}
