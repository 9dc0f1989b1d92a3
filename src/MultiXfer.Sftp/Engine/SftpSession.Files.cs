using MultiXfer.Observability;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>OPEN, CLOSE, READ, WRITE (draft -13 §8.1 and §8.2).</summary>
internal sealed partial class SftpSession
{
    private const SftpOpenFlags LockBits = SftpOpenFlags.BlockRead | SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete |
                                           SftpOpenFlags.BlockAdvisory;

    private async ValueTask OpenAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        OpenRequest request;
        {
            var reader = new SftpReader(body.Span);
            request = Codec.ReadOpen(ref reader);
        }

        var path = await ResolvePathAsync(request.Path, cancellationToken);
        _handles.EnsureRoom();
        // Neither READ nor WRITE opens for reading, as POSIX O_RDONLY is 0 (OpenSSH does the same).
        var access = request.Write ? (request.Read ? FileAccessMode.ReadWrite : FileAccessMode.Write) : FileAccessMode.Read;
        var create = request.Create;
        if (request.Truncate && create == FileCreateMode.OpenExisting)
        {
            // TRUNCATE_EXISTING (or TRUNC without CREAT): the file must exist, then its content is replaced.
            await _files.GetStatusAsync(path, followLinks: true, cancellationToken);
            create = FileCreateMode.Replace;
        }

        if (request.NoFollow && await TryLstatAsync(path, cancellationToken) is { IsSymbolicLink: true })
        {
            throw new SftpStatusException(SftpStatusCode.LinkLoop, "the file is a symbolic link and NOFOLLOW was asked");
        }

        if (request.Write)
        {
            await CheckPathLockAsync(path, SftpOpenFlags.BlockWrite, followLinks: true, cancellationToken);
        }

        if (request.Attributes.HasAcl)
        {
            throw new SftpStatusException(SftpStatusCode.OpUnsupported, "ACLs cannot be set");
        }

