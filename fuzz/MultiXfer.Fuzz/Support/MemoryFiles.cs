using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Fsio.Memory;
using MultiXfer.Fsio.Session;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// FSIO for one fuzz run: the in-memory backend behind the real session layer (permissions, crash-safe uploads), with
/// a small capacity so that no offset or size an input names can make it allocate much (the memory backend keeps a
/// file in one array). Every run starts from the same small tree, so runs do not depend on each other.
/// </summary>
internal sealed class MemoryFiles : IFileSystemProvider
{
    /// <summary>Writes past this many bytes in total fail with NoSpace, as on a full disk.</summary>
    public const long Capacity = 4L * 1024 * 1024;

    private readonly MemoryStorage _storage = new(Capacity);

    public MemoryFiles()
    {
        var root = _storage.OpenRoot(FuzzUsers.Home);
        Seed(root).AsTask().GetAwaiter().GetResult();
    }

    public async ValueTask<IFileSystem> OpenAsync(UserAccount user, CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        return new SessionFileSystem(_storage.OpenRoot(user.Home), user.Permissions, new UploadPolicy(Atomic: true, Fsync: false),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    /// <summary>Fuzz runs keep no quotas: nothing to count.</summary>
    public Task<MultiXfer.Limits.DiskUsage> ScanUsageAsync(UserAccount user, CancellationToken cancellationToken) =>
        Task.FromResult(new MultiXfer.Limits.DiskUsage(0, 0));

    /// <summary>/file.txt, /empty, /dir/inner.bin, /dir/sub/, /link -> file.txt, /dotdot -> ../.. : something for every request to find.</summary>
    private static async ValueTask Seed(IFileSystem root)
    {
        var token = CancellationToken.None;
        await WriteAsync(root, "/file.txt", "line one\r\nline two\nline three\r\n"u8.ToArray());
        await WriteAsync(root, "/empty", []);
        await root.CreateDirectoryAsync(VirtualPath.Resolve(VirtualPath.Root, "/dir"), 0x1ED, token);
        await root.CreateDirectoryAsync(VirtualPath.Resolve(VirtualPath.Root, "/dir/sub"), 0x1C0, token);
        await WriteAsync(root, "/dir/inner.bin", Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());
        await root.CreateSymbolicLinkAsync(VirtualPath.Resolve(VirtualPath.Root, "/link"), "file.txt", token);
        await root.CreateSymbolicLinkAsync(VirtualPath.Resolve(VirtualPath.Root, "/dotdot"), "../..", token);

        static async ValueTask WriteAsync(IFileSystem files, string path, byte[] content)
        {
            await using var handle = await files.OpenFileAsync(VirtualPath.Resolve(VirtualPath.Root, path),
                new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), CancellationToken.None);
            await handle.WriteAsync(0, content, CancellationToken.None);
        }
    }
}
