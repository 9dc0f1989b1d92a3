using System.Diagnostics;
using MultiXfer.Auth;
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
        var user = new UserAccount
        {
            Name = "u1",
            Home = P("/u1"),
            Protocols = new HashSet<string> { Protocols.Ftp },
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
            Limits = new AccountLimits { DownloadBytesPerSecond = 1_000_000 },
        };
        using var session = (await registry.AdmitAsync(user, host, None)).Session!;
        var track = new PaceTrack();
        var clock = Stopwatch.StartNew();
        // 0.6 s: long enough to fall half a second behind on the account's gate, short of the second past which a
        // sender counts as idle and reclaims nothing anyway.
        while (clock.Elapsed < TimeSpan.FromSeconds(0.6))
        {
            await session.PaceAsync(TransferDirection.Download, 10_000, track, None);
        }

        host.Download.BytesPerSecond = 0;

        // 0.5 s at the account's rate, less its 0.1 s burst, with nothing banked from the host's waits: the wait the
        // gate asked for, as multixfer.limit.throttled records it (not how long the timer took to fire).
        int before = waits.Of("multixfer.limit.throttled").Count;
        await session.PaceAsync(TransferDirection.Download, 500_000, track, None);
        var last = waits.Of("multixfer.limit.throttled");
        Assert.Equal(before + 1, last.Count);
        Assert.InRange(last[^1].Value, 0.35, 0.45);
    }
}
