using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// Daily transfer allowances (per UTC day): reads are cut to what is left and then refused, a write that would pass
/// the allowance is refused whole, and everything starts again at UTC midnight. The clock starts two minutes before
/// midnight, so advancing it three minutes crosses into the next day.
/// </summary>
public sealed class DailyAllowanceTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset BeforeMidnight = new(2026, 3, 1, 23, 58, 0, TimeSpan.Zero);

    [Fact]
    public async Task Reads_are_cut_to_the_download_allowance_then_refused_until_utc_midnight()
    {
        var clock = new UtcClock(BeforeMidnight);
        await using var h = Start("memory", new AccountLimits { DownloadBytesPerDay = 6_000 }, clock);
        await h.SeedAsync("/a", 10_000);
        var fs = await h.OpenAsync();
        var buffer = new byte[4096];

        await using (var reader = await fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None))
        {
            Assert.Equal(4096, await reader.ReadAsync(0, buffer, None));
            Assert.Equal(6_000 - 4096, await reader.ReadAsync(4096, buffer, None)); // what is left, not the whole buffer
            Assert.Equal(Content(6_000).AsSpan(4096).ToArray(), buffer.AsSpan(0, 6_000 - 4096).ToArray());
            await QuotaRefusal(() => reader.ReadAsync(6_000, buffer, None).AsTask());
        }

        Assert.Equal(6_000, h.Usage.Snapshot().DownloadedToday);
        await QuotaRefusal(() => fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None).AsTask());
        await UploadAsync(fs, "/b", 1_000); // uploads have no allowance here

        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(0, h.Usage.Snapshot().DownloadedToday);
        await using (var reader = await fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None))
        {
            Assert.Equal(4096, await reader.ReadAsync(0, buffer, None));
        }
    }

    [Fact]
    public async Task A_write_that_would_pass_the_upload_allowance_is_refused_until_utc_midnight()
    {
        var clock = new UtcClock(BeforeMidnight);
        await using var h = Start("memory", new AccountLimits { UploadBytesPerDay = 10_000 }, clock);
        var fs = await h.OpenAsync();

        await UploadAsync(fs, "/a", 6_000, chunk: 6_000);
        await QuotaRefusal(() => UploadAsync(fs, "/b", 6_000, chunk: 6_000));
        Assert.Null(await TryStatAsync(fs, "/b"));
        Assert.Equal(6_000, h.Usage.Snapshot().UploadedToday); // the refused write counted nothing

        await UploadAsync(fs, "/c", 4_000, chunk: 4_000); // exactly what was left
        Assert.Equal(10_000, h.Usage.Snapshot().UploadedToday);
        await QuotaRefusal(() => fs.OpenFileAsync(P("/d"), Replace, None).AsTask()); // spent: refused at the open
        Assert.Equal(Content(6_000), await ReadAllAsync(fs, "/a")); // downloads have no allowance here

        clock.Advance(TimeSpan.FromMinutes(3));
        await UploadAsync(fs, "/d", 6_000, chunk: 6_000);
        Assert.Equal(6_000, h.Usage.Snapshot().UploadedToday);
    }

    [Fact]
    public async Task The_transfer_allowance_counts_uploads_and_downloads_together_until_utc_midnight()
    {
        var clock = new UtcClock(BeforeMidnight);
        await using var h = Start("memory", new AccountLimits { TransferBytesPerDay = 10_000 }, clock);
        await h.SeedAsync("/a", 8_000);
        var fs = await h.OpenAsync();
        var buffer = new byte[6_000];

        await using (var reader = await fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None))
        {
            Assert.Equal(6_000, await reader.ReadAsync(0, buffer, None));
        }

        await QuotaRefusal(() => UploadAsync(fs, "/b", 5_000, chunk: 5_000)); // 6,000 down + 5,000 up > 10,000
        await UploadAsync(fs, "/b", 4_000, chunk: 4_000);
        var spent = h.Usage.Snapshot();
        Assert.Equal((4_000, 6_000), (spent.UploadedToday, spent.DownloadedToday));
        await QuotaRefusal(() => fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None).AsTask());
        await QuotaRefusal(() => fs.OpenFileAsync(P("/c"), Replace, None).AsTask());

        clock.Advance(TimeSpan.FromMinutes(3));
        await using (var reader = await fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None))
        {
            Assert.Equal(6_000, await reader.ReadAsync(0, buffer, None));
        }

        await UploadAsync(fs, "/c", 4_000, chunk: 4_000);
    }

    /// <summary>
    /// sendfile(2) moves bytes without ReadAsync seeing them: with a daily download allowance (per direction or in
    /// total) a read handle must not offer its descriptor, or downloads would go uncounted. Without one it should,
    /// so zero-copy sending keeps working on local storage.
    /// </summary>
    [Theory]
    [InlineData("none", true)]
    [InlineData("upload-per-day", true)]
    [InlineData("download-per-second", true)]
    [InlineData("download-per-day", false)]
    [InlineData("transfer-per-day", false)]
    public async Task A_read_handle_offers_its_descriptor_only_when_no_daily_allowance_counts_downloads(string limit, bool offered)
    {
        var limits = limit switch
        {
            "none" => new AccountLimits(),
            "upload-per-day" => new AccountLimits { UploadBytesPerDay = 1_000_000 },
            "download-per-second" => new AccountLimits { DownloadBytesPerSecond = 1_000_000 },
            "download-per-day" => new AccountLimits { DownloadBytesPerDay = 1_000_000 },
            "transfer-per-day" => new AccountLimits { TransferBytesPerDay = 1_000_000 },
            _ => throw new ArgumentOutOfRangeException(nameof(limit)),
        };
        await using var h = Start("local", limits);
        await h.SeedAsync("/a", 1_000);
        var fs = await h.OpenAsync();

        await using var reader = await fs.OpenFileAsync(P("/a"), FileOpenOptions.ReadOnly, None);
        Assert.Equal(offered, reader.OsHandle is not null);
    }
}