        var options = new FileOpenOptions(access, create)
        {
            Permissions = request.Attributes.Permissions,
            Append = request.Append && create != FileCreateMode.Replace,
        };
        var file = await _files.OpenFileAsync(path, options, cancellationToken);
        var entry = new FileHandleEntry(path, file, request.DeleteOnClose);
        try
        {
            if ((request.BlockFlags & LockBits) != 0)
            {
                entry.LockKey = LockKey.For(path, await file.GetStatusAsync(cancellationToken));
                ByteRangeLocks.Shared.Acquire(entry.LockKey.Value, entry, this, 0, 0, request.BlockFlags & LockBits);
            }

            WriteHandle(id, _handles.Add(entry));
            if (_connection is not null)
            {
                // The bytes also cross the channel, which the connection counts already: shown, not added to its totals.
                entry.Activity = new MultiXfer.Connections.TransferActivity(request.Write ? "write" : "read", path.ToString(), request.Write,
                    _time.GetUtcNow(), () => entry.Moved, SeparateConnection: false) { Sha256 = () => IFileDigest.Of(file) };
                _connection.BeginTransfer(entry.Activity);
            }
        }
        catch
        {
            if (entry.LockKey is { } key)
            {
                ByteRangeLocks.Shared.ReleaseAll(key, entry);
            }

            await file.DisposeAsync();
            throw;
        }
    }

    private void WriteHandle(uint id, byte[] handle)
    {
        _output.BeginPacket(SftpMessageType.Handle);
        _output.WriteUInt32(id);
        _output.WriteString(handle);
        _output.EndPacket();
    }

    private async ValueTask CloseAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        SftpHandle handle;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Remove(reader.ReadString());
        }

        await ReleaseAsync(handle, commit: true, cancellationToken);
        WriteOk(id);
    }

    /// <summary>
    /// Closes a handle. A whole-file upload replaces its target only on a CLOSE (commit); a session that ends
    /// with the handle open abandons it, so a killed client never leaves a partial file under the final name.
    /// </summary>
    private async ValueTask ReleaseAsync(SftpHandle handle, bool commit, CancellationToken cancellationToken)
    {
        switch (handle)
        {
            case FileHandleEntry file:
                // A handle the session's end abandons was cut; one whose commit fails, failed.
                var outcome = commit ? TransferOutcome.Failed : TransferOutcome.Aborted;
                try
                {
                    if (file.LockKey is { } key)
                    {
                        ByteRangeLocks.Shared.ReleaseAll(key, file);
                    }

                    if (commit && !file.DeleteOnClose)
                    {
                        await file.File.CommitAsync(cancellationToken);
                    }

                    outcome = commit ? TransferOutcome.Completed : TransferOutcome.Aborted;
                }
                finally
                {
                    await file.File.DisposeAsync();
                    if (file.Activity is { } shown)
                    {
                        _connection?.EndTransfer(shown, outcome);
                    }
                }

                if (file.DeleteOnClose)
                {
                    try
                    {
                        await _files.DeleteFileAsync(file.Path, cancellationToken);
                    }
                    catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
                    {
                        // A new file opened with truncation was never committed: there is nothing to delete.
                    }
                }

                break;
            case DirectoryHandleEntry directory:
                await directory.Entries.DisposeAsync();
                break;
        }
    }

    private async ValueTask ReadAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        FileHandleEntry handle;
        ulong offset;
        uint length;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<FileHandleEntry>(reader.ReadString());
            offset = reader.ReadUInt64();
            length = reader.ReadUInt32();
        }

        if (offset > long.MaxValue || length == 0)
        {
            WriteStatus(id, SftpStatusCode.Eof);
            return;
        }

        // Clamped to the announced maximum, and so that offset + length stays a valid file position.
        int wanted = (int)Math.Min(Math.Min(length, MaxReadLength), (ulong)long.MaxValue - offset);
        if (wanted == 0)
        {
            WriteStatus(id, SftpStatusCode.Eof);
            return;
        }

        await CheckLocksAsync(handle, offset, (ulong)wanted, SftpOpenFlags.BlockRead, cancellationToken);
        _output.BeginPacket(SftpMessageType.Data);
        _output.WriteUInt32(id);
        // The file is read straight into the reply: no copy between storage and the channel.
        var destination = _output.BeginString(wanted);
        int read = await handle.File.ReadAsync((long)offset, destination, cancellationToken);
        handle.Count(read);
        if (read == 0)
        {
            _output.AbandonPacket();
            WriteStatus(id, SftpStatusCode.Eof);
            return;
        }

        _output.CommitString(read);
        _output.EndPacket();
    }

    private async ValueTask WriteAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        FileHandleEntry handle;
        ulong offset;
        ReadOnlyMemory<byte> data;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<FileHandleEntry>(reader.ReadString());
            offset = reader.ReadUInt64();
            int length = reader.ReadString().Length;
            int end = body.Length - reader.Remaining;
            data = body.Slice(end - length, length);
        }

        if ((handle.File.Access & FileAccessMode.Write) == 0)
        {
            throw new SftpStatusException(SftpStatusCode.PermissionDenied, "handle is not open for writing");
        }

        if (offset > long.MaxValue || (ulong)data.Length > long.MaxValue - offset)
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, "offset beyond the largest file size");
        }

        await CheckLocksAsync(handle, offset, (ulong)data.Length, SftpOpenFlags.BlockWrite, cancellationToken);
        await handle.File.WriteAsync((long)offset, data, cancellationToken);
        handle.Count(data.Length);
        WriteOk(id);
    }

    /// <summary>Byte-range locks of other handles (version 6 BLOCK) are checked only when any exist.</summary>
    private static async ValueTask CheckLocksAsync(FileHandleEntry handle, ulong offset, ulong length, SftpOpenFlags access,
        CancellationToken cancellationToken)
    {
        if (ByteRangeLocks.Shared.IsEmpty)
        {
            return;
        }

        ByteRangeLocks.Shared.CheckAccess(await LockKeyOfAsync(handle, cancellationToken), handle, offset, length, access);
    }

    private async ValueTask<FileStatus?> TryLstatAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await _files.GetStatusAsync(path, followLinks: false, cancellationToken);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
        {
            return null;
        }
    }
}
