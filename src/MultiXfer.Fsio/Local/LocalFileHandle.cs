using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// An open local file. Reads and writes are positional (pread/pwrite through <see cref="RandomAccess"/>) and run
/// synchronously: page-cache I/O costs microseconds, less than a hop to the thread pool.
/// </summary>
internal sealed unsafe class LocalFileHandle(VirtualPath path, FileAccessMode access, SafeFileHandle handle) : IFileHandle
{
    public VirtualPath Path { get; } = path;

    public FileAccessMode Access { get; } = access;

    public SafeFileHandle? OsHandle => handle;

    private int Fd => (int)handle.DangerousGetHandle();

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return ValueTask.FromResult(RandomAccess.Read(handle, buffer.Span, offset));
        }
        catch (IOException e)
        {
            throw Translate(e, "read");
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            RandomAccess.Write(handle, data.Span, offset);
            return ValueTask.CompletedTask;
        }
        catch (IOException e)
        {
            throw Translate(e, "write");
        }
    }

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Statx.Get(Fd, "", followLinks: false, Path));

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        Check(LinuxNative.Ftruncate(Fd, length), "truncate");
        return ValueTask.CompletedTask;
    }

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        var times = stackalloc LinuxNative.Timespec[2];
        times[0] = Statx.ToTimespec(accessedUtc);
        times[1] = Statx.ToTimespec(modifiedUtc);
        Check(LinuxNative.Futimens(Fd, times), "utimes");
        return ValueTask.CompletedTask;
    }

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken)
    {
        Check(LinuxNative.Fchmod(Fd, permissions & PermissionBits.Settable), "chmod");
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Check(LinuxNative.Fsync(Fd), "fsync");
        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        handle.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw Errno.Exception(LinuxNative.LastError, operation, Path);
        }
    }

    /// <summary>RandomAccess reports errno through IOException.HResult; disk full must stay disk full.</summary>
    private FsException Translate(IOException e, string operation)
    {
        int errno = e.HResult & 0xFFFF;
        var kind = e is FileNotFoundException ? FsErrorKind.NotFound : Errno.ToKind(errno);
        if (kind == FsErrorKind.IoError && e.Message.Contains("No space", StringComparison.OrdinalIgnoreCase))
        {
            kind = FsErrorKind.NoSpace;
        }

        return new FsException(kind, $"{operation} {Path}: {e.Message}", e);
    }
}
