using System.Diagnostics;
using MultiXfer.Limits;
using MultiXfer.TestMetrics;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>A session's three gates together: the time a sender waits on the tightest is not banked in the others.</summary>
[Collection(nameof(TimingCollection))]
public sealed class SessionPacingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// Held to the host's 100 kB/s, a download comes back to its account's 1 MB/s gate long after its booking there
    /// ended (each 10 kB waits 0.1 s on the host's gate, 0.01 s on the account's). That is not lateness to reclaim: once the host's cap is lifted, the account's rate binds at once.
    /// </summary>
    [Fact]
    public async Task Time_waited_on_a_tight_gate_is_not_reclaimed_from_a_looser_one_once_it_is_lifted()
    {
        var host = new HostLimits(new LimitOptions { HostDownloadBytesPerSecond = 100_000 });
        using var meters = new TestMeterFactory();
        var metrics = new LimitMetrics(meters);
        using var waits = new MeasurementRecorder(metrics.Meter);
        var registry = new UsageRegistry(null, TimeProvider.System, metrics: metrics);
        var user = UserWith(new AccountLimits { DownloadBytesPerSecond = 1_000_000 });
        using var session = (await registry.AdmitAsync(user, host, None)).Session!;
        var track = new PaceTrack();
        var clock = Stopwatch.StartNew();
        double releasedAt = 0;
        // 0.8 s: long enough to fall about 0.7 s behind on the account's gate, short of the second past which a
        // sender counts as idle and reclaims nothing anyway.
        while (clock.Elapsed < TimeSpan.FromSeconds(0.8))
        {
            double asked = Seconds();
            releasedAt = asked + await PaceAndReadWaitAsync(session, track, 10_000, waits);
        }

        host.Download.BytesPerSecond = 0;

        // 0.5 s at the account's rate, less its 0.1 s burst, less only how late the sender came back after its last
        // release (a timer that fired late is lateness it may reclaim). Banking the host's waits would leave no wait.
        double late = Seconds() - releasedAt;
        double wait = await PaceAndReadWaitAsync(session, track, 500_000, waits);
        double expected = 0.4 - late;
        Assert.True(expected < 0.05 || Math.Abs(wait - expected) < 0.03, $"waited {wait:F3} s, {late:F3} s after the last release");
    }

    private static double Seconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    /// <summary>Paces <paramref name="bytes"/> and returns the wait the gates asked for (0 when none was recorded).</summary>
    private static async Task<double> PaceAndReadWaitAsync(SessionLimits session, PaceTrack track, int bytes, MeasurementRecorder waits)
    {
        int before = waits.Of("multixfer.limit.throttled").Count;
        await session.PaceAsync(TransferDirection.Download, bytes, track, None);
        var after = waits.Of("multixfer.limit.throttled");
        return after.Count > before ? after[^1].Value : 0;
    }
}
