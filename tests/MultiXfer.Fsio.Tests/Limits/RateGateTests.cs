using System.Diagnostics;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// The shared token bucket behind every rate limit: a reservation books the next stretch of time at the rate, with
/// 0.1 s of burst allowed ahead of the clock, and turns are given in the order senders ask.
/// </summary>
[Collection(nameof(TimingCollection))]
public sealed class RateGateTests
{
    [Fact]
    public void A_second_worth_of_bytes_waits_a_second_less_the_burst()
    {
        var gate = new RateGate(1_000_000);

        var wait = gate.Reserve(1_000_000);

        Assert.InRange(wait.TotalSeconds, 0.85, 0.95);
    }

    [Fact]
    public void Bytes_within_the_burst_go_at_once_and_the_next_ones_wait_their_time()
    {
        var gate = new RateGate(1_000_000);

        Assert.Equal(TimeSpan.Zero, gate.Reserve(100_000));
        Assert.InRange(gate.Reserve(200_000).TotalSeconds, 0.15, 0.25);
    }

    [Fact]
    public void An_unlimited_gate_never_waits()
    {
        var gate = new RateGate(0);
        Assert.False(gate.Limits);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(TimeSpan.Zero, gate.Reserve(int.MaxValue));
        }

        // Lifting a limit (an account's rate set to 0) ends the waiting at once.
        var lifted = new RateGate(1_000);
        Assert.True(lifted.Reserve(10_000) > TimeSpan.Zero);
        lifted.BytesPerSecond = 0;
        Assert.Equal(TimeSpan.Zero, lifted.Reserve(10_000));
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
        var waits = new List<(char Caller, double Seconds)>();
        for (int i = 0; i < 20; i++)
        {
            waits.Add((i % 2 == 0 ? 'A' : 'B', gate.Reserve(Chunk).TotalSeconds));
        }

        for (int i = 1; i < waits.Count; i++)
        {
            Assert.InRange(waits[i].Seconds - waits[i - 1].Seconds, i == 1 ? 0.0 : 0.08, 0.12); // the first is within the burst
        }

        for (double t = 0; t <= 2.0; t += 0.05)
        {
            int a = waits.Count(w => w.Caller == 'A' && w.Seconds <= t);
            int b = waits.Count(w => w.Caller == 'B' && w.Seconds <= t);
            Assert.InRange(a - b, -1, 1);
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
            ready.SignalAndWait();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(1))
            {
                Thread.Sleep(gate.Reserve(Chunk));
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
}
