using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>Version 3, draft-ietf-secsh-filexfer-02 as OpenSSH implements it (OpenSSH, paramiko, curl, rclone).</summary>
internal sealed class SftpCodecV3 : SftpCodec
{
    public override int Version => 3;

    protected override SftpStatusCode LastStatusCode => SftpStatusCode.OpUnsupported;

    public override SftpAttributeFlags SupportedAttributes =>
        SftpAttributeFlags.Size | SftpAttributeFlags.UidGid | SftpAttributeFlags.Permissions | SftpAttributeFlags.AcModTime;

    public override SftpAttributes ReadAttributes(ref SftpReader reader)
    {
        var flags = (SftpAttributeFlags)reader.ReadUInt32();
        var attributes = new SftpAttributes();
        if ((flags & SftpAttributeFlags.Size) != 0)
        {
            attributes.Size = reader.ReadInt64();
        }

        if ((flags & SftpAttributeFlags.UidGid) != 0)
        {
            attributes.OwnerId = reader.ReadUInt32();
            attributes.GroupId = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.Permissions) != 0)
        {
            attributes.Permissions = (int)(reader.ReadUInt32() & 0xFFF);
        }

        if ((flags & SftpAttributeFlags.AcModTime) != 0)
        {
            // Unsigned 32-bit seconds (draft -02 §5).
            attributes.AccessedUtc = FromUnix(reader.ReadUInt32(), 0);
            attributes.ModifiedUtc = FromUnix(reader.ReadUInt32(), 0);
        }

        if ((flags & SftpAttributeFlags.Extended) != 0)
        {
            attributes.ExtendedCount = SkipExtendedPairs(ref reader);
        }

        return attributes;
    }

    public override void WriteAttributes(SftpWriter writer, string name, FileStatus status, SftpAttributeFlags requested, OwnerNames owners)
    {
        writer.WriteUInt32((uint)SupportedAttributes);
        writer.WriteInt64(status.Size);
        writer.WriteUInt32(status.OwnerId);
        writer.WriteUInt32(status.GroupId);
        writer.WriteUInt32(Mode(status));
        writer.WriteUInt32(ClampSeconds(status.AccessedUtc));
        writer.WriteUInt32(ClampSeconds(status.ModifiedUtc));
    }

    public override void WriteEmptyAttributes(SftpWriter writer) => writer.WriteUInt32(0);

    public override OpenRequest ReadOpen(ref SftpReader reader)
    {
        string path = reader.ReadUtf8();
        var pflags = (SftpPflags)reader.ReadUInt32();
        var attributes = ReadAttributes(ref reader);
        return FromPflags(path, pflags, attributes);
    }

    /// <summary>
    /// OpenSSH sends SYMLINK with the target first, the reverse of draft -02 (OpenSSH PROTOCOL.sftp-server §4.1);
    /// every version 3 client follows OpenSSH, so this server does too.
    /// </summary>
    public override (string Link, string Target) ReadSymlink(ref SftpReader reader)
    {
        string target = reader.ReadUtf8();
        string link = reader.ReadUtf8();
        return (link, target);
    }

    public override void WriteNameEntry(SftpWriter writer, string name, FileStatus? status, OwnerNames owners, DateTime nowUtc)
    {
        writer.WriteString(name);
        if (status is null)
        {
            writer.WriteString(name);
            WriteEmptyAttributes(writer);
            return;
        }

        writer.WriteString(LongName.Format(name, status, owners, nowUtc));
        WriteAttributes(writer, name, status, SupportedAttributes, owners);
    }

    /// <summary>Versions 3 and 4 share pflags (version 4 adds TEXT).</summary>
    internal static OpenRequest FromPflags(string path, SftpPflags pflags, SftpAttributes attributes)
    {
        bool create = (pflags & SftpPflags.Create) != 0;
        bool exclusive = (pflags & SftpPflags.Exclusive) != 0;
        bool truncate = (pflags & SftpPflags.Truncate) != 0;
        var mode = !create ? FileCreateMode.OpenExisting
            : exclusive ? FileCreateMode.CreateNew
            : truncate ? FileCreateMode.Replace
            : FileCreateMode.OpenOrCreate;
        return new OpenRequest(path, (pflags & SftpPflags.Read) != 0, (pflags & SftpPflags.Write) != 0, mode,
            truncate, (pflags & SftpPflags.Append) != 0, (pflags & SftpPflags.Text) != 0, NoFollow: false,
            DeleteOnClose: false, BlockFlags: 0, attributes);
    }

    private static uint ClampSeconds(DateTime utc) => (uint)Math.Clamp(UnixSeconds(utc), 0, uint.MaxValue);
}
