using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio.Limits;
using MultiXfer.Fsio.Local;
using MultiXfer.Fsio.Memory;
using MultiXfer.Fsio.Session;
using MultiXfer.Limits;

namespace MultiXfer.Fsio;

/// <summary>
/// Opens per-session views of the configured storage (<c>Server:Storage</c>): each user's home, created on first
/// use, becomes the root of a backend view, held to the account's quotas, wrapped in the user's permissions.
/// </summary>
public sealed class FileSystemProvider : IFileSystemProvider, IDisposable
{
    private readonly ServerOptions _options;
    // Made once: a Serilog-backed factory builds a new logger (and its property cache) on every CreateLogger call,
    // 2 KiB a session for these two.
    private readonly ILogger _auditLogger;
    private readonly ILogger _filesLogger;
    private readonly Func<IFileSystem, IFileSystem>? _storageLayer;
    private readonly LocalFileSystem? _dataRoot;
    private readonly MemoryStorage? _memory;

    /// <param name="storageLayer">Wraps each user's backend view before the limits and session layers go on top: where
    /// storage faults are injected in tests (under the quota's count, as a failing disk would be).</param>
    /// <param name="metrics">Where the session layer counts failures; null: nowhere.</param>
    public FileSystemProvider(ServerOptions options, ILoggerFactory loggerFactory, Func<IFileSystem, IFileSystem>? storageLayer = null,
        FsioMetrics? metrics = null)
    {
        Metrics = metrics;
        _options = options;
        _auditLogger = loggerFactory.CreateLogger("MultiXfer.Audit");
        _filesLogger = loggerFactory.CreateLogger("MultiXfer.Files");
        _storageLayer = storageLayer;
        if (IsMemory(_options.Storage))
        {
            _memory = new MemoryStorage();
        }
        else
        {
            Directory.CreateDirectory(_options.DataRoot);
            _dataRoot = LocalFileSystem.OpenHostDirectory(_options.DataRoot);
        }
    }

    /// <summary>Where failures are counted (null: nowhere); virtual hosts' storage counts into the same.</summary>
    public FsioMetrics? Metrics { get; }

    /// <summary>
    /// File handles hash the bytes of a transfer (Logging:AuditSha256); a hashed download leaves sendfile. Virtual
    /// hosts' storage follows the default's.
    /// </summary>
    public bool DigestTransfers { get; init; }

    /// <summary>What wraps each user's backend view (null: nothing); virtual hosts' storage gets the same.</summary>
    public Func<IFileSystem, IFileSystem>? StorageLayer => _storageLayer;

    /// <summary>The data root this provider serves (as a full path), fixed when it was opened.</summary>
    public string Root => Path.GetFullPath(_options.DataRoot);

    public static bool IsMemory(string storage) => string.Equals(storage, "memory", StringComparison.OrdinalIgnoreCase);

    /// <summary>Files live in memory (tests, demos): nothing on disk to check.</summary>
    public bool IsMemoryBackend => IsMemory(_options.Storage);

    public async ValueTask<IFileSystem> OpenAsync(UserAccount user, CancellationToken cancellationToken)
    {
        if (user.Storage is { } storage && !ReferenceEquals(storage, this))
        {
            // The account belongs to a virtual host with its own data root.
            return await storage.OpenAsync(user, cancellationToken);
        }

        var root = await OpenStorageAsync(user, cancellationToken);
        if (user.Usage is { } usage)
        {
            // A read-only account cannot change its disk, so its tree (an anonymous archive, say) is not walked.
            if (!user.ReadOnly)
            {
                var counted = root;
                await usage.EnsureDiskKnownAsync(token => DiskUsageScanner.ScanAsync(counted, token), cancellationToken);
            }

            root = new LimitedFileSystem(root, usage);
        }

        var session = new SessionFileSystem(root, user.Permissions, new UploadPolicy(_options.AtomicUploads, _options.FsyncUploads),
            _auditLogger, Metrics, new OpenLog(_filesLogger));
        return DigestTransfers ? new DigestingFileSystem(session) : session;
    }

    public async Task<DiskUsage> ScanUsageAsync(UserAccount user, CancellationToken cancellationToken)
    {
        if (user.Storage is { } storage && !ReferenceEquals(storage, this))
        {
            return await storage.ScanUsageAsync(user, cancellationToken);
        }

        await using var root = await OpenStorageAsync(user, cancellationToken);
        return await DiskUsageScanner.ScanAsync(root, cancellationToken);
    }

    /// <summary>The user's home as the root of a backend view (created on first use), under the storage layer if any.</summary>
    private async ValueTask<IFileSystem> OpenStorageAsync(UserAccount user, CancellationToken cancellationToken)
    {
        IFileSystem root;
        if (_memory is not null)
        {
            root = _memory.OpenRoot(user.Home);
        }
        else
        {
            await EnsureDirectoryAsync(_dataRoot!, user.Home, cancellationToken);
            root = _dataRoot!.OpenSubRoot(user.Home);
        }

        return _storageLayer is null ? root : _storageLayer(root);
    }

    private static async ValueTask EnsureDirectoryAsync(IFileSystem fileSystem, VirtualPath path, CancellationToken cancellationToken)
    {
        var current = VirtualPath.Root;
        foreach (string segment in path.Segments())
        {
            current = current.Append(segment);
            try
            {
                await fileSystem.CreateDirectoryAsync(current, null, cancellationToken);
            }
            catch (FsException e) when (e.Kind == FsErrorKind.AlreadyExists)
            {
                // Created earlier, by an operator or another session.
            }
        }
    }

    /// <summary>
    /// Removes upload temporaries under the data root not written to since <paramref name="olderThanUtc"/>
    /// (crash leftovers); returns how many. Memory storage starts empty each time, so it has none.
    /// </summary>
    public Task<int> SweepStaleUploadsAsync(DateTime olderThanUtc, CancellationToken cancellationToken) =>
        _dataRoot is null ? Task.FromResult(0) : StaleUploadSweeper.SweepAsync(_dataRoot, olderThanUtc, cancellationToken);

    public void Dispose() => _dataRoot?.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
