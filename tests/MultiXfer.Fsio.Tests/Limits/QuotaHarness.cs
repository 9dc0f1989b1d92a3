using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// One account on a <see cref="FileSystemProvider"/> (memory or local storage), the way a login gets it: its
/// <see cref="AccountUsage"/> attached, so every session view the provider opens counts below the session layer.
/// Content seeded with <see cref="SeedAsync"/> before the first <see cref="OpenAsync"/> is found by the scan that
/// open runs, as an existing home is after a restart.
/// </summary>
internal sealed class QuotaHarness : IAsyncDisposable
{
    public static readonly FileOpenOptions Replace = new(FileAccessMode.Write, FileCreateMode.Replace);
    public static readonly FileOpenOptions CreateNew = new(FileAccessMode.Write, FileCreateMode.CreateNew);
    public static readonly FileOpenOptions Append = new FileOpenOptions(FileAccessMode.Write, FileCreateMode.OpenOrCreate) with { Append = true };
    public static readonly FileOpenOptions Modify = new(FileAccessMode.Write, FileCreateMode.OpenOrCreate);

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDirectory _temp = new();
    private readonly List<IFileSystem> _views = [];

    private QuotaHarness(string storage, AccountLimits limits, AccountUsage usage)
    {
        Storage = storage;
        Usage = usage;
        Usage.Apply(limits);
        Provider = new FileSystemProvider(new ServerOptions { Storage = storage, DataRoot = _temp.Combine("data") }, NullLoggerFactory.Instance);
        User = new UserAccount
        {
            Name = "u1",
            Home = P("/users/u1"),
            Protocols = new HashSet<string>(["sftp", "ftp"], StringComparer.Ordinal),
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
            Usage = Usage,
        };
    }

    public static TheoryData<string> Storages => new() { "memory", "local" };

    public string Storage { get; }

    public AccountUsage Usage { get; }

    public FileSystemProvider Provider { get; }

    public UserAccount User { get; }

    /// <param name="usage">The account's usage (as a registry hands it out); a new one, on <paramref name="time"/>, if null.</param>
    public static QuotaHarness Start(string storage, AccountLimits limits, TimeProvider? time = null, AccountUsage? usage = null) =>
        new(storage, limits, usage ?? new AccountUsage("u1", time ?? TimeProvider.System));

    public static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    /// <summary>An account with <paramref name="limits"/>, for tests that admit it to a <see cref="UsageRegistry"/>.</summary>
    public static UserAccount UserWith(AccountLimits limits) => new()
    {
        Name = "u1",
        Home = P("/u1"),
        Protocols = new HashSet<string> { Protocols.Sftp },
        Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
        Limits = limits,
    };

    /// <summary>A session view counted against the account (the first one scans the home if the usage is unknown).</summary>
    public async Task<IFileSystem> OpenAsync() => Track(await Provider.OpenAsync(User, None));

    /// <summary>The same home without limits: for seeding and for looking at what is really there.</summary>
    public async Task<IFileSystem> OpenUncountedAsync() => Track(await Provider.OpenAsync(User with { Usage = null }, None));

    public Task<DiskUsage> ScanAsync() => Provider.ScanUsageAsync(User, None);

    /// <summary>Writes a file without counting it (only meaningful before the first <see cref="OpenAsync"/>).</summary>
    public async Task SeedAsync(string path, int size)
    {
        var fs = await OpenUncountedAsync();
        await UploadAsync(fs, path, size);
    }

    /// <summary>What the account holds by the tracked figures and by a fresh count must agree.</summary>
    public async Task AssertTrackedMatchesScanAsync(string context = "")
    {
        var scan = await ScanAsync();
        var tracked = Usage.Snapshot();
        Assert.True(scan.Bytes == tracked.UsedBytes && scan.Files == tracked.UsedFiles,
            $"{context}: tracked {tracked.UsedBytes} bytes / {tracked.UsedFiles} files, scan {scan.Bytes} bytes / {scan.Files} files");
    }

    public (long Bytes, long Files) Used()
    {
        var snapshot = Usage.Snapshot();
        return (snapshot.UsedBytes, snapshot.UsedFiles);
    }

    /// <summary>The bytes of file number <paramref name="seed"/>: distinct per file, so a mixed-up file shows.</summary>
    public static byte[] Content(int size, int seed = 0)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)((i * 31) + (seed * 7) + (i >> 8));
        }

        return bytes;
    }

    /// <summary>A whole-file upload (crash-safe through a session view with the default options), committed.</summary>
    public static async Task UploadAsync(IFileSystem fs, string path, int size, int chunk = 16 * 1024, FileOpenOptions? options = null,
        int seed = 0)
    {
        byte[] content = Content(size, seed);
        await using var handle = await fs.OpenFileAsync(P(path), options ?? Replace, None);
        for (int offset = 0; offset < size; offset += chunk)
        {
            await handle.WriteAsync(offset, content.AsMemory(offset, Math.Min(chunk, size - offset)), None);
        }

        await handle.CommitAsync(None);
    }

    public static async Task<byte[]> ReadAllAsync(IFileSystem fs, string path)
    {
        await using var handle = await fs.OpenFileAsync(P(path), FileOpenOptions.ReadOnly, None);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await handle.ReadAsync(buffer.Length, chunk, None)) > 0)
        {
            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    public static async Task<FileStatus?> TryStatAsync(IFileSystem fs, string path)
    {
        try
        {
            return await fs.GetStatusAsync(P(path), followLinks: false, None);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Starts every upload at once; true for each that completed, false for each refused for a quota.</summary>
    public static async Task<bool[]> RaceAsync(IEnumerable<Func<Task>> uploads)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = uploads.Select(upload => Task.Run(async () =>
        {
            await go.Task;
            try
            {
                await upload();
                return true;
            }
            catch (FsException e) when (e.Kind == FsErrorKind.QuotaExceeded)
            {
                return false;
            }
        })).ToArray();
        go.SetResult();
        return await Task.WhenAll(running);
    }

    public static async Task<FsException> QuotaRefusal(Func<Task> action)
    {
        var refusal = await Assert.ThrowsAsync<FsException>(action);
        Assert.Equal(FsErrorKind.QuotaExceeded, refusal.Kind);
        return refusal;
    }

    private IFileSystem Track(IFileSystem view)
    {
        lock (_views)
        {
            _views.Add(view);
        }

        return view;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var view in _views)
        {
            await view.DisposeAsync();
        }

        Provider.Dispose();
        _temp.Dispose();
    }
}
