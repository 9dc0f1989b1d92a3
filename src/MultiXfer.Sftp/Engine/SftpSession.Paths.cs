using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>REMOVE, RENAME, REALPATH, READLINK, SYMLINK, LINK (draft -13 §8.3, §8.8, §8.9).</summary>
internal sealed partial class SftpSession
{
    private async ValueTask RemoveAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(body);

        var path = await ResolvePathAsync(input, cancellationToken);
        await CheckDeleteLockAsync(path, cancellationToken);
        await _files.DeleteFileAsync(path, cancellationToken);
        WriteOk(id);
    }

    /// <summary>A version 6 BLOCK_DELETE lock held by any handle keeps the file from being removed or renamed.</summary>
    private ValueTask CheckDeleteLockAsync(VirtualPath path, CancellationToken cancellationToken) =>
        CheckPathLockAsync(path, SftpOpenFlags.BlockDelete, followLinks: false, cancellationToken);

    /// <summary>
    /// Whether a lock of any handle over any byte of the file at <paramref name="path"/> forbids
    /// <paramref name="blocked"/>: for operations that change a file by name (truncating SETSTAT, replacing
    /// uploads and copies, removal), which no per-handle check sees.
    /// </summary>
    private async ValueTask CheckPathLockAsync(VirtualPath path, SftpOpenFlags blocked, bool followLinks, CancellationToken cancellationToken)
    {
        if (ByteRangeLocks.Shared.IsEmpty)
        {
            return;
        }

        var status = followLinks ? await TryStatAsync(path, cancellationToken) : await TryLstatAsync(path, cancellationToken);
        if (status is { IsRegular: true })
        {
            ByteRangeLocks.Shared.CheckAccess(LockKey.For(path, status), this, 0, ulong.MaxValue, blocked);
        }
    }

    private async ValueTask RenameAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string from;
        string to;
        SftpRenameFlags flags;
        {
            var reader = new SftpReader(body.Span);
            from = reader.ReadUtf8();
            to = reader.ReadUtf8();
            flags = Codec.ReadRenameFlags(ref reader);
        }

        // Without OVERWRITE an existing target makes the rename fail (draft -02 §6.5, draft -13 §8.3); rename(2)
        // with RENAME_NOREPLACE does that atomically, so a failed rename leaves both files as they were.
        await RenamePathsAsync(from, to, overwrite: (flags & SftpRenameFlags.Overwrite) != 0, cancellationToken);
        WriteOk(id);
    }

    private async ValueTask RenamePathsAsync(string from, string to, bool overwrite, CancellationToken cancellationToken)
    {
        var source = await ResolvePathAsync(from, cancellationToken);
        var target = await ResolvePathAsync(to, cancellationToken);
        await CheckDeleteLockAsync(source, cancellationToken);
        if (overwrite)
        {
            await CheckDeleteLockAsync(target, cancellationToken);
        }

        await _files.RenameAsync(source, target, new RenameOptions(overwrite), cancellationToken);
    }

    private async ValueTask RealpathAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input;
        RealpathControl? control = null;
        var compose = new List<string>();
        {
            var reader = new SftpReader(body.Span);
            input = reader.ReadUtf8();
            if (Codec.Version >= 6 && !reader.IsAtEnd)
            {
                // Version 6 (draft -13 §8.9): a control byte, then paths each resolved against the one before.
                control = (RealpathControl)reader.ReadByte();
                if (control is not (RealpathControl.NoCheck or RealpathControl.StatIf or RealpathControl.StatAlways))
                {
                    throw new SftpBadMessageException("unknown REALPATH control byte");
                }

                while (!reader.IsAtEnd)
                {
                    compose.Add(reader.ReadUtf8());
                }
            }
        }

        var path = await ResolvePathAsync(input, cancellationToken);
        foreach (string next in compose)
        {
            if (!VirtualPath.TryResolve(path, next, out path, out _))
            {
                throw new SftpStatusException(SftpStatusCode.InvalidFilename);
            }
        }

        FileStatus? status = null;
        switch (control)
        {
            case RealpathControl.NoCheck:
                break;
            case RealpathControl.StatAlways:
                path = await _files.GetRealPathAsync(path, cancellationToken);
                status = await _files.GetStatusAsync(path, followLinks: true, cancellationToken);
                break;
            default:
                path = await CanonicalAsync(path, cancellationToken);
                if (control == RealpathControl.StatIf)
                {
                    status = await TryStatAsync(path, cancellationToken);
                }

                break;
        }

        WriteSingleName(id, path.Value, status);
    }

    /// <summary>
    /// Links resolved like realpath(3) as OpenSSH's sftp-server uses it: the final name may be missing (a file
    /// about to be uploaded), anything before it must exist.
    /// </summary>
    private async ValueTask<VirtualPath> CanonicalAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await _files.GetRealPathAsync(path, cancellationToken);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.NotFound && !path.IsRoot)
        {
            return (await _files.GetRealPathAsync(path.Parent, cancellationToken)).Append(path.Name);
        }
    }

    private async ValueTask<FileStatus?> TryStatAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await _files.GetStatusAsync(path, followLinks: true, cancellationToken);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
        {
            return null;
        }
    }

    private void WriteSingleName(uint id, string name, FileStatus? status)
    {
        _output.BeginPacket(SftpMessageType.Name);
        _output.WriteUInt32(id);
        _output.WriteUInt32(1);
        if (status is null)
        {
            Codec.WriteNameEntry(_output, name, null, _owners, default);
        }
        else
        {
            Codec.WriteNameEntry(_output, name, status, _owners, _time.GetUtcNow().UtcDateTime);
        }

        Codec.WriteEndOfList(_output, true);
        _output.EndPacket();
    }

    private async ValueTask ReadlinkAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(body);

        string target = await _files.ReadSymbolicLinkAsync(await ResolvePathAsync(input, cancellationToken), cancellationToken);
        WriteSingleName(id, target, null);
    }

    private async ValueTask SymlinkAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string link;
        string target;
        {
            var reader = new SftpReader(body.Span);
            (link, target) = Codec.ReadSymlink(ref reader);
        }

        // The target is stored as given: FSIO resolves every link inside the user's root, whatever it says.
        await _files.CreateSymbolicLinkAsync(await ResolvePathAsync(link, cancellationToken), target, cancellationToken);
        WriteOk(id);
    }

    /// <summary>Version 6 LINK: new-link-path, existing-path, symbolic or hard.</summary>
    private async ValueTask LinkAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string link;
        string existing;
        bool symbolic;
        {
            var reader = new SftpReader(body.Span);
            link = reader.ReadUtf8();
            existing = reader.ReadUtf8();
            symbolic = reader.ReadBoolean();
        }

        if (symbolic)
        {
            await _files.CreateSymbolicLinkAsync(await ResolvePathAsync(link, cancellationToken), existing, cancellationToken);
        }
        else
        {
            await _files.CreateHardLinkAsync(await ResolvePathAsync(existing, cancellationToken), await ResolvePathAsync(link, cancellationToken), cancellationToken);
        }

        WriteOk(id);
    }
}
