using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>
/// SSH_FXP_EXTENDED: one table from request name to handler. A request whose extension is disabled is neither
/// announced nor executed (OP_UNSUPPORTED, as for a name nobody knows).
/// </summary>
internal sealed partial class SftpSession
{
    private async ValueTask ExtendedAsync(uint id, ReadOnlyMemory<byte> body, bool firstRequest, CancellationToken cancellationToken)
    {
        string name;
        ReadOnlyMemory<byte> arguments;
        {
            var reader = new SftpReader(body.Span);
            name = reader.ReadUtf8();
            arguments = body[(body.Length - reader.Remaining)..];
        }

        string? extension = ExtensionOf(name);
        if (extension is not null)
        {
            // A name this server implements (a fixed set), so it may be a tag.
            _request = name;
        }

        if (extension is null || !Enabled(extension))
        {
            WriteStatus(id, SftpStatusCode.OpUnsupported, $"unsupported extended request {name}");
            return;
        }

        // -p/-P filters use OpenSSH's short names ("posix-rename", not "posix-rename@openssh.com").
        string filterName = name.EndsWith("@openssh.com", StringComparison.Ordinal) ? name[..^"@openssh.com".Length] : name;
        if (!_policy.IsPermitted(filterName))
        {
            WriteStatus(id, SftpStatusCode.PermissionDenied, $"{filterName} is not permitted");
            return;
        }

        switch (name)
        {
            case "posix-rename@openssh.com": await PosixRenameAsync(id, arguments, cancellationToken); break;
            case "statvfs@openssh.com": await StatvfsAsync(id, arguments, byHandle: false, cancellationToken); break;
            case "fstatvfs@openssh.com": await StatvfsAsync(id, arguments, byHandle: true, cancellationToken); break;
            case "hardlink@openssh.com": await HardlinkAsync(id, arguments, cancellationToken); break;
            case "fsync@openssh.com": await FsyncAsync(id, arguments, cancellationToken); break;
            case "lsetstat@openssh.com": await SetstatAsync(id, arguments, followLinks: false, cancellationToken); break;
            case "limits@openssh.com": WriteLimits(id); break;
            case "expand-path@openssh.com": await ExpandPathAsync(id, arguments, cancellationToken); break;
            case "copy-data": await CopyDataAsync(id, arguments, cancellationToken); break;
            case "home-directory": HomeDirectoryRequest(id, arguments.Span); break;
            case "users-groups-by-id@openssh.com": UsersGroupsById(id, arguments.Span); break;
            case "check-file-handle" or "check-file": await CheckFileAsync(id, arguments, byHandle: true, cancellationToken); break;
            case "check-file-name": await CheckFileAsync(id, arguments, byHandle: false, cancellationToken); break;
            case "copy-file": await CopyFileAsync(id, arguments, cancellationToken); break;
            case "space-available": await SpaceAvailableAsync(id, arguments, cancellationToken); break;
            case "version-select": VersionSelect(id, arguments.Span, firstRequest); break;
        }
    }

    /// <summary>Which configurable extension an EXTENDED request name belongs to; null for names this server lacks.</summary>
    private static string? ExtensionOf(string requestName) => requestName switch
    {
        // paramiko sends "check-file" with check-file-handle's arguments (an early draft's name).
        "check-file-handle" or "check-file-name" or "check-file" => SftpExtensions.CheckFile,
        "version-select" => SftpExtensions.Versions,
        SftpExtensions.PosixRename or SftpExtensions.Statvfs or SftpExtensions.Fstatvfs or SftpExtensions.Hardlink or
            SftpExtensions.Fsync or SftpExtensions.Lsetstat or SftpExtensions.Limits or SftpExtensions.ExpandPath or
            SftpExtensions.CopyData or SftpExtensions.HomeDirectory or SftpExtensions.UsersGroupsById or
            SftpExtensions.CopyFile or SftpExtensions.SpaceAvailable => requestName,
        _ => null,
    };

    private void BeginExtendedReply(uint id)
    {
        _output.BeginPacket(SftpMessageType.ExtendedReply);
        _output.WriteUInt32(id);
    }

    private async ValueTask PosixRenameAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        string from;
        string to;
        {
            var reader = new SftpReader(arguments.Span);
            from = reader.ReadUtf8();
            to = reader.ReadUtf8();
        }

