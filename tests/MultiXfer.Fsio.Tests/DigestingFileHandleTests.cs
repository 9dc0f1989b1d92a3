using System.Security.Cryptography;
using MultiXfer.Fsio.Session;

namespace MultiXfer.Fsio.Tests;

/// <summary>The audit log's SHA-256: kept while a transfer moves front to back, dropped when it skips around.</summary>
public sealed class DigestingFileHandleTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly VirtualPath File = VirtualPath.Resolve(VirtualPath.Root, "/f.bin");

    private static async Task<IFileSystem> WithFileAsync(byte[] content)
    {
        var root = new MemoryTestBackend().OpenRoot();
        await using var writer = await root.OpenFileAsync(File, new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), None);
        await writer.WriteAsync(0, content, None);
        await writer.CommitAsync(None);
        return root;
    }

    [Fact]
    public async Task A_download_read_in_order_has_the_SHA256_of_the_file_and_no_OS_handle()
    {
        byte[] content = RandomNumberGenerator.GetBytes(100_000);
        var root = await WithFileAsync(content);
        var handle = new DigestingFileHandle(await root.OpenFileAsync(File, FileOpenOptions.ReadOnly, None));
        var buffer = new byte[32 * 1024];
        long offset = 0;
        int read;
        while ((read = await handle.ReadAsync(offset, buffer, None)) > 0)
        {
            offset += read;
        }

        Assert.Null(handle.OsHandle);
        await handle.DisposeAsync();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), IFileDigest.Of(handle));
    }

    [Fact]
    public async Task An_upload_written_in_order_has_the_SHA256_of_what_was_written()
    {
        var root = new MemoryTestBackend().OpenRoot();
        byte[] content = RandomNumberGenerator.GetBytes(70_000);
        var handle = new DigestingFileHandle(await root.OpenFileAsync(File, new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), None));
        for (int at = 0; at < content.Length; at += 16_384)
        {
            await handle.WriteAsync(at, content.AsMemory(at, Math.Min(16_384, content.Length - at)), None);
        }

        await handle.CommitAsync(None);
        await handle.DisposeAsync();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), handle.Sha256);
    }

    [Theory]
    [InlineData(0L, 5_000L)]
    [InlineData(1_000L, 0L)]
    public async Task A_transfer_that_skips_or_resumes_has_no_digest(long first, long second)
    {
        var root = await WithFileAsync(new byte[10_000]);
        var handle = new DigestingFileHandle(await root.OpenFileAsync(File, FileOpenOptions.ReadOnly, None));
        var buffer = new byte[1_000];
        await handle.ReadAsync(first, buffer, None);
        await handle.ReadAsync(second, buffer, None);
        await handle.DisposeAsync();
        Assert.Null(handle.Sha256);
    }

    [Fact]
    public async Task An_empty_file_has_the_digest_of_nothing()
    {
        var root = await WithFileAsync([]);
        var handle = new DigestingFileHandle(await root.OpenFileAsync(File, FileOpenOptions.ReadOnly, None));
        Assert.Equal(0, await handle.ReadAsync(0, new byte[10], None));
        await handle.DisposeAsync();
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", handle.Sha256);
    }
}
