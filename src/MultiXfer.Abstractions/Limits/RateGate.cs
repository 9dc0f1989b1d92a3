using System.Diagnostics;

namespace MultiXfer.Limits;

/// <summary>
/// A rate shared by whoever sends through it (an account's sessions, a host's, one session's transfers). Each send
/// books the next free stretch of time at the rate (a virtual clock, as GCRA does), so senders get turns in arrival
/// order and the long-run rate is exact. Up to <see cref="BurstSeconds"/> of traffic may go ahead of the clock,
/// which absorbs timer granularity without letting an idle account bank a burst; waits come in stretches of at least
/// <see cref="MinimumWaitSeconds"/>, so a paced transfer wakes a few dozen times a second, not once per packet.
/// A sender that comes back after its booking ended, but within <see cref="CatchUpSeconds"/> (a descheduled VM, a
/// slow read), reclaims the stretch it missed where nobody else booked it: one transfer alone on a busy host still
/// gets its rate over the transfer, as ProFTPD's TransferRate (an average since the transfer began) does. The gate
/// cannot tell a stall from a client's pause, so a sender that paused under a second may send what it paused at once:
/// at most <see cref="CatchUpSeconds"/> plus the burst of its rate. A sender later than that was idle, not delayed,
/// and starts on the clock with the burst alone, as a new one does.
/// </summary>
public sealed class RateGate(long bytesPerSecond)
{
    private const double BurstSeconds = 0.1;

    private const double MinimumWaitSeconds = 0.02;

    private const double CatchUpSeconds = 1.0;

    private readonly Lock _lock = new();
    private long _bytesPerSecond = bytesPerSecond;
    private long _clear = Stopwatch.GetTimestamp();

    /// <summary>0: no limit.</summary>
    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _bytesPerSecond);
        set => Interlocked.Exchange(ref _bytesPerSecond, Math.Max(0, value));
    }

    public bool Limits => BytesPerSecond > 0;

    /// <summary>Books <paramref name="bytes"/> and says how long the sender must wait before sending them.</summary>
    /// <param name="bookedUntil">The sender's own track in this gate: where its last booking ended (0: none yet).</param>
    public TimeSpan Reserve(int bytes, ref long bookedUntil)
    {
        long rate = BytesPerSecond;
        if (rate <= 0 || bytes <= 0)
        {
            return TimeSpan.Zero;
        }

        long now = Stopwatch.GetTimestamp();
        long cost = (long)((double)bytes * Stopwatch.Frequency / rate);
        long burst = (long)(BurstSeconds * Stopwatch.Frequency);
        long catchUp = (long)(CatchUpSeconds * Stopwatch.Frequency);
        long resume = bookedUntil != 0 && now - bookedUntil <= catchUp ? Math.Min(bookedUntil, now) : now;
        long wait;
        lock (_lock)
        {
            // The clock never goes back: a late sender only reclaims time the gate left idle.
            _clear = Math.Max(_clear, resume) + cost;
            bookedUntil = _clear;
            wait = _clear - now - burst;
        }

        // Waits shorter than a timer tick are not worth a wakeup each: the debt stays booked, and the send that takes
        // it past MinimumWaitSeconds waits for all of it.
        return wait >= (long)(MinimumWaitSeconds * Stopwatch.Frequency) ? Stopwatch.GetElapsedTime(0, wait) : TimeSpan.Zero;
    }
}