        // rename(2) semantics (OpenSSH PROTOCOL §4.3): an existing target is replaced atomically.
        await RenamePathsAsync(from, to, overwrite: true, cancellationToken);
        WriteOk(id);
    }

    /// <summary>statvfs@openssh.com and fstatvfs@openssh.com (OpenSSH PROTOCOL §4.4): struct statvfs as 11 uint64.</summary>
    private async ValueTask StatvfsAsync(uint id, ReadOnlyMemory<byte> arguments, bool byHandle, CancellationToken cancellationToken)
    {
        VirtualPath? handlePath = null;
        string? name = null;
        {
            var reader = new SftpReader(arguments.Span);
            if (byHandle)
            {
                handlePath = _handles.Get<SftpHandle>(reader.ReadString()).Path;
            }
            else
            {
                name = reader.ReadUtf8();
            }
        }

        var path = handlePath ?? await ResolvePathAsync(name!, cancellationToken);

        var space = await _files.GetSpaceAsync(path, cancellationToken);
        ulong blockSize = (ulong)Math.Max(1, space.BlockSize);
        const ulong ReadOnlyFlag = 0x1; // ST_RDONLY
        const ulong NoSetuidFlag = 0x2; // ST_NOSUID: this server never sets those bits
        BeginExtendedReply(id);
        _output.WriteUInt64(blockSize); // f_bsize
        _output.WriteUInt64(blockSize); // f_frsize
        _output.WriteUInt64((ulong)space.TotalBytes / blockSize);
        _output.WriteUInt64((ulong)space.FreeBytes / blockSize);
        _output.WriteUInt64((ulong)space.AvailableBytes / blockSize);
        _output.WriteUInt64((ulong)space.TotalInodes);
        _output.WriteUInt64((ulong)space.FreeInodes);
        _output.WriteUInt64((ulong)space.FreeInodes); // f_favail
        _output.WriteUInt64(0); // f_fsid: nothing to tell a client about the host's devices
        _output.WriteUInt64(NoSetuidFlag | (_policy.ReadOnly ? ReadOnlyFlag : 0));
        _output.WriteUInt64((ulong)space.MaxNameLength);
        _output.EndPacket();
    }

    /// <summary>hardlink@openssh.com (PROTOCOL §4.5): oldpath is the existing file, newpath the new link.</summary>
    private async ValueTask HardlinkAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        string existing;
        string link;
        {
            var reader = new SftpReader(arguments.Span);
            existing = reader.ReadUtf8();
            link = reader.ReadUtf8();
        }

        await _files.CreateHardLinkAsync(await ResolvePathAsync(existing, cancellationToken), await ResolvePathAsync(link, cancellationToken), cancellationToken);
        WriteOk(id);
    }

    /// <summary>fsync@openssh.com (PROTOCOL §4.6): the data written through the handle reaches the disk before OK.</summary>
    private async ValueTask FsyncAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        FileHandleEntry handle;
        {
            var reader = new SftpReader(arguments.Span);
            handle = _handles.Get<FileHandleEntry>(reader.ReadString());
        }

        await handle.File.FlushAsync(cancellationToken);
        WriteOk(id);
    }

    /// <summary>limits@openssh.com (PROTOCOL §4.8).</summary>
    private void WriteLimits(uint id)
    {
        BeginExtendedReply(id);
        _output.WriteUInt64(MaxPacketLength);
        _output.WriteUInt64(MaxReadLength);
        _output.WriteUInt64(MaxReadLength);
        _output.WriteUInt64((ulong)_policy.MaxOpenHandles);
        _output.EndPacket();
    }

    /// <summary>
    /// expand-path@openssh.com (PROTOCOL §4.9): "~" and "~/..." start at the user's home, "~name" only for the user's
    /// own name; then the path is canonicalised like REALPATH.
    /// </summary>
    private async ValueTask ExpandPathAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(arguments);

        if (input.StartsWith('~'))
        {
            int slash = input.IndexOf('/');
            string who = slash < 0 ? input[1..] : input[1..slash];
            if (who.Length > 0 && who != _policy.UserName)
            {
                throw new SftpStatusException(SftpStatusCode.NoSuchFile, "unknown user");
            }

            string rest = slash < 0 ? "" : input[(slash + 1)..];
            input = rest.Length == 0 ? _policy.HomeDirectory.Value : _policy.HomeDirectory.Value.TrimEnd('/') + "/" + rest;
        }

        var path = await CanonicalAsync(await ResolvePathAsync(input, cancellationToken), cancellationToken);
        WriteSingleName(id, path.Value, null);
    }

    /// <summary>home-directory (PROTOCOL §4.10): the home of the named user, which can only be the user logged in.</summary>
    private void HomeDirectoryRequest(uint id, ReadOnlySpan<byte> arguments)
    {
        var reader = new SftpReader(arguments);
        string user = reader.ReadUtf8();
        if (user.Length > 0 && user != _policy.UserName)
        {
            throw new SftpStatusException(SftpStatusCode.NoSuchFile, "unknown user");
        }

        WriteSingleName(id, _policy.HomeDirectory.Value, null);
    }

    /// <summary>
    /// users-groups-by-id@openssh.com (PROTOCOL §4.11): names for numeric ids, empty where there is none. The
    /// counts are bounded by the strings that carry the ids, themselves bounded by the packet.
    /// </summary>
    private void UsersGroupsById(uint id, ReadOnlySpan<byte> arguments)
    {
        var reader = new SftpReader(arguments);
        var uids = reader.ReadString();
        var gids = reader.ReadString();
        if (uids.Length % 4 != 0 || gids.Length % 4 != 0)
        {
            throw new SftpBadMessageException("id lists are not whole uint32 values");
        }

        BeginExtendedReply(id);
        using (var names = new SftpWriter())
        {
            var ids = new SftpReader(uids);
            while (!ids.IsAtEnd)
            {
                names.WriteString(_owners.TryUser(ids.ReadUInt32()) ?? "");
            }

            _output.WriteString(names.WrittenSpan);
        }

        using (var names = new SftpWriter())
        {
            var ids = new SftpReader(gids);
            while (!ids.IsAtEnd)
            {
                names.WriteString(_owners.TryGroup(ids.ReadUInt32()) ?? "");
            }

            _output.WriteString(names.WrittenSpan);
        }

        _output.EndPacket();
    }

    /// <summary>space-available (draft -13 §9.2 / filexfer-extensions): sizes of the file system and what the user may use.</summary>
    private async ValueTask SpaceAvailableAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(arguments);

        var space = await _files.GetSpaceAsync(await ResolvePathAsync(input, cancellationToken), cancellationToken);
        BeginExtendedReply(id);
        _output.WriteUInt64((ulong)space.TotalBytes);
        _output.WriteUInt64((ulong)space.FreeBytes);
        _output.WriteUInt64((ulong)space.TotalBytes);
        _output.WriteUInt64((ulong)(_policy.ReadOnly ? 0 : space.AvailableBytes));
        _output.WriteUInt32((uint)Math.Clamp(space.BlockSize, 0, uint.MaxValue));
        _output.EndPacket();
    }
}
