namespace MultiXfer.Sftp.Tests.Client;

/// <summary>One ACE as a version 4+ client reads it.</summary>
internal sealed record Ace(uint Type, uint Flags, uint Mask, string Who);

/// <summary>Attributes as a client of the given version parses them (draft -02 §5, -04 §5, -05 §5, -13 §7).</summary>
internal sealed class ClientAttrs
{
    public const uint Size = 0x1;
    public const uint UidGid = 0x2;
    public const uint Permissions = 0x4;
    public const uint AcModTime = 0x8;
    public const uint AccessTime = 0x8;
    public const uint CreateTime = 0x10;
    public const uint ModifyTime = 0x20;
    public const uint Acl = 0x40;
    public const uint OwnerGroup = 0x80;
    public const uint Subsecond = 0x100;
    public const uint Bits = 0x200;
    public const uint AllocationSize = 0x400;
    public const uint TextHint = 0x800;
    public const uint MimeType = 0x1000;
    public const uint LinkCount = 0x2000;
    public const uint UntranslatedName = 0x4000;
    public const uint ChangeTime = 0x8000;
    public const uint Extended = 0x80000000;

    public uint Flags { get; set; }
    public byte? FileType { get; set; }
    public ulong? FileSize { get; set; }
    public ulong? AllocSize { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
    public string? Owner { get; set; }
    public string? Group { get; set; }
    public uint? Mode { get; set; }
    public long? ATime { get; set; }
    public uint? ATimeNs { get; set; }
    public long? CreateTimeSec { get; set; }
    public uint? CreateTimeNs { get; set; }
    public long? MTime { get; set; }
    public uint? MTimeNs { get; set; }
    public long? CTime { get; set; }
    public uint? CTimeNs { get; set; }
    public uint? AclFlags { get; set; }
    public List<Ace>? AclEntries { get; set; }
    public uint? AttribBits { get; set; }
    public uint? AttribBitsValid { get; set; }
    public byte? Hint { get; set; }
    public string? Mime { get; set; }
    public uint? Links { get; set; }
    public byte[]? Untranslated { get; set; }
    public List<(string Name, byte[] Data)> ExtendedPairs { get; } = [];

    public static ClientAttrs Parse(WireReader r, int version)
    {
        var a = new ClientAttrs { Flags = r.UInt32() };
        uint f = a.Flags;
        if (version <= 3)
        {
            if ((f & Size) != 0)
            {
                a.FileSize = r.UInt64();
            }

            if ((f & UidGid) != 0)
            {
                a.Uid = r.UInt32();
                a.Gid = r.UInt32();
            }

            if ((f & Permissions) != 0)
            {
                a.Mode = r.UInt32();
            }

            if ((f & AcModTime) != 0)
            {
                a.ATime = r.UInt32();
                a.MTime = r.UInt32();
            }

            ReadExtended(r, a);
            return a;
        }

        bool sub = (f & Subsecond) != 0;
        a.FileType = r.Byte();
        if ((f & Size) != 0)
        {
            a.FileSize = r.UInt64();
        }

        if (version >= 6 && (f & AllocationSize) != 0)
        {
            a.AllocSize = r.UInt64();
        }

        if ((f & OwnerGroup) != 0)
        {
            a.Owner = r.Utf8();
            a.Group = r.Utf8();
        }

        if ((f & Permissions) != 0)
        {
            a.Mode = r.UInt32();
        }

        if ((f & AccessTime) != 0)
        {
            a.ATime = r.Int64();
            a.ATimeNs = sub ? r.UInt32() : null;
        }

        if ((f & CreateTime) != 0)
        {
            a.CreateTimeSec = r.Int64();
            a.CreateTimeNs = sub ? r.UInt32() : null;
        }

        if ((f & ModifyTime) != 0)
        {
            a.MTime = r.Int64();
            a.MTimeNs = sub ? r.UInt32() : null;
        }

        if (version >= 6 && (f & ChangeTime) != 0)
        {
            a.CTime = r.Int64();
            a.CTimeNs = sub ? r.UInt32() : null;
        }

        if ((f & Acl) != 0)
        {
            var acl = version >= 6 ? new WireReader(r.String()) : r;
            if (version >= 6)
            {
                a.AclFlags = acl.UInt32();
            }

            uint count = acl.UInt32();
            a.AclEntries = [];
            for (uint i = 0; i < count; i++)
            {
                a.AclEntries.Add(new Ace(acl.UInt32(), acl.UInt32(), acl.UInt32(), acl.Utf8()));
            }

            if (version >= 6)
            {
                Assert.True(acl.AtEnd, "the version 6 ACL string has bytes after its entries");
            }
        }

        if (version >= 5 && (f & Bits) != 0)
        {
            a.AttribBits = r.UInt32();
            if (version >= 6)
            {
                a.AttribBitsValid = r.UInt32();
            }
        }

        if (version >= 6)
        {
            if ((f & TextHint) != 0)
            {
                a.Hint = r.Byte();
            }

            if ((f & MimeType) != 0)
            {
                a.Mime = r.Utf8();
            }

            if ((f & LinkCount) != 0)
            {
                a.Links = r.UInt32();
            }

            if ((f & UntranslatedName) != 0)
            {
                a.Untranslated = r.String();
            }
        }

        ReadExtended(r, a);
        return a;
    }

    private static void ReadExtended(WireReader r, ClientAttrs a)
    {
        if ((a.Flags & Extended) == 0)
        {
            return;
        }

        uint count = r.UInt32();
        for (uint i = 0; i < count; i++)
        {
            a.ExtendedPairs.Add((r.Utf8(), r.String()));
        }
    }

    /// <summary>Writes attributes a client sends (SETSTAT, OPEN, MKDIR) in the layout of <paramref name="version"/>.</summary>
    public static void Write(PacketBuilder b, int version, long? size = null, uint? permissions = null,
        (long Access, long Modify)? times = null, (uint Uid, uint Gid)? ids = null, uint? modifyNs = null)
    {
        if (version <= 3)
        {
            uint flags = (size is null ? 0 : Size) | (ids is null ? 0 : UidGid) | (permissions is null ? 0 : Permissions) |
                         (times is null ? 0 : AcModTime);
            b.UInt32(flags);
            if (size is { } s)
            {
                b.UInt64((ulong)s);
            }

            if (ids is { } i)
            {
                b.UInt32(i.Uid).UInt32(i.Gid);
            }

            if (permissions is { } p)
            {
                b.UInt32(p);
            }

            if (times is { } t)
            {
                b.UInt32((uint)t.Access).UInt32((uint)t.Modify);
            }

            return;
        }

        uint f = (size is null ? 0 : Size) | (permissions is null ? 0 : Permissions) |
                 (times is null ? 0 : AccessTime | ModifyTime) | (modifyNs is null ? 0 : Subsecond);
        b.UInt32(f).Byte(5); // SSH_FILEXFER_TYPE_UNKNOWN: the request says what it is
        if (size is { } s4)
        {
            b.UInt64((ulong)s4);
        }

        if (permissions is { } p4)
        {
            b.UInt32(p4);
        }

        if (times is { } t4)
        {
            b.Int64(t4.Access);
            if (modifyNs is not null)
            {
                b.UInt32(0);
            }

            b.Int64(t4.Modify);
            if (modifyNs is { } ns)
            {
                b.UInt32(ns);
            }
        }
    }

    /// <summary>Empty attributes: just a zero flags word (and the type byte in versions 4+).</summary>
    public static void WriteEmpty(PacketBuilder b, int version)
    {
        b.UInt32(0);
        if (version >= 4)
        {
            b.Byte(5);
        }
    }
}

/// <summary>One entry of a NAME reply.</summary>
internal sealed record NameEntry(string Name, string? LongName, ClientAttrs Attrs);

internal static class NameReply
{
    /// <summary>Parses a NAME reply; <c>EndOfList</c> is the optional version 6 flag.</summary>
    public static (List<NameEntry> Entries, bool? EndOfList) Parse(Reply reply, int version)
    {
        Assert.True(reply.Type == Fxp.Name, $"expected NAME, got {reply}");
        var r = reply.Body();
        uint count = r.UInt32();
        var entries = new List<NameEntry>();
        for (uint i = 0; i < count; i++)
        {
            string name = r.Utf8();
            string? longName = version <= 3 ? r.Utf8() : null;
            entries.Add(new NameEntry(name, longName, ClientAttrs.Parse(r, version)));
        }

        bool? end = null;
        if (version >= 6 && !r.AtEnd)
        {
            end = r.Bool();
        }

        Assert.True(r.AtEnd, "NAME reply has trailing bytes");
        return (entries, end);
    }
}
