using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Limits;

/// <summary>
/// A file handle that reserves disk quota for every byte a write adds beyond the file's end before writing it
/// (the end as its <see cref="TrackedInode"/> knows it, shared with every other handle and name operation on the
/// file), and counts the file bytes read and written today against the account's daily allowances.
/// </summary>
/// <remarks>Counted by the file system that opens it as one of the account's open files, until it is disposed.</remarks>
internal sealed class LimitedFileHandle(IFileHandle file, AccountUsage usage, OpenInodes table, TrackedInode? tracked, bool append)
    : IFileHandle
{
    private int _closed;

    public VirtualPath Path => file.Path;

    public FileAccessMode Access => file.Access;

    /// <summary>Zero-copy sending bypasses <see cref="ReadAsync"/>; a daily download allowance needs every byte seen.</summary>
    public SafeFileHandle? OsHandle => usage.HasDailyLimit(TransferDirection.Download) ? null : file.OsHandle;

    // Every SFTP READ and WRITE of every session passes here: the pooled builders keep one that waits for the disk
    // from allocating a state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int allowed = (int)usage.AllowanceToday(TransferDirection.Download, buffer.Length);
        if (allowed < buffer.Length && usage.Shared)
        {
            // Shared by gateways: ask the cluster for the rest; a read takes whatever part it grants.
            await usage.RefillAsync(new UsageFigures(0, 0, 0, buffer.Length), cancellationToken);
            allowed = (int)usage.AllowanceToday(TransferDirection.Download, buffer.Length);
        }

        if (allowed == 0 && buffer.Length > 0)
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, usage.DailyLimitReached(TransferDirection.Download));
        }

        int read = await file.ReadAsync(offset, buffer[..allowed], cancellationToken);
        usage.CountTransfer(TransferDirection.Download, read);
        return read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            // pwrite(2) of nothing changes nothing: no growth to charge, even past the end.
            await file.WriteAsync(offset, data, cancellationToken);
            return;
        }

        // Shared by gateways, a grant that ran out may be refilled: the cluster may still have room. (The refills are
        // methods of their own, so a write that fits allocates no closure.)
        if (UploadShortfall(data.Length) is { } allowance && !await RefillUploadAsync(allowance, data.Length, cancellationToken))
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, usage.DailyLimitReached(TransferDirection.Upload));
        }

        long at = append ? -1 : offset;
        if (GrowthShortfall(Grow(at, data.Length)) is { } growth && !await RefillGrowthAsync(growth, at, data.Length, cancellationToken))
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, LimitKind.QuotaBytes);
        }

        try
        {
            await file.WriteAsync(offset, data, cancellationToken);
        }
        catch
        {
            await ReconcileAsync();
            throw;
        }

        usage.CountTransfer(TransferDirection.Upload, data.Length);
    }

    /// <summary>What today's upload allowance lacks for <paramref name="length"/> bytes; null when they may move.</summary>
    private UsageFigures? UploadShortfall(int length) =>
        usage.AllowanceToday(TransferDirection.Upload, length) < length ? new UsageFigures(0, 0, length, 0) : null;

    private ValueTask<bool> RefillUploadAsync(UsageFigures allowance, int length, CancellationToken cancellationToken) =>
        usage.TakeAfterRefillAsync(allowance, () => UploadShortfall(length), cancellationToken);

    private ValueTask<bool> RefillGrowthAsync(UsageFigures growth, long at, int length, CancellationToken cancellationToken) =>
        usage.TakeAfterRefillAsync(growth, () => GrowthShortfall(Grow(at, length)), cancellationToken);

    /// <summary><see cref="Grow"/>'s answer as what the quota lacks: null when reserved, nothing when it can never fit.</summary>
    private static UsageFigures? GrowthShortfall(long shortfall) => shortfall == 0 ? null : new UsageFigures(Math.Max(0, shortfall), 0, 0, 0);

    /// <summary>
    /// Reserves what a write of <paramref name="length"/> bytes at <paramref name="offset"/> (-1: at the end) adds to
    /// the file; 0 when reserved, else (nothing reserved) the bytes that did not fit the quota, or -1 when no storage
    /// could hold the end.
    /// </summary>
    private long Grow(long offset, long length)
    {
        var inode = tracked!;
        lock (inode.Gate)
        {
            long start = offset < 0 ? inode.Length : offset;
            if (start > long.MaxValue - length)
            {
                return -1; // the end would not fit a long
            }

            long end = start + length;
            long growth = Math.Max(0, end - inode.Length);
            if (!usage.TryReserveBytes(growth, inode.InFlight))
            {
                return growth;
            }

            inode.Length = Math.Max(inode.Length, end);
            return 0;
        }
    }

    /// <summary>After a failed write or truncation the file's real length is what counts: the difference goes back to the quota.</summary>
    private async ValueTask ReconcileAsync()
    {
        try
        {
            long actual = (await file.GetStatusAsync(CancellationToken.None)).Size;
            var inode = tracked!;
            lock (inode.Gate)
            {
                usage.ReleaseBytes(inode.Length - actual, inode.InFlight);
                inode.Length = actual;
            }
        }
        catch (FsException)
        {
            // The storage is failing: a scan repairs the figure.
        }
    }

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) => file.GetStatusAsync(cancellationToken);

    public async ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        var inode = tracked!;
        long change = await inode.ChangeLengthAsync(length, usage, file.Path, cancellationToken);
        try
        {
            await file.SetLengthAsync(length, cancellationToken);
        }
        catch
        {
            inode.Undo(change, usage);
            await ReconcileAsync();
            throw;
        }

        inode.Settle(change, usage);
    }

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        file.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) =>
        file.SetPermissionsAsync(permissions, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public ValueTask CommitAsync(CancellationToken cancellationToken) => file.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await file.DisposeAsync();
        if (tracked is not null)
        {
            // The last handle on a file deleted under it: the disk frees its blocks now, and so does the quota.
            usage.ReleaseBytes(table.Close(tracked), tracked.InFlight);
        }

        usage.HandleClosed();
    }
}
