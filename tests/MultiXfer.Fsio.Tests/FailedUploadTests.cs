using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Fsio.Session;
using MultiXfer.TestKit;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// A write that fails poisons the upload, over each backend with faults injected under the session layer: the
/// temporary of a crash-safe upload is gone at once, nothing appears under the final name whatever the protocol
/// does next, an existing target keeps its content, and in-place writes keep exactly what was written before.
/// </summary>
public abstract class FailedUploadTests<TBackend> : IAsyncLifetime
    where TBackend : ITestBackend, new()
{
    private readonly TBackend _backend = new();

    private const int Enospc = 28;
    private const int Eio = 5;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly FileOpenOptions Replace = new(FileAccessMode.Write, FileCreateMode.Replace);
    private static readonly FileOpenOptions InPlace = new(FileAccessMode.Write, FileCreateMode.OpenOrCreate);

    private readonly StorageFaults _faults = new();

    protected IFileSystem Backend { get; private set; } = null!;

    private SessionFileSystem Session { get; set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = _backend.OpenRoot();
        await using (var seed = await Backend.OpenFileAsync(P("/old.txt"), Replace, None))
        {
            await seed.WriteAsync(0, "the old content"u8.ToArray(), None);
        }

        Session = new SessionFileSystem(_faults.Wrap(Backend), new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
            new UploadPolicy(Atomic: true, Fsync: false), NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        _backend.Dispose();
    }

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    private async Task<List<string>> RawNames() =>
        await Backend.ListDirectoryAsync(VirtualPath.Root, None).Select(e => e.Name).Order(StringComparer.Ordinal).ToListAsync();

    private async Task<string> Read(string path)
    {
        await using var handle = await Backend.OpenFileAsync(P(path), FileOpenOptions.ReadOnly, None);
        var buffer = new byte[4096];
        return Encoding.UTF8.GetString(buffer, 0, await handle.ReadAsync(0, buffer, None));
    }

    [Theory]
    [InlineData("/new.txt")]
    [InlineData("/old.txt")]
    public async Task A_failed_write_removes_the_temporary_at_once_and_nothing_can_commit_it(string target)
    {
        var upload = await Session.OpenFileAsync(P(target), Replace, None);
        await upload.WriteAsync(0, new byte[1000], None);
        _faults.Arm(new Fault(FaultOperation.Write, Enospc));

        var failure = await Assert.ThrowsAsync<FsException>(() => upload.WriteAsync(1000, new byte[1000], None).AsTask());
        Assert.Equal(FsErrorKind.NoSpace, failure.Kind);
        // Still open, yet the temporary (and its space) is gone already.
        Assert.DoesNotContain(await RawNames(), n => n.StartsWith(SessionFileSystem.UploadPrefix, StringComparison.Ordinal));

        _faults.Disarm();
        Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => upload.WriteAsync(2000, new byte[10], None).AsTask())).Kind);
        Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => upload.SetLengthAsync(5, None).AsTask())).Kind);
        Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => upload.CommitAsync(None).AsTask())).Kind);
        await upload.DisposeAsync();

        Assert.Equal(["old.txt"], await RawNames());
        Assert.Equal("the old content", await Read("/old.txt"));
    }

    [Fact]
    public async Task A_failed_rename_at_commit_leaves_the_target_and_no_temporary()
    {
        var upload = await Session.OpenFileAsync(P("/old.txt"), Replace, None);
        await upload.WriteAsync(0, "new content"u8.ToArray(), None);
        _faults.Arm(new Fault(FaultOperation.Rename, Eio));

        Assert.Equal(FsErrorKind.IoError, (await Assert.ThrowsAsync<FsException>(() => upload.CommitAsync(None).AsTask())).Kind);
        await upload.DisposeAsync();

        Assert.Equal(["old.txt"], await RawNames());
        Assert.Equal("the old content", await Read("/old.txt"));
    }

    [Fact]
    public async Task In_place_writes_keep_exactly_the_bytes_before_the_failure_and_nothing_after()
    {
        var resume = await Session.OpenFileAsync(P("/old.txt"), InPlace, None);
        await resume.WriteAsync(15, " plus"u8.ToArray(), None);
        _faults.Arm(new Fault(FaultOperation.Write, Enospc));
        await Assert.ThrowsAsync<FsException>(() => resume.WriteAsync(20, " more"u8.ToArray(), None).AsTask());
        _faults.Disarm();

        // A later write (space freed meanwhile) must not land after a gap.
        Assert.Equal(FsErrorKind.NoSpace, (await Assert.ThrowsAsync<FsException>(() => resume.WriteAsync(25, " later"u8.ToArray(), None).AsTask())).Kind);
        await Assert.ThrowsAsync<FsException>(() => resume.CommitAsync(None).AsTask());
        await resume.DisposeAsync();

        Assert.Equal("the old content plus", await Read("/old.txt"));
    }

    [Fact]
    public async Task Storage_that_goes_away_fails_every_write_and_leaves_no_new_name()
    {
        var upload = await Session.OpenFileAsync(P("/gone.txt"), Replace, None);
        _faults.Arm(new Fault(FaultOperation.Any, 116 /* ESTALE */, Persistent: true));

        Assert.Equal(FsErrorKind.StorageUnavailable,
            (await Assert.ThrowsAsync<FsException>(() => upload.WriteAsync(0, new byte[10], None).AsTask())).Kind);
        await Assert.ThrowsAsync<FsException>(() => upload.CommitAsync(None).AsTask());
        await upload.DisposeAsync();
        _faults.Disarm();

        // The temporary could not be removed while the storage was gone: it is unlocked now, so a sweep takes it.
        Assert.DoesNotContain("gone.txt", await RawNames());
        await StaleUploadSweeper.SweepAsync(Backend, DateTime.MinValue, None);
        Assert.Equal(["old.txt"], await RawNames());
    }

    [Fact]
    public async Task A_sweep_keeps_live_uploads_and_removes_leftovers_of_any_age()
    {
        var live = await Session.OpenFileAsync(P("/live.txt"), Replace, None);
        await live.WriteAsync(0, "in flight"u8.ToArray(), None);
        // A leftover as a killed process leaves it: a temporary nobody holds, written a moment ago.
        await using (var leftover = await Backend.OpenFileAsync(P("/" + SessionFileSystem.UploadPrefix + "0123456789abcdef"), Replace, None))
        {
            await leftover.WriteAsync(0, "half an upload"u8.ToArray(), None);
        }

        Assert.Equal(1, await StaleUploadSweeper.SweepAsync(Backend, DateTime.MinValue, None));
        await live.CommitAsync(None);
        await live.DisposeAsync();

        Assert.Equal(["live.txt", "old.txt"], await RawNames());
        Assert.Equal("in flight", await Read("/live.txt"));
    }
}

public sealed class MemoryFailedUploadTests : FailedUploadTests<MemoryTestBackend>;

public sealed class LocalFailedUploadTests : FailedUploadTests<LocalTestBackend>;
