using System.Diagnostics;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// The shared token bucket behind every rate limit: a reservation books the next stretch of time at the rate, with
/// 0.1 s of burst allowed ahead of the clock, and turns are given in the order senders ask. A sender that comes back
/// late (within a second) reclaims the idle time it missed; one later than that starts afresh.
/// </summary>
[Collection(nameof(TimingCollection))]
public sealed class RateGateTests
{
    [Fact]
    public void A_second_worth_of_bytes_waits_a_second_less_the_burst()
    {
        var gate = new RateGate(1_000_000);
        long track = 0;

        var wait = gate.Reserve(1_000_000, ref track);

        Assert.InRange(wait.TotalSeconds, 0.85, 0.95);
    }

    [Fact]
    public void Bytes_within_the_burst_go_at_once_and_the_next_ones_wait_their_time()
    {
        var gate = new RateGate(1_000_000);
        long track = 0;

        Assert.Equal(TimeSpan.Zero, gate.Reserve(100_000, ref track));
        Assert.InRange(gate.Reserve(200_000, ref track).TotalSeconds, 0.15, 0.25);
    }

    [Fact]
    public void An_unlimited_gate_never_waits()
    {
        var gate = new RateGate(0);
        long track = 0;
        Assert.False(gate.Limits);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(TimeSpan.Zero, gate.Reserve(int.MaxValue, ref track));
        }

        // Lifting a limit (an account's rate set to 0) ends the waiting at once.
        var lifted = new RateGate(1_000);
        Assert.True(lifted.Reserve(10_000, ref track) > TimeSpan.Zero);
        lifted.BytesPerSecond = 0;
        Assert.Equal(TimeSpan.Zero, lifted.Reserve(10_000, ref track));
        lifted.BytesPerSecond = -5;
        Assert.False(lifted.Limits);
    }

    /// <summary>
    /// Two callers alternating their reservations get alternate turns: the waits grow by one chunk's time at each
    /// reservation, so by any moment either caller has been let through at most one chunk more than the other.
    /// </summary>
    [Fact]
    public void Alternating_reservations_of_two_callers_are_served_in_order_so_each_gets_half()
    {
        const int Rate = 100_000;
        const int Chunk = 10_000; // 0.1 s each
        var gate = new RateGate(Rate);
        long a = 0, b = 0;
        var waits = new List<(char Caller, double Seconds)>();
        for (int i = 0; i < 20; i++)
        {
            waits.Add(i % 2 == 0 ? ('A', gate.Reserve(Chunk, ref a).TotalSeconds) : ('B', gate.Reserve(Chunk, ref b).TotalSeconds));
        }

        for (int i = 1; i < waits.Count; i++)
        {
            Assert.InRange(waits[i].Seconds - waits[i - 1].Seconds, i == 1 ? 0.0 : 0.08, 0.12); // the first is within the burst
        }

        for (double t = 0; t <= 2.0; t += 0.05)
        {
            int byA = waits.Count(w => w.Caller == 'A' && w.Seconds <= t);
            int byB = waits.Count(w => w.Caller == 'B' && w.Seconds <= t);
            Assert.InRange(byA - byB, -1, 1);
        }
    }

    /// <summary>
    /// The same with real waiting: two senders sharing a gate for a second each move about half of it, and together
    /// no more than the rate allows. Each sender is a thread of its own that sleeps its waits, so a busy thread pool
    /// cannot starve one of them and make the split look unfair.
    /// </summary>
    [Fact]
    public void Two_senders_sharing_a_gate_each_get_about_half_the_rate()
    {
        const int Rate = 400_000;
        const int Chunk = 4_000;
        var gate = new RateGate(Rate);
        using var ready = new Barrier(2);
        var sent = new long[2];
        var senders = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            long track = 0;
            ready.SignalAndWait();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(1))
            {
                Thread.Sleep(gate.Reserve(Chunk, ref track));
                sent[i] += Chunk;
            }
        })).ToList();
        senders.ForEach(t => t.Start());
        senders.ForEach(t => t.Join());

        double share = (double)sent[0] / (sent[0] + sent[1]);
        Assert.InRange(share, 0.4, 0.6);
        // At most a second at the rate plus the burst, and a chunk or two each sender booked at the end.
        Assert.InRange(sent[0] + sent[1], Rate / 2, (Rate * 1.1) + (4 * Chunk));
    }

    /// <summary>
    /// A sender held up for 0.4 s past its booking (its thread descheduled) gets that stretch back: the next 0.4 s of
    /// bytes go at once, where a sender new to the gate would wait for all but the burst of them.
    /// </summary>
    [Fact]
    public void A_sender_back_late_reclaims_the_stretch_it_missed()
    {
        var gate = new RateGate(1_000_000);
        long late = 0, fresh = 0;
        Assert.Equal(TimeSpan.Zero, gate.Reserve(100_000, ref late));
        Thread.Sleep(TimeSpan.FromSeconds(0.5));

        Assert.Equal(TimeSpan.Zero, gate.Reserve(400_000, ref late));
        // The gate's clock now stands at the late sender's reclaimed booking, about where the moment is.
        Assert.InRange(gate.Reserve(100_000, ref fresh).TotalSeconds, 0.0, 0.1);
        long newcomer = 0;
        Assert.InRange(new RateGate(1_000_000).Reserve(400_000, ref newcomer).TotalSeconds, 0.25, 0.35);
    }

    /// <summary>More than a second past its booking, a sender was idle: it starts on the clock with the burst alone.</summary>
    [Fact]
    public void A_sender_idle_for_over_a_second_reclaims_nothing()
    {
        var gate = new RateGate(1_000_000);
        long idle = 0;
        Assert.Equal(TimeSpan.Zero, gate.Reserve(100_000, ref idle));
        Thread.Sleep(TimeSpan.FromSeconds(1.3));

        Assert.InRange(gate.Reserve(400_000, ref idle).TotalSeconds, 0.25, 0.35);
    }

    /// <summary>A late sender only reclaims what the gate left idle: time another sender booked meanwhile stays theirs.</summary>
    [Fact]
    public void A_late_sender_does_not_reclaim_time_another_sender_booked()
    {
        var gate = new RateGate(1_000_000);
        long late = 0, other = 0;
        Assert.Equal(TimeSpan.Zero, gate.Reserve(100_000, ref late));
        Thread.Sleep(TimeSpan.FromSeconds(0.3));
        long otherAsked = Stopwatch.GetTimestamp();
        var otherWait = gate.Reserve(500_000, ref other);

        long lateAsked = Stopwatch.GetTimestamp();
        var lateWait = gate.Reserve(100_000, ref late);

        // The other sender booked from the moment it came (0.5 s from then); the late one goes 0.1 s after it, not
        // into the idle stretch before it. Measured from when each asked, so a pause between the calls cannot matter.
        Assert.InRange(otherWait.TotalSeconds, 0.35, 0.45);
        double otherGoes = Stopwatch.GetElapsedTime(0, otherAsked).TotalSeconds + otherWait.TotalSeconds;
        double lateGoes = Stopwatch.GetElapsedTime(0, lateAsked).TotalSeconds + lateWait.TotalSeconds;
        Assert.InRange(lateGoes - otherGoes, 0.09, 0.11);
    }
}
