using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>STAT, LSTAT, FSTAT, SETSTAT, FSETSTAT (draft -13 §8.6) and lsetstat@openssh.com.</summary>
internal sealed partial class SftpSession
{
    private async ValueTask StatAsync(uint id, ReadOnlyMemory<byte> body, bool followLinks, CancellationToken cancellationToken)
    {
        string input;
        SftpAttributeFlags wanted;
        {
            var reader = new SftpReader(body.Span);
            input = reader.ReadUtf8();
            wanted = Codec.ReadStatFlags(ref reader);
        }

        var path = await ResolvePathAsync(input, cancellationToken);
        var status = await _files.GetStatusAsync(path, followLinks, cancellationToken);
        WriteAttrs(id, path.Name, status, wanted);
    }

    private async ValueTask FstatAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        SftpHandle handle;
        SftpAttributeFlags wanted;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<SftpHandle>(reader.ReadString());
            wanted = Codec.ReadStatFlags(ref reader);
        }

        var status = handle is FileHandleEntry file
            ? await file.File.GetStatusAsync(cancellationToken)
            : await _files.GetStatusAsync(handle.Path, followLinks: true, cancellationToken);
        WriteAttrs(id, handle.Path.Name, status, wanted);
    }

    private void WriteAttrs(uint id, string name, FileStatus status, SftpAttributeFlags wanted)
    {
        _output.BeginPacket(SftpMessageType.Attrs);
        _output.WriteUInt32(id);
        Codec.WriteAttributes(_output, name, status, wanted, _owners);
        _output.EndPacket();
    }

    private async ValueTask SetstatAsync(uint id, ReadOnlyMemory<byte> body, bool followLinks, CancellationToken cancellationToken)
    {
        string input;
        SftpAttributes attributes;
        {
            var reader = new SftpReader(body.Span);
            input = reader.ReadUtf8();
            attributes = Codec.ReadAttributes(ref reader);
        }

        var path = await ResolvePathAsync(input, cancellationToken);
        if (!followLinks && await TryLstatAsync(path, cancellationToken) is { IsSymbolicLink: true })
        {
            // Linux cannot change a link's own mode, and FSIO sets times only through links.
            if (attributes.Permissions is not null || attributes.AccessedUtc is not null || attributes.ModifiedUtc is not null ||
                attributes.Size is not null)
            {
                throw new SftpStatusException(SftpStatusCode.OpUnsupported, "attributes of a symbolic link itself cannot be changed");
            }
        }

        await CheckOwnerChangeAsync(attributes, () => _files.GetStatusAsync(path, followLinks, cancellationToken));
        if (attributes.Size is { } size)
        {
            await CheckPathLockAsync(path, SftpOpenFlags.BlockWrite, followLinks: true, cancellationToken);
            await _files.SetLengthAsync(path, CheckedSize(size), cancellationToken);
        }

        if (attributes.Permissions is { } permissions)
        {
            await _files.SetPermissionsAsync(path, permissions, cancellationToken);
        }

        if (attributes.AccessedUtc is not null || attributes.ModifiedUtc is not null)
        {
            await _files.SetTimesAsync(path, attributes.AccessedUtc, attributes.ModifiedUtc, cancellationToken);
        }

        WriteOk(id);
    }

    private async ValueTask FsetstatAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        SftpHandle handle;
        SftpAttributes attributes;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<SftpHandle>(reader.ReadString());
            attributes = Codec.ReadAttributes(ref reader);
        }

        if (handle is not FileHandleEntry file)
        {
            await SetstatOnPathAsync(handle.Path, attributes, cancellationToken);
            WriteOk(id);
            return;
        }

        await CheckOwnerChangeAsync(attributes, () => file.File.GetStatusAsync(cancellationToken));
        if (attributes.Size is { } size)
        {
            await CheckLocksAsync(file, 0, ulong.MaxValue, SftpOpenFlags.BlockWrite, cancellationToken);
            await file.File.SetLengthAsync(CheckedSize(size), cancellationToken);
        }

        if (attributes.Permissions is { } permissions)
        {
            await file.File.SetPermissionsAsync(permissions, cancellationToken);
        }

        if (attributes.AccessedUtc is not null || attributes.ModifiedUtc is not null)
        {
            await file.File.SetTimesAsync(attributes.AccessedUtc, attributes.ModifiedUtc, cancellationToken);
        }

        WriteOk(id);
    }

    private async ValueTask SetstatOnPathAsync(VirtualPath path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        await CheckOwnerChangeAsync(attributes, () => _files.GetStatusAsync(path, true, cancellationToken));
        if (attributes.Permissions is { } permissions)
        {
            await _files.SetPermissionsAsync(path, permissions, cancellationToken);
        }

        if (attributes.AccessedUtc is not null || attributes.ModifiedUtc is not null)
        {
            await _files.SetTimesAsync(path, attributes.AccessedUtc, attributes.ModifiedUtc, cancellationToken);
        }
    }

    private static long CheckedSize(long size) =>
        size >= 0 ? size : throw new SftpStatusException(SftpStatusCode.InvalidParameter, "negative size");

    /// <summary>
    /// Files belong to the server's account; an ownership change is accepted only when it changes nothing (clients
    /// such as WinSCP send the current owner back with every SETSTAT). ACLs cannot be set either.
    /// </summary>
    private async ValueTask CheckOwnerChangeAsync(SftpAttributes attributes, Func<ValueTask<FileStatus>> current)
    {
        if (attributes.HasAcl)
        {
            throw new SftpStatusException(SftpStatusCode.OpUnsupported, "ACLs cannot be set");
        }

        if (!attributes.ChangesOwner)
        {
            return;
        }

        var status = await current();
        bool same = (attributes.OwnerId is null || attributes.OwnerId == status.OwnerId) &&
                    (attributes.GroupId is null || attributes.GroupId == status.GroupId) &&
                    (attributes.OwnerName is null || attributes.OwnerName == _owners.User(status.OwnerId)) &&
                    (attributes.GroupName is null || attributes.GroupName == _owners.Group(status.GroupId));
        if (!same)
        {
            throw new SftpStatusException(SftpStatusCode.PermissionDenied, "ownership cannot be changed");
        }
    }
}
