using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// The attribute layout of versions 4 to 6 (draft -04 §5, -05 §5, -13 §7): a type byte, owner and group as
/// names, 64-bit times with optional nanoseconds. Each later version inserts fields; the subclasses say which.
/// </summary>
internal abstract class SftpCodecV4Plus : SftpCodec
{
    /// <summary>Attribute bits (draft -13 §7.9) this server can state: HIDDEN and CASE_INSENSITIVE.</summary>
    private const uint AttribHidden = 0x4;
    private const uint AttribCaseInsensitive = 0x8;

    /// <summary>Version 6 adds allocation size, ctime, text hint, MIME type, link count, untranslated name.</summary>
    protected abstract bool HasVersion6Fields { get; }

    /// <summary>Version 5 adds attrib-bits; version 6 follows them with attrib-bits-valid.</summary>
    protected abstract bool HasBits { get; }

    public override SftpAttributeFlags SupportedAttributes
    {
        get
        {
            var flags = SftpAttributeFlags.Size | SftpAttributeFlags.OwnerGroup | SftpAttributeFlags.Permissions |
                        SftpAttributeFlags.AccessTime | SftpAttributeFlags.CreateTime | SftpAttributeFlags.ModifyTime |
                        SftpAttributeFlags.SubsecondTimes | SftpAttributeFlags.Acl;
            if (HasBits)
            {
                flags |= SftpAttributeFlags.Bits;
            }

            if (HasVersion6Fields)
            {
                flags |= SftpAttributeFlags.AllocationSize | SftpAttributeFlags.ChangeTime | SftpAttributeFlags.LinkCount |
                         SftpAttributeFlags.TextHint | SftpAttributeFlags.MimeType;
            }

            return flags;
        }
    }

    public override SftpAttributeFlags ReadStatFlags(ref SftpReader reader) =>
        reader.IsAtEnd ? SupportedAttributes : (SftpAttributeFlags)reader.ReadUInt32();

    public override SftpAttributes ReadAttributes(ref SftpReader reader)
    {
        var flags = (SftpAttributeFlags)reader.ReadUInt32();
        reader.ReadByte(); // type: informational on input, the request says what to create
        var attributes = new SftpAttributes();
        bool subsecond = (flags & SftpAttributeFlags.SubsecondTimes) != 0;
        if ((flags & SftpAttributeFlags.Size) != 0)
        {
            attributes.Size = reader.ReadInt64();
        }

        if (HasVersion6Fields && (flags & SftpAttributeFlags.AllocationSize) != 0)
        {
            reader.ReadUInt64();
        }

        if ((flags & SftpAttributeFlags.OwnerGroup) != 0)
        {
            attributes.OwnerName = reader.ReadUtf8();
            attributes.GroupName = reader.ReadUtf8();
        }

        if ((flags & SftpAttributeFlags.Permissions) != 0)
        {
            attributes.Permissions = (int)(reader.ReadUInt32() & 0xFFF);
        }

        if ((flags & SftpAttributeFlags.AccessTime) != 0)
        {
            attributes.AccessedUtc = ReadTime(ref reader, subsecond);
        }

        if ((flags & SftpAttributeFlags.CreateTime) != 0)
        {
            attributes.CreatedUtc = ReadTime(ref reader, subsecond);
        }

        if ((flags & SftpAttributeFlags.ModifyTime) != 0)
        {
            attributes.ModifiedUtc = ReadTime(ref reader, subsecond);
        }

        if (HasVersion6Fields && (flags & SftpAttributeFlags.ChangeTime) != 0)
        {
            ReadTime(ref reader, subsecond); // ctime is the system's to set
        }

        if ((flags & SftpAttributeFlags.Acl) != 0)
        {
            SkipAcl(ref reader);
            attributes.HasAcl = true;
        }

        if (HasBits && (flags & SftpAttributeFlags.Bits) != 0)
        {
            reader.ReadUInt32();
            if (HasVersion6Fields)
            {
                reader.ReadUInt32();
            }
        }

        if (HasVersion6Fields)
        {
            if ((flags & SftpAttributeFlags.TextHint) != 0)
            {
                reader.ReadByte();
            }

            if ((flags & SftpAttributeFlags.MimeType) != 0)
            {
                reader.ReadString();
            }

            if ((flags & SftpAttributeFlags.LinkCount) != 0)
            {
                reader.ReadUInt32();
            }

            if ((flags & SftpAttributeFlags.UntranslatedName) != 0)
            {
                reader.ReadString();
            }
        }

        if ((flags & SftpAttributeFlags.Extended) != 0)
        {
            attributes.ExtendedCount = SkipExtendedPairs(ref reader);
        }

        return attributes;
    }

