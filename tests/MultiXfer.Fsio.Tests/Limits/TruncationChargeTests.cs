using Microsoft.Win32.SafeHandles;
using MultiXfer.Fsio.Limits;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// A truncation gives its bytes back to the quota only once the disk has freed them. Released before, another upload
/// of the account could fill the same bytes while the old ones are still on disk, and the account would hold more
/// than its quota for that moment (the concurrent-upload test once caught it doing so: a failed upload cuts its
/// temporary to zero before deleting it). The storage below is held inside its truncation to look at the charge.
/// </summary>
public sealed class TruncationChargeTests
{
    private const long Quota = 1000;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_cut_stays_charged_until_the_storage_has_truncated()
    {
        var (usage, storage, handle) = Open(length: 600);
        var cut = handle.SetLengthAsync(100, None).AsTask();
        await storage.Entered.Task;

        Assert.Equal(600, usage.Snapshot().UsedBytes);
        Assert.False(usage.TryReserveBytes(401)); // the cut bytes are not yet free to another upload

        storage.Proceed.SetResult();
        await cut;
        Assert.Equal(100, usage.Snapshot().UsedBytes);
        Assert.True(usage.TryReserveBytes(900));
    }

    [Fact]
    public async Task Growth_is_charged_before_the_storage_extends_and_refused_past_the_quota()
    {
        var (usage, storage, handle) = Open(length: 600);
        var grow = handle.SetLengthAsync(900, None).AsTask();
        await storage.Entered.Task;
        Assert.Equal(900, usage.Snapshot().UsedBytes);
        storage.Proceed.SetResult();
        await grow;

        var refused = await Assert.ThrowsAsync<FsException>(() => handle.SetLengthAsync(1001, None).AsTask());
        Assert.Equal(FsErrorKind.QuotaExceeded, refused.Kind);
        Assert.Equal(900, usage.Snapshot().UsedBytes);
        Assert.Equal(900, storage.Length);
    }

    [Fact]
    public async Task A_failed_cut_leaves_the_charge_at_what_the_storage_still_holds()
    {
        var (usage, storage, handle) = Open(length: 600);
        storage.Fail = true;
        storage.Proceed.SetResult();
        await Assert.ThrowsAsync<FsException>(() => handle.SetLengthAsync(0, None).AsTask());

        Assert.Equal(600, usage.Snapshot().UsedBytes);
        storage.Fail = false;
        await handle.WriteAsync(600, new byte[50], None); // charged from the end the storage really has
        Assert.Equal(650, usage.Snapshot().UsedBytes);
    }

    private static (AccountUsage Usage, HeldTruncation Storage, LimitedFileHandle Handle) Open(long length)
    {
        var usage = new AccountUsage("u1", TimeProvider.System);
        usage.Apply(new AccountLimits { QuotaBytes = Quota });
        usage.SetDisk(new DiskUsage(length, 1));
        var storage = new HeldTruncation { Length = length };
        var tracked = new TrackedInode(default, length, inFlight: false);
        return (usage, storage, new LimitedFileHandle(storage, usage, OpenInodes.Of(usage), tracked, append: false));
    }

    /// <summary>A file whose truncation waits for the test (and can fail, as a storage error would).</summary>
    private sealed class HeldTruncation : IFileHandle
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Proceed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fail { get; set; }

        public long Length { get; set; }

        public VirtualPath Path => VirtualPath.Resolve(VirtualPath.Root, "/f");

        public FileAccessMode Access => FileAccessMode.Write;

        public SafeFileHandle? OsHandle => null;

        public async ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Proceed.Task;
            if (Fail)
            {
                throw new FsException(FsErrorKind.IoError, "injected truncation failure");
            }

            Length = length;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Length = Math.Max(Length, offset + data.Length);
            return ValueTask.CompletedTask;
        }

        public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new FileStatus { Type = FileType.Regular, Size = Length, Permissions = 0x1A4, ModifiedUtc = DateTime.UnixEpoch, AccessedUtc = DateTime.UnixEpoch });

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
