using MultiXfer.Limits;
using MultiXfer.TestMetrics;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>multixfer.limit.refusals by the limit that refused, and multixfer.limit.throttled for paced waits.</summary>
public sealed class LimitMetricsTests : IDisposable
{
    private const string Refusals = "multixfer.limit.refusals";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TestMeterFactory _meters = new();
    private readonly LimitMetrics _metrics;
    private readonly MeasurementRecorder _recorder;

    public LimitMetricsTests()
    {
        _metrics = new LimitMetrics(_meters);
        _recorder = new MeasurementRecorder(_metrics.Meter);
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task Disk_and_file_quotas_count_their_refusals()
    {
        await using var h = Start("memory", new AccountLimits { QuotaBytes = 10_000, QuotaFiles = 2 }, usage: Usage());
        var fs = await h.OpenAsync();

        await QuotaRefusal(() => UploadAsync(fs, "/big", 20_000));
        await UploadAsync(fs, "/a", 100);
        await UploadAsync(fs, "/b", 100);
        await QuotaRefusal(() => fs.CreateSymbolicLinkAsync(P("/c"), "a", None).AsTask());

        Assert.Equal(["limit=quota_bytes 1", "limit=quota_files 1"], _recorder.Lines(Refusals));
    }

    [Fact]
    public async Task A_daily_refusal_names_the_allowance_with_least_left()
    {
        var clock = new UtcClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var usage = Usage(clock);
        await using var h = Start("memory", new AccountLimits { UploadBytesPerDay = 5_000, TransferBytesPerDay = 8_000 }, clock, usage);
        await h.SeedAsync("/seed", 4_000);
        var fs = await h.OpenAsync();

        await UploadAsync(fs, "/a", 4_000, chunk: 4_000);
        await QuotaRefusal(() => UploadAsync(fs, "/b", 2_000, chunk: 2_000)); // 1,000 up left, 4,000 in total
        await using (var reader = await fs.OpenFileAsync(P("/seed"), FileOpenOptions.ReadOnly, None))
        {
            Assert.Equal(4_000, await reader.ReadAsync(0, new byte[4_000], None)); // 0 left in total now
        }

        await QuotaRefusal(() => UploadAsync(fs, "/c", 500, chunk: 500)); // 1,000 up left, but nothing in total
        await QuotaRefusal(() => ReadAllAsync(fs, "/a"));

        Assert.Equal(["limit=daily_upload 1", "limit=daily_transfer 1", "limit=daily_transfer 1"], _recorder.Lines(Refusals));
    }

    [Fact]
    public async Task The_daily_download_allowance_counts_as_itself()
    {
        var clock = new UtcClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var h = Start("memory", new AccountLimits { DownloadBytesPerDay = 1_000 }, clock, Usage(clock));
        await h.SeedAsync("/a", 2_000);
        var fs = await h.OpenAsync();

        await QuotaRefusal(() => ReadAllAsync(fs, "/a"));

        Assert.Equal(["limit=daily_download 1"], _recorder.Lines(Refusals));
    }

    [Fact]
    public async Task The_session_limit_counts_refused_logins()
    {
        var registry = new UsageRegistry(null, TimeProvider.System, metrics: _metrics);
        var user = UserWith(new AccountLimits { MaxSessions = 1 });

        var first = await registry.AdmitAsync(user, HostLimits.None, None);
        var second = await registry.AdmitAsync(user, HostLimits.None, None);

        Assert.NotNull(first.Session);
        Assert.NotNull(second.Refusal);
        Assert.Equal(["limit=sessions 1"], _recorder.Lines(Refusals));
    }

    [Fact]
    public async Task Paced_waits_count_their_seconds_by_direction()
    {
        var registry = new UsageRegistry(null, TimeProvider.System, metrics: _metrics);
        var user = UserWith(new AccountLimits { UploadBytesPerSecond = 100_000 });
        using var session = (await registry.AdmitAsync(user, HostLimits.None, None)).Session!;

        // The gate's burst lets the first 0.1 s through; the next 0.2 s of bytes wait about that long.
        var uploads = new PaceTrack();
        await session.PaceAsync(TransferDirection.Upload, 10_000, uploads, None);
        await session.PaceAsync(TransferDirection.Upload, 20_000, uploads, None);
        await session.PaceAsync(TransferDirection.Download, 1_000_000, new PaceTrack(), None);

        var waits = _recorder.Of("multixfer.limit.throttled");
        Assert.NotEmpty(waits);
        Assert.All(waits, w => Assert.Equal("upload", w.Tags["direction"]));
        Assert.InRange(waits.Sum(w => w.Value), 0.05, 0.4);
    }

    private AccountUsage Usage(TimeProvider? time = null) => new("u1", time ?? TimeProvider.System, _metrics);
}