    public override void WriteAttributes(SftpWriter writer, string name, FileStatus status, SftpAttributeFlags requested, OwnerNames owners)
    {
        var flags = requested & SupportedAttributes;
        if (status.CreatedUtc is null)
        {
            flags &= ~SftpAttributeFlags.CreateTime;
        }

        string mimeType = "";
        byte textHint = 0;
        if (!status.IsRegular || !MediaTypes.TryGuess(name, out mimeType, out textHint))
        {
            flags &= ~(SftpAttributeFlags.TextHint | SftpAttributeFlags.MimeType);
        }

        if ((flags & (SftpAttributeFlags.AccessTime | SftpAttributeFlags.CreateTime | SftpAttributeFlags.ModifyTime |
                      SftpAttributeFlags.ChangeTime)) == 0)
        {
            flags &= ~SftpAttributeFlags.SubsecondTimes;
        }

        bool subsecond = (flags & SftpAttributeFlags.SubsecondTimes) != 0;
        writer.WriteUInt32((uint)flags);
        writer.WriteByte((byte)TypeOf(status));
        if ((flags & SftpAttributeFlags.Size) != 0)
        {
            writer.WriteInt64(status.Size);
        }

        if ((flags & SftpAttributeFlags.AllocationSize) != 0)
        {
            writer.WriteInt64(status.AllocatedSize);
        }

        if ((flags & SftpAttributeFlags.OwnerGroup) != 0)
        {
            writer.WriteString(owners.User(status.OwnerId));
            writer.WriteString(owners.Group(status.GroupId));
        }

        if ((flags & SftpAttributeFlags.Permissions) != 0)
        {
            writer.WriteUInt32(Mode(status));
        }

        if ((flags & SftpAttributeFlags.AccessTime) != 0)
        {
            WriteTime(writer, status.AccessedUtc, subsecond);
        }

        if ((flags & SftpAttributeFlags.CreateTime) != 0)
        {
            WriteTime(writer, status.CreatedUtc!.Value, subsecond);
        }

        if ((flags & SftpAttributeFlags.ModifyTime) != 0)
        {
            WriteTime(writer, status.ModifiedUtc, subsecond);
        }

        if ((flags & SftpAttributeFlags.ChangeTime) != 0)
        {
            WriteTime(writer, status.ChangedUtc, subsecond);
        }

        if ((flags & SftpAttributeFlags.Acl) != 0)
        {
            AclEncoding.WriteFromMode(writer, status, asVersion6String: HasVersion6Fields);
        }

        if ((flags & SftpAttributeFlags.Bits) != 0)
        {
            writer.WriteUInt32(name.StartsWith('.') ? AttribHidden : 0);
            if (HasVersion6Fields)
            {
                writer.WriteUInt32(AttribHidden | AttribCaseInsensitive);
            }
        }

        if ((flags & SftpAttributeFlags.TextHint) != 0)
        {
            writer.WriteByte(textHint);
        }

        if ((flags & SftpAttributeFlags.MimeType) != 0)
        {
            writer.WriteString(mimeType);
        }

        if ((flags & SftpAttributeFlags.LinkCount) != 0)
        {
            writer.WriteUInt32((uint)Math.Clamp(status.LinkCount, 0, uint.MaxValue));
        }
    }

    public override void WriteEmptyAttributes(SftpWriter writer)
    {
        writer.WriteUInt32(0);
        writer.WriteByte((byte)SftpFileType.Unknown);
    }

    public override void WriteNameEntry(SftpWriter writer, string name, FileStatus? status, OwnerNames owners, DateTime nowUtc)
    {
        writer.WriteString(name);
        if (status is null)
        {
            WriteEmptyAttributes(writer);
        }
        else
        {
            // Listings carry no ACL (rarely wanted), no name-based guesses, and no allocation size: lftp's version 6
            // parser reads owner where draft -13 puts allocation-size. A client wanting them can STAT.
            WriteAttributes(writer, name, status, SupportedAttributes & ~(SftpAttributeFlags.Acl | SftpAttributeFlags.AllocationSize |
                SftpAttributeFlags.TextHint | SftpAttributeFlags.MimeType), owners);
        }
    }

    /// <summary>
    /// Drafts -04 and -05 name the link first, but lftp, the version 4/5 client tested here, keeps OpenSSH's
    /// version 3 order (target first) for every version below 6. Practice wins: a link must land where the user
    /// asked. Version 6 has LINK, whose order is unambiguous.
    /// </summary>
    public override (string Link, string Target) ReadSymlink(ref SftpReader reader)
    {
        string target = reader.ReadUtf8();
        string link = reader.ReadUtf8();
        return (link, target);
    }

    /// <summary>Drafts -04/-05 carry ACL entries inline, draft -13 as one string (see <see cref="AclEncoding"/>).</summary>
    private void SkipAcl(ref SftpReader reader)
    {
        if (HasVersion6Fields)
        {
            reader.ReadString();
            return;
        }

        int count = reader.ReadCount(16);
        for (int i = 0; i < count; i++)
        {
            reader.ReadUInt32();
            reader.ReadUInt32();
            reader.ReadUInt32();
            reader.ReadString();
        }
    }

    private static SftpFileType TypeOf(FileStatus status) => status.Type switch
    {
        FileType.Regular => SftpFileType.Regular,
        FileType.Directory => SftpFileType.Directory,
        FileType.SymbolicLink => SftpFileType.Symlink,
        FileType.Special => SftpFileType.Special,
        _ => SftpFileType.Unknown,
    };

    private static DateTime ReadTime(ref SftpReader reader, bool subsecond)
    {
        long seconds = reader.ReadInt64();
        uint nanoseconds = subsecond ? reader.ReadUInt32() : 0;
        return FromUnix(seconds, nanoseconds);
    }

    private static void WriteTime(SftpWriter writer, DateTime utc, bool subsecond)
    {
        writer.WriteInt64(UnixSeconds(utc));
        if (subsecond)
        {
            writer.WriteUInt32(Nanoseconds(utc));
        }
    }
}
