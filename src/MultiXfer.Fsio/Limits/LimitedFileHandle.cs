using Microsoft.Win32.SafeHandles;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Limits;

/// <summary>
/// A file handle that reserves disk quota for every byte a write adds beyond the file's end before writing it, and
/// counts the file bytes read and written today against the account's daily allowances.
/// </summary>
/// <param name="size">The file's length as the quota knows it when opened.</param>
internal sealed class LimitedFileHandle(IFileHandle file, AccountUsage usage, long size, bool append) : IFileHandle
{
    private readonly Lock _lock = new();
    private long _size = size;

    /// <summary>An upload's temporary: its bytes are in flight until the commit makes them a file's.</summary>
    private readonly bool _inFlight = Session.SessionFileSystem.IsUploadTemporary(file.Path.Name);

    public VirtualPath Path => file.Path;

    public FileAccessMode Access => file.Access;

    /// <summary>Zero-copy sending bypasses <see cref="ReadAsync"/>; a daily download allowance needs every byte seen.</summary>
    public SafeFileHandle? OsHandle => usage.HasDailyLimit(TransferDirection.Download) ? null : file.OsHandle;

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int allowed = (int)usage.AllowanceToday(TransferDirection.Download, buffer.Length);
        if (allowed == 0 && buffer.Length > 0)
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, "daily download allowance");
        }

        int read = await file.ReadAsync(offset, buffer[..allowed], cancellationToken);
        usage.CountTransfer(TransferDirection.Download, read);
        return read;
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (usage.AllowanceToday(TransferDirection.Upload, data.Length) < data.Length)
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, "daily upload allowance");
        }

        long growth = Grow(append ? -1 : offset, data.Length);
        if (growth < 0)
        {
            throw LimitedFileSystem.QuotaExceeded(file.Path, usage, "disk quota");
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

    /// <summary>
    /// Reserves what a write of <paramref name="length"/> bytes at <paramref name="offset"/> (-1: at the end) adds to
    /// the file; returns the bytes reserved, or -1 when they do not fit the quota (nothing reserved).
    /// </summary>
    private long Grow(long offset, long length)
    {
        lock (_lock)
        {
            long end = (offset < 0 ? _size : offset) + length;
            long growth = Math.Max(0, end - _size);
            if (!usage.TryReserveBytes(growth, _inFlight))
            {
                return -1;
            }

            _size = Math.Max(_size, end);
            return growth;
        }
    }

    /// <summary>After a failed write the file's real length is what counts: the difference goes back to the quota.</summary>
    private async ValueTask ReconcileAsync()
    {
        try
        {
            long actual = (await file.GetStatusAsync(CancellationToken.None)).Size;
            lock (_lock)
            {
                usage.ReleaseBytes(_size - actual, _inFlight);
                _size = actual;
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
        long change;
        lock (_lock)
        {
            change = length - _size;
            if (!usage.TryReserveBytes(change, _inFlight))
            {
                throw LimitedFileSystem.QuotaExceeded(file.Path, usage, "disk quota");
            }

            _size = length;
        }

        try
        {
            await file.SetLengthAsync(length, cancellationToken);
        }
        catch
        {
            await ReconcileAsync();
            throw;
        }
    }

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        file.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) =>
        file.SetPermissionsAsync(permissions, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public ValueTask CommitAsync(CancellationToken cancellationToken) => file.CommitAsync(cancellationToken);

    public ValueTask DisposeAsync() => file.DisposeAsync();
}
