using Microsoft.Win32.SafeHandles;
using MultiXfer.Fsio;
using MultiXfer.Fsio.Local;

namespace MultiXfer.TestKit;

/// <summary>Storage operations a fault can be aimed at.</summary>
public enum FaultOperation
{
    Open,
    Write,
    SetLength,
    Fsync,
    Rename,
    Delete,
    /// <summary>Every operation above: storage that went away as a whole.</summary>
    Any,
}

/// <summary>
/// What to break: the <see cref="Nth"/> matching operation (counted from when the fault is armed) fails with
/// <see cref="Errno"/>, translated exactly as the local backend translates a real errno. With
/// <see cref="Persistent"/>, that one and every later matching operation fail (storage that went away).
/// </summary>
public sealed record Fault(FaultOperation Operation, int Errno, int Nth = 1, bool Persistent = false, string? PathContains = null);

/// <summary>
/// Faults for the storage of a running server: an FSIO decorator slid under the session layer of every user (see
/// <see cref="TestServer.StartAsync"/>), over either backend. Tests arm a fault, drive real clients, and look at
/// what the clients were told and what is left on disk.
/// </summary>
public sealed class StorageFaults
{
    private readonly Lock _lock = new();
    private Fault? _fault;
    private int _seen;
    private int _injected;

    /// <summary>How many operations failed because of the armed fault.</summary>
    public int Injected
    {
        get
        {
            lock (_lock)
            {
                return _injected;
            }
        }
    }

    public void Arm(Fault fault)
    {
        lock (_lock)
        {
            _fault = fault;
            _seen = 0;
            _injected = 0;
        }
    }

    public void Disarm()
    {
        lock (_lock)
        {
            _fault = null;
        }
    }

    public IFileSystem Wrap(IFileSystem backend) => new FaultyFileSystem(backend, this);

    internal void Check(FaultOperation operation, VirtualPath path)
    {
        lock (_lock)
        {
            if (_fault is not { } fault || (fault.Operation != operation && fault.Operation != FaultOperation.Any) ||
                (fault.PathContains is { } fragment && !path.Value.Contains(fragment, StringComparison.Ordinal)))
            {
                return;
            }

            _seen++;
            if (_seen == fault.Nth || (fault.Persistent && _seen > fault.Nth))
            {
                _injected++;
                throw Errno.Exception(fault.Errno, $"injected {operation}", path);
            }
        }
    }

    private sealed class FaultyFileSystem(IFileSystem inner, StorageFaults faults) : IFileSystem
    {
        public ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken) =>
            inner.GetStatusAsync(path, followLinks, cancellationToken);

        public async ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.Open, path);
            return new FaultyHandle(await inner.OpenFileAsync(path, options, cancellationToken), faults);
        }

        public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
            inner.ListDirectoryAsync(path, cancellationToken);

        public ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken) =>
            inner.CreateDirectoryAsync(path, permissions, cancellationToken);

        public ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
            inner.DeleteDirectoryAsync(path, cancellationToken);

        public ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.Delete, path);
            return inner.DeleteFileAsync(path, cancellationToken);
        }

        public ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.Rename, to);
            return inner.RenameAsync(from, to, options, cancellationToken);
        }

        public ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken) =>
            inner.CreateSymbolicLinkAsync(link, target, cancellationToken);

        public ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken) =>
            inner.CreateHardLinkAsync(existing, link, cancellationToken);

        public ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken) =>
            inner.ReadSymbolicLinkAsync(path, cancellationToken);

        public ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken) =>
            inner.GetRealPathAsync(path, cancellationToken);

        public ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
            inner.SetTimesAsync(path, accessedUtc, modifiedUtc, cancellationToken);

        public ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken) =>
            inner.SetPermissionsAsync(path, permissions, cancellationToken);

        public ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.SetLength, path);
            return inner.SetLengthAsync(path, length, cancellationToken);
        }

        public ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken) =>
            inner.GetSpaceAsync(path, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FaultyHandle(IFileHandle inner, StorageFaults faults) : IFileHandle
    {
        public VirtualPath Path => inner.Path;

        public FileAccessMode Access => inner.Access;

        /// <summary>None: a zero-copy send would go around the injected faults.</summary>
        public SafeFileHandle? OsHandle => null;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            inner.ReadAsync(offset, buffer, cancellationToken);

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.Write, Path);
            return inner.WriteAsync(offset, data, cancellationToken);
        }

        public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) => inner.GetStatusAsync(cancellationToken);

        public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.SetLength, Path);
            return inner.SetLengthAsync(length, cancellationToken);
        }

        public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
            inner.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);

        public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) =>
            inner.SetPermissionsAsync(permissions, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            faults.Check(FaultOperation.Fsync, Path);
            return inner.FlushAsync(cancellationToken);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
