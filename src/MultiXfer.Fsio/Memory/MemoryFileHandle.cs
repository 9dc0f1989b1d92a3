using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Memory;

internal sealed class MemoryFileHandle(MemoryStorage storage, MemoryFile file, VirtualPath path, FileAccessMode access, bool append)
    : IFileHandle
{
    private bool _closed;

    public VirtualPath Path { get; } = path;

    public FileAccessMode Access { get; } = access;

    public SafeFileHandle? OsHandle => null;

    private object Gate => storage.Gate;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(FileAccessMode.Read);
            file.AccessedUtc = DateTime.UtcNow;
            return ValueTask.FromResult(file.Read(offset, buffer.Span));
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(FileAccessMode.Write);
            long at = append ? file.Length : offset;
            long growth = Math.Max(0, at + data.Length - file.Length);
            storage.Grow(growth, (file, at, data), static s => s.file.Write(s.at, s.data.Span));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(0);
            return ValueTask.FromResult(file.ToStatus());
        }
    }

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(FileAccessMode.Write);
            storage.Resize(file, length);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(0);
            file.AccessedUtc = accessedUtc ?? file.AccessedUtc;
            file.ModifiedUtc = modifiedUtc ?? file.ModifiedUtc;
            file.ChangedUtc = DateTime.UtcNow;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            EnsureOpen(0);
            file.Permissions = permissions & PermissionBits.Settable;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        lock (Gate)
        {
            if (!_closed)
            {
                _closed = true;
                file.OpenHandles--;
                if (file.LockedBy == this)
                {
                    file.LockedBy = null;
                }

                storage.ReleaseIfUnreferenced(file);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void EnsureOpen(FileAccessMode needed)
    {
        if (_closed)
        {
            throw new FsException(FsErrorKind.InvalidHandle, $"{Path}: handle closed");
        }

        if ((Access & needed) != needed)
        {
            throw new FsException(FsErrorKind.PermissionDenied, $"{Path}: handle not open for {needed}");
        }
    }
}
