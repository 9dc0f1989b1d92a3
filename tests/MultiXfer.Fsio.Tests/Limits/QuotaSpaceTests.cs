using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>An account with a quota sees it as the size of its file system (statvfs, `df` in sftp, FTP AVBL).</summary>
public sealed class QuotaSpaceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Space_reports_the_quota_as_the_total_and_what_is_left_of_it_as_available(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000, QuotaFiles = 10 });
        var fs = await h.OpenAsync();
        await fs.CreateDirectoryAsync(P("/dir"), null, None);
        await UploadAsync(fs, "/a", 30_000);
        await UploadAsync(fs, "/dir/b", 10_000);

        var space = await fs.GetSpaceAsync(P("/dir"), None);

        Assert.Equal(100_000, space.TotalBytes);
        Assert.Equal(60_000, space.AvailableBytes);
        Assert.Equal(60_000, space.FreeBytes);
        Assert.Equal(10, space.TotalInodes);
        Assert.Equal(8, space.FreeInodes);
    }

    /// <summary>Limits lowered below what the account holds: nothing is available, never a negative figure.</summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task An_account_over_its_quota_has_nothing_available(string storage)
    {
        await using var h = Start(storage, new AccountLimits());
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);
        await UploadAsync(fs, "/b", 1_000);
        h.Usage.Apply(new AccountLimits { QuotaBytes = 20_000, QuotaFiles = 1 });

        var space = await fs.GetSpaceAsync(VirtualPath.Root, None);

        Assert.Equal((20_000, 0, 0), (space.TotalBytes, space.AvailableBytes, space.FreeBytes));
        Assert.Equal((1, 0), (space.TotalInodes, space.FreeInodes));
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Without_a_quota_the_storage_figures_are_shown(string storage)
    {
        await using var h = Start(storage, new AccountLimits());
        var fs = await h.OpenAsync();

        var space = await fs.GetSpaceAsync(VirtualPath.Root, None);
        var storageSpace = await (await h.OpenUncountedAsync()).GetSpaceAsync(VirtualPath.Root, None);

        Assert.Equal(storageSpace.TotalBytes, space.TotalBytes);
        Assert.Equal(storageSpace.TotalInodes, space.TotalInodes);
    }
}
