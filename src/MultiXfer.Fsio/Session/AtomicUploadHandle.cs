using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Session;

/// <summary>
/// A crash-safe upload: data goes to a hidden temporary file beside the target, which replaces the target in one
/// rename when the protocol commits. Disposed without a commit (connection lost, transfer aborted, disk full),
/// the temporary file is removed and the target keeps its old content.
/// </summary>
/// <param name="overwrite">The target existed when the upload began (and the user may overwrite it). Otherwise
/// the commit never replaces a file that appeared meanwhile: it fails with AlreadyExists.</param>
/// <param name="fsync">Make the data durable before it takes the target's name (power-loss safety).</param>
internal sealed class AtomicUploadHandle(IFileSystem backend, IFileHandle temporary, VirtualPath temporaryPath, VirtualPath target,
    bool overwrite, bool fsync, SessionFileSystem owner) : IFileHandle
{
    private bool _committed;
    private bool _disposed;

    public VirtualPath Path => target;

    public FileAccessMode Access => temporary.Access;

    public SafeFileHandle? OsHandle => temporary.OsHandle;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        temporary.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        temporary.WriteAsync(offset, data, cancellationToken);

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) => temporary.GetStatusAsync(cancellationToken);

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken) => temporary.SetLengthAsync(length, cancellationToken);

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        temporary.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) =>
        temporary.SetPermissionsAsync(permissions, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => temporary.FlushAsync(cancellationToken);

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            return;
        }

        var status = await temporary.GetStatusAsync(cancellationToken);
        if (fsync)
        {
            await temporary.FlushAsync(cancellationToken);
        }

        await backend.RenameAsync(temporaryPath, target, new RenameOptions(overwrite), cancellationToken);
        _committed = true;
        owner.LogCommitted(target, status.Size);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await temporary.DisposeAsync();
        if (!_committed)
        {
            try
            {
                await backend.DeleteFileAsync(temporaryPath, CancellationToken.None);
            }
            catch (FsException)
            {
                // Already gone; nothing under the target name was touched either way.
            }

            owner.LogAbandoned(target);
        }
    }
}
