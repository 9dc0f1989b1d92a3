using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// The file quota (QuotaFiles): files and symbolic links count, directories and upload temporaries do not. A
/// crash-safe upload only becomes a file at its commit, so that is where a new file is refused; replacing a file that
/// exists adds none, so an account at its limit can still update its files.
/// </summary>
public sealed class FileQuotaTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A session view of an account holding three files, its limit.</summary>
    private static async Task<IFileSystem> FillAsync(QuotaHarness h)
    {
        var fs = await h.OpenAsync();
        await fs.CreateDirectoryAsync(P("/dir"), null, None); // directories are not counted
        foreach (string name in new[] { "/a", "/b", "/dir/c" })
        {
            await UploadAsync(fs, name, 1_000);
        }

        Assert.Equal((3_000, 3), h.Used());
        return fs;
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task A_crash_safe_upload_of_one_file_too_many_is_refused_at_its_commit(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaFiles = 3 });
        var fs = await FillAsync(h);

        await using (var upload = await fs.OpenFileAsync(P("/d"), Replace, None))
        {
            await upload.WriteAsync(0, Content(2_000), None);
            await QuotaRefusal(() => upload.CommitAsync(None).AsTask());
        }

        Assert.Null(await TryStatAsync(fs, "/d"));
        Assert.Equal((3_000, 3), h.Used()); // the temporary's bytes went back with it
        Assert.Equal(0, (await h.ScanAsync()).InFlightBytes);
        await h.AssertTrackedMatchesScanAsync();
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task An_exclusive_create_of_one_file_too_many_is_refused_at_the_open(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaFiles = 3 });
        var fs = await FillAsync(h);

        await QuotaRefusal(() => fs.OpenFileAsync(P("/d"), CreateNew, None).AsTask());
        await QuotaRefusal(() => fs.OpenFileAsync(P("/dir/d"), Modify, None).AsTask());

        Assert.Null(await TryStatAsync(fs, "/d"));
        Assert.Null(await TryStatAsync(fs, "/dir/d"));
        Assert.Equal((3_000, 3), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Files_that_exist_can_be_overwritten_at_the_file_limit(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaFiles = 3 });
        var fs = await FillAsync(h);

        await UploadAsync(fs, "/a", 5_000, seed: 1); // crash-safe: a temporary, then a rename over /a
        await UploadAsync(fs, "/dir/c", 2_000, options: Modify, seed: 2); // in place

        Assert.Equal(Content(5_000, seed: 1), await ReadAllAsync(fs, "/a"));
        Assert.Equal((5_000 + 1_000 + 2_000, 3), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Symbolic_links_count_as_files(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaFiles = 3 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 1_000);
        await UploadAsync(fs, "/b", 1_000);

        await fs.CreateSymbolicLinkAsync(P("/link"), "/a", None);
        Assert.Equal((2_000, 3), h.Used());
        await h.AssertTrackedMatchesScanAsync("with the link");

        await QuotaRefusal(() => fs.CreateSymbolicLinkAsync(P("/link2"), "/b", None).AsTask());
        await QuotaRefusal(() => UploadAsync(fs, "/c", 1_000));
        Assert.Null(await TryStatAsync(fs, "/link2"));

        await fs.DeleteFileAsync(P("/link"), None);
        Assert.Equal((2_000, 2), h.Used());
        await UploadAsync(fs, "/c", 1_000);
        Assert.Equal((3_000, 3), h.Used());
        await h.AssertTrackedMatchesScanAsync("link replaced by a file");
    }
}
