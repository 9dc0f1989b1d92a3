using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// Hard links: the quota counts an inode once however many names it has (as a scan does, and as du and ProFTPD's
/// quotatab do), so a link costs nothing and only the removal of the last name gives the file back.
/// </summary>
public sealed class HardLinkQuotaTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A hard link is a second name for the same inode: it costs nothing, and only the last name's removal frees it.</summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task A_hard_link_adds_nothing_and_only_the_last_name_frees_the_file(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000, QuotaFiles = 10 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);

        await fs.CreateHardLinkAsync(P("/a"), P("/b"), None);
        Assert.Equal((30_000, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync("linked");

        await fs.DeleteFileAsync(P("/a"), None);
        Assert.Equal((30_000, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync("one name left");

        await fs.DeleteFileAsync(P("/b"), None);
        Assert.Equal((0, 0), h.Used());
        await h.AssertTrackedMatchesScanAsync("both gone");
    }

    /// <summary>
    /// A crash-safe overwrite of one name of a hard-linked file gives that name a new inode while the other name keeps
    /// the old one: afterwards the account holds two files (a scan counts two inodes), and both contents' bytes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Overwriting_one_name_of_a_hard_linked_file_counts_the_new_file(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000, QuotaFiles = 10 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 10_000);
        await fs.CreateHardLinkAsync(P("/a"), P("/b"), None);

        await UploadAsync(fs, "/a", 5_000, seed: 1);

        Assert.Equal(Content(10_000), await ReadAllAsync(fs, "/b"));
        Assert.Equal((15_000, 2), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }
}
