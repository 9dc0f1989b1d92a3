using MultiXfer.Fsio;
using MultiXfer.Fsio.Memory;

namespace MultiXfer.Fsio.Tests;

public sealed class LocalBackendConformanceTests : FileSystemConformance<LocalTestBackend>;

public sealed class MemoryBackendConformanceTests : FileSystemConformance<MemoryTestBackend>
{
    /// <summary>A size beyond the capacity is refused before anything is allocated, and the accounting stays right.</summary>
    [Fact]
    public async Task Growth_beyond_the_capacity_fails_without_allocating_or_losing_count()
    {
        var storage = new MemoryStorage(capacityBytes: 1 << 20);
        var root = storage.OpenRoot(VirtualPath.Resolve(VirtualPath.Root, "/u"));
        var path = VirtualPath.Resolve(VirtualPath.Root, "/f");
        await using (var file = await root.OpenFileAsync(path, new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), default))
        {
            await file.WriteAsync(0, new byte[1000], default);
            Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => file.SetLengthAsync(1L << 40, default).AsTask())).Kind);
            Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => file.WriteAsync(1L << 40, new byte[1], default).AsTask())).Kind);
        }

        Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => root.SetLengthAsync(path, 1L << 40, default).AsTask())).Kind);
        Assert.Equal(1000, (await root.GetStatusAsync(path, followLinks: false, default)).Size);
        Assert.Equal(1000, storage.UsedBytes);
        await root.DeleteFileAsync(path, default);
        Assert.Equal(0, storage.UsedBytes);
    }
}
