using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// A file changed by name while a handle writes to it (another FTP session deletes or truncates it, or an SFTP
/// client sends SETSTAT size on a file it holds open): the figures must follow the disk, or the quota can be
/// passed (under-counted) or the account charged for bytes no longer there (over-counted).
/// </summary>
public sealed class OpenHandleQuotaTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// Truncating by name frees the file's bytes; the handle must not then rewrite them for free, or repeating the
    /// two steps puts any amount of data on disk under a full quota.
    /// </summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Truncating_by_name_under_an_open_handle_does_not_let_its_writes_pass_the_quota(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 20_000 });
        var fs = await h.OpenAsync();

        await using (var handle = await fs.OpenFileAsync(P("/a"), Modify, None))
        {
            await handle.WriteAsync(0, Content(20_000), None);
            await fs.SetLengthAsync(P("/a"), 0, None);
            Assert.Equal((0, 1), h.Used());

            await handle.WriteAsync(0, Content(20_000), None);
            Assert.Equal((20_000, 1), h.Used());
            await handle.CommitAsync(None);
        }

        await QuotaRefusal(() => UploadAsync(fs, "/b", 20_000));
        Assert.InRange((await h.ScanAsync()).Bytes, 0, 20_000);
        await h.AssertTrackedMatchesScanAsync();
    }

    /// <summary>Bytes a handle writes to a file deleted under it go with the file when the handle closes.</summary>
    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Writes_to_a_file_deleted_under_its_handle_are_not_charged_after_it_closes(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 100_000 });
        var writer = await h.OpenAsync();
        var other = await h.OpenAsync();
        await UploadAsync(writer, "/a", 10_000);

        await using (var handle = await writer.OpenFileAsync(P("/a"), Append, None))
        {
            await handle.WriteAsync(0, Content(5_000), None);
            await other.DeleteFileAsync(P("/a"), None);
            await handle.WriteAsync(0, Content(5_000), None);
        }

        Assert.Equal((0, 0), h.Used());
        await h.AssertTrackedMatchesScanAsync();
    }
}
