using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// The byte quota as a session sees it, through FileSystemProvider.OpenAsync (the real path: the limits sit below
/// the session layer and see its crash-safe upload temporaries). Every test ends with the tracked figures equal to a
/// fresh scan, because a quota that drifts from the disk refuses too much or lets too much through.
/// </summary>
public sealed class DiskQuotaTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Uploads_that_fit_commit_and_count_their_bytes_and_files(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000 });
        var fs = await h.OpenAsync();

        await UploadAsync(fs, "/a", 30_000);
        await UploadAsync(fs, "/b", 70_000); // exactly up to the quota

        Assert.Equal((100_000, 2), h.Used());
        Assert.Equal(Content(70_000), await ReadAllAsync(fs, "/b"));
        await h.AssertTrackedMatchesScanAsync();
    }

    /// <summary>
    /// The refusal comes at the write that would pass the quota (bytes are reserved before they are written), the
    /// crash-safe upload's temporary is discarded with its bytes, and nothing appears under the final name.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task An_upload_that_would_pass_the_quota_fails_at_the_write_and_leaves_nothing(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 60_000);
        var before = h.Used();

        byte[] content = Content(64 * 1024);
        long written = 0;
        await using (var upload = await fs.OpenFileAsync(P("/b"), Replace, None))
        {
            await QuotaRefusal(async () =>
            {
                for (; written < content.Length; written += 16 * 1024)
                {
                    await upload.WriteAsync(written, content.AsMemory((int)written, 16 * 1024), None);
                }
            });

            // 40,000 bytes were left: two 16 KiB writes fit, the third would pass the quota.
            Assert.Equal(2 * 16 * 1024, written);
            await Assert.ThrowsAsync<FsException>(() => upload.CommitAsync(None).AsTask());
        }

        Assert.Null(await TryStatAsync(fs, "/b"));
        Assert.Equal(before, h.Used());
        var scan = await h.ScanAsync();
        Assert.Equal(0, scan.InFlightBytes); // the temporary is gone, not left for the sweep
        await h.AssertTrackedMatchesScanAsync();

        // Nothing leaked: what is left can still be used to the last byte.
        await UploadAsync(fs, "/b", 40_000);
        Assert.Equal((100_000, 2), h.Used());
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Deleting_a_file_frees_its_bytes_and_its_file_at_once(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 50_000, QuotaFiles = 2 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);
        await UploadAsync(fs, "/b", 20_000);

        await fs.DeleteFileAsync(P("/a"), None);

        Assert.Equal((20_000, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync();
        await UploadAsync(fs, "/c", 30_000); // the freed room is usable at once, bytes and file
    }

    /// <summary>
    /// While a crash-safe overwrite runs, old and new content are both on disk and both count; the commit frees the
    /// old file's bytes, leaving the new size and still one file.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Overwriting_a_file_frees_the_old_size_at_commit(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);

        await using (var upload = await fs.OpenFileAsync(P("/a"), Replace, None))
        {
            await upload.WriteAsync(0, Content(20_000, seed: 1), None);
            Assert.Equal((50_000, 1), h.Used());
            await h.AssertTrackedMatchesScanAsync("during the upload");
            await upload.CommitAsync(None);
        }

        Assert.Equal((20_000, 1), h.Used());
        Assert.Equal(Content(20_000, seed: 1), await ReadAllAsync(fs, "/a"));
        await h.AssertTrackedMatchesScanAsync("after the commit");
    }

    /// <summary>
    /// Lengths and offsets a peer names near 2^63 must not wrap the usage sum: without the check a SETSTAT size of
    /// long.MaxValue, refused by the storage afterwards, left the account's usage at zero.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Lengths_and_offsets_near_the_end_of_a_long_are_refused_and_leave_the_usage_as_it_was(string storage)
    {
        await using var h = Start(storage, new AccountLimits());
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);
        // Another file, so the account holds more than /a: the growth to long.MaxValue then passes what a long holds.
        await UploadAsync(fs, "/b", 10_000);

        // Refused by the quota layer or by the storage after it (file too large, no space): either way, refused.
        await Assert.ThrowsAsync<FsException>(() => fs.SetLengthAsync(P("/a"), long.MaxValue, None).AsTask());
        Assert.Equal((40_000, 2), h.Used());
        await using (var handle = await fs.OpenFileAsync(P("/a"), Modify, None))
        {
            // The write first: a refused truncation poisons the handle (UploadHandle), and later calls repeat its error.
            await QuotaRefusal(() => handle.WriteAsync(long.MaxValue - 10, Content(4096), None).AsTask());
        }

        await using (var handle = await fs.OpenFileAsync(P("/a"), Modify, None))
        {
            await Assert.ThrowsAsync<FsException>(() => handle.SetLengthAsync(long.MaxValue, None).AsTask());
        }

        Assert.Equal((40_000, 2), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Growing_a_file_by_truncate_beyond_the_quota_is_refused(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 50_000 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 30_000);

        await QuotaRefusal(() => fs.SetLengthAsync(P("/a"), 50_001, None).AsTask());
        Assert.Equal(30_000, (await fs.GetStatusAsync(P("/a"), true, None)).Size);
        Assert.Equal((30_000, 1), h.Used());

        // Through an open handle (SFTP fsetstat) the same.
        await using (var handle = await fs.OpenFileAsync(P("/a"), Modify, None))
        {
            await QuotaRefusal(() => handle.SetLengthAsync(60_000, None).AsTask());
        }

        Assert.Equal(30_000, (await fs.GetStatusAsync(P("/a"), true, None)).Size);
        Assert.Equal((30_000, 1), h.Used());

        await fs.SetLengthAsync(P("/a"), 50_000, None);
        Assert.Equal((50_000, 1), h.Used());
        await fs.SetLengthAsync(P("/a"), 10_000, None);
        Assert.Equal((10_000, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }

    /// <summary>Append handles write at the end whatever offset they are given: the growth counted is the real one.</summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Appended_bytes_count_and_an_append_past_the_quota_is_refused(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 25_000 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 10_000);

        await using (var handle = await fs.OpenFileAsync(P("/a"), Append, None))
        {
            await handle.WriteAsync(0, Content(5_000), None);
            await handle.WriteAsync(0, Content(5_000), None);
            await handle.CommitAsync(None);
        }

        Assert.Equal((20_000, 1), h.Used());
        Assert.Equal(20_000, (await fs.GetStatusAsync(P("/a"), true, None)).Size);

        await using (var handle = await fs.OpenFileAsync(P("/a"), Append, None))
        {
            await QuotaRefusal(() => handle.WriteAsync(0, Content(6_000), None).AsTask());
        }

        Assert.Equal(20_000, (await fs.GetStatusAsync(P("/a"), true, None)).Size);
        Assert.Equal((20_000, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }

    /// <summary>
    /// A write of no bytes at an offset past the end (an SFTP WRITE with empty data) extends nothing on POSIX
    /// storage (pwrite(2) of 0 bytes), so it must not be charged as growth up to that offset.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task An_empty_write_past_the_end_is_charged_what_it_adds_to_the_file(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000 });
        var fs = await h.OpenAsync();
        await UploadAsync(fs, "/a", 1_000);

        await using (var handle = await fs.OpenFileAsync(P("/a"), Modify, None))
        {
            await handle.WriteAsync(50_000, ReadOnlyMemory<byte>.Empty, None);
            await handle.CommitAsync(None);
        }

        long size = (await fs.GetStatusAsync(P("/a"), true, None)).Size;
        Assert.Equal((size, 1), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }
}
