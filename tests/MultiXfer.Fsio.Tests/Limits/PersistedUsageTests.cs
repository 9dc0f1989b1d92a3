using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// What is written to the store survives a crash: an upload in flight when the server dies leaves a temporary that
/// the sweep removes at the next start, so its bytes must not be in the persisted figures, or the account would be
/// charged for them forever (until an operator's rescan).
/// </summary>
public sealed class PersistedUsageTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task An_upload_in_flight_at_a_crash_is_not_in_the_persisted_usage(string storage)
    {
        var store = new MemoryUsageStore();
        var registry = new UsageRegistry(store, TimeProvider.System);
        var usage = await registry.GetAsync("u1", None);
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 1_000_000 }, usage: usage);
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 10_000);

        // The crash: opened and written, never committed, never disposed.
        var crashed = await fs.OpenFileAsync(P("/b"), Replace, None);
        try
        {
            await crashed.WriteAsync(0, Content(5_000), None);
            Assert.Equal((15_000, 1), h.Used()); // it counts against the quota while it exists...

            await registry.FlushAsync(None);
            var stored = store.Rows["u1"];
            Assert.Equal((10_000, 1), (stored.Bytes, stored.Files)); // ...but is not persisted

            // After the restart the stored figures are taken as they are, without a scan.
            var restarted = await new UsageRegistry(store, TimeProvider.System).GetAsync("u1", None);
            Assert.True(restarted.DiskKnown);
            Assert.Equal((10_000, 1), (restarted.Snapshot().UsedBytes, restarted.Snapshot().UsedFiles));

            // A scan finds the leftover and counts it as in flight: on the quota while it is there, never persisted.
            var scan = await h.ScanAsync();
            Assert.Equal((15_000, 1, 5_000), (scan.Bytes, scan.Files, scan.InFlightBytes));
            restarted.SetDisk(scan);
            Assert.Equal(15_000, restarted.Snapshot().UsedBytes);
            var changes = restarted.TakeChanges();
            Assert.NotNull(changes);
            Assert.Equal((10_000, 1), (changes.Bytes, changes.Files));
        }
        finally
        {
            await crashed.DisposeAsync();
        }
    }

    /// <summary>A committed upload's bytes stop being in flight: they are the file's now, and persisted.</summary>
    [Fact]
    public async Task A_committed_upload_is_persisted_and_only_changes_are_taken()
    {
        await using var h = Start("memory", new AccountLimits());
        var fs = await h.OpenAsync();
        Assert.NotNull(h.Usage.TakeChanges()); // the first scan's figures
        Assert.Null(h.Usage.TakeChanges());

        await using (var upload = await fs.OpenFileAsync(P("/a"), Replace, None))
        {
            await upload.WriteAsync(0, Content(7_000), None);
            Assert.Equal(0, h.Usage.TakeChanges()!.Bytes);
            await upload.CommitAsync(None);
        }

        var changes = h.Usage.TakeChanges();
        Assert.NotNull(changes);
        Assert.Equal((7_000, 1), (changes.Bytes, changes.Files));
        Assert.Equal(7_000, changes.UploadedBytes);
        Assert.Null(h.Usage.TakeChanges());
    }
}
