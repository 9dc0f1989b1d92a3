using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Session;

/// <summary>
/// A file opened for writing through a session. The first write that fails (disk full, quota, I/O error, the file
/// system gone) poisons the handle: every later write, truncation, flush and the commit fail with that same error,
/// whatever the client does next, so a client that carries on after an error can neither complete a damaged
/// upload nor add bytes after a gap.
/// <para>
/// A crash-safe upload (<paramref name="temporary"/> set) writes to a hidden file beside the target, which replaces
/// the target in one rename on <see cref="CommitAsync"/>. Poisoned, or disposed without a commit (connection lost,
/// transfer aborted), the temporary file is removed at once, giving its space back, and the target keeps its old
/// content. Without a temporary, the client asked to write in place (resume, append, random access): the bytes
/// written before the failure stay, nothing after them is written.
/// </para>
/// </summary>
internal sealed class UploadHandle(IFileHandle file, VirtualPath target, UploadTemporary? temporary, SessionFileSystem owner)
    : IFileHandle
{
    private FsException? _failure;
    private bool _committed;
    private bool _disposed;
    private bool _fileClosed;

    public VirtualPath Path => target;

    public FileAccessMode Access => file.Access;

    public SafeFileHandle? OsHandle => _failure is null ? file.OsHandle : null;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        return file.ReadAsync(offset, buffer, cancellationToken);
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        try
        {
            await file.WriteAsync(offset, data, cancellationToken);
        }
        catch (FsException e)
        {
            await PoisonAsync(e);
            throw;
        }
    }

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        return file.GetStatusAsync(cancellationToken);
    }

    public async ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        try
        {
            await file.SetLengthAsync(length, cancellationToken);
        }
        catch (FsException e)
        {
            await PoisonAsync(e);
            throw;
        }
    }

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        return file.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);
    }

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        return file.SetPermissionsAsync(permissions, cancellationToken);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        try
        {
            await file.FlushAsync(cancellationToken);
        }
        catch (FsException e)
        {
            await PoisonAsync(e);
            throw;
        }
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfPoisoned();
        if (_committed)
        {
            return;
        }

        if (temporary is not { } upload)
        {
            _committed = true;
            return;
        }

        try
        {
            var status = await file.GetStatusAsync(cancellationToken);
            if (upload.Fsync)
            {
                await file.FlushAsync(cancellationToken);
            }

            // Closed (and so unlocked) before it takes the target's name: a file that appears under its final name
            // is finished, and a local reader that takes a shared lock (flock, .NET's FileStream) gets it at once
            // instead of finding it "in use" until the handle is disposed after the reply.
            await CloseFileAsync();
            await upload.Backend.RenameAsync(upload.Path, target, new RenameOptions(upload.Overwrite), cancellationToken);
            _committed = true;
            owner.LogCommitted(target, status.Size);
        }
        catch (FsException e)
        {
            await PoisonAsync(e);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await CloseFileAsync();
        if (temporary is not null && !_committed && _failure is null)
        {
            await DiscardTemporaryAsync();
            owner.LogAbandoned(target);
        }
    }

    private void ThrowIfPoisoned()
    {
        if (_failure is { } failure)
        {
            throw new FsException(failure.Kind, $"{target}: the upload failed earlier ({FsException.Describe(failure.Kind)})", failure);
        }
    }

    private async ValueTask PoisonAsync(FsException failure)
    {
        if (_failure is not null)
        {
            return;
        }

        _failure = failure;
        owner.Count("upload", failure);
        owner.LogFailed(target, failure, temporary is not null);
        if (temporary is not null)
        {
            // Cut first: the blocks are freed even if something else still holds the file open (unless the commit
            // has closed it already; the delete below still removes it).
            try
            {
                if (!_fileClosed)
                {
                    await file.SetLengthAsync(0, CancellationToken.None);
                }
            }
            catch (FsException)
            {
                // The storage is failing; the delete below still tries.
            }

            await CloseFileAsync();
            await DiscardTemporaryAsync();
        }
    }

    private ValueTask CloseFileAsync()
    {
        if (_fileClosed)
        {
            return ValueTask.CompletedTask;
        }

        _fileClosed = true;
        return file.DisposeAsync();
    }

    private async ValueTask DiscardTemporaryAsync()
    {
        try
        {
            await temporary!.Backend.DeleteFileAsync(temporary.Path, CancellationToken.None);
        }
        catch (FsException)
        {
            // Already gone, or the storage is unreachable: the sweep removes it once nobody holds its lock.
        }
    }
}

/// <summary>
/// The hidden file a crash-safe upload writes (it holds an exclusive lock on it while open, so a sweep can tell a
/// live upload from a crash leftover).
/// </summary>
/// <param name="Overwrite">The target existed when the upload began (and the user may overwrite it). Otherwise the
/// commit never replaces a file that appeared meanwhile: it fails with AlreadyExists.</param>
/// <param name="Fsync">Make the data durable before it takes the target's name (power-loss safety).</param>
internal sealed record UploadTemporary(IFileSystem Backend, VirtualPath Path, bool Overwrite, bool Fsync);
