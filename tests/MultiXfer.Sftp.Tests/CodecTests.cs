using System.Globalization;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Engine;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Tests.Client;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Tests;

/// <summary>
/// The per-version codecs on their own: what a FileStatus looks like to a client of each version, what client
/// bytes become, status folding, OPEN/RENAME/SYMLINK argument layouts and the ls -l long name.
/// </summary>
public sealed class CodecTests : IDisposable
{
    private static readonly DateTime Modified = new DateTime(2024, 3, 5, 6, 7, 8, DateTimeKind.Utc).AddTicks(1_234_567);
    private static readonly DateTime Accessed = new DateTime(2024, 3, 6, 1, 2, 3, DateTimeKind.Utc).AddTicks(9_876_543);
    private static readonly DateTime Created = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(5);
    private static readonly DateTime Changed = new DateTime(2024, 3, 7, 0, 0, 1, DateTimeKind.Utc).AddTicks(100);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mx-sftp-codec-" + Guid.NewGuid().ToString("N"));
    private readonly OwnerNames _owners;

    public CodecTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nverylongusername:x:1001:1001::/h:/bin/sh\n");
        File.WriteAllText(Path.Combine(_dir, "group"), "root:x:0:\nstaff:x:50:\nalicegrp:x:1000:\n");
        _owners = new OwnerNames(Path.Combine(_dir, "passwd"), Path.Combine(_dir, "group"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FileStatus Sample(FileType type = FileType.Regular, int permissions = 0x1A4 /* 0644 */, DateTime? created = null,
        bool withCreated = true) => new()
        {
            Type = type,
            Size = 123_456_789_012,
            Permissions = permissions,
            ModifiedUtc = Modified,
            AccessedUtc = Accessed,
            ChangedUtc = Changed,
            CreatedUtc = withCreated ? created ?? Created : null,
            OwnerId = 1000,
            GroupId = 50,
            LinkCount = 3,
            AllocatedSize = 8192,
            Device = 1,
            Inode = 2,
        };

    private static long Seconds(DateTime utc) => (long)Math.Floor((utc - DateTime.UnixEpoch).TotalSeconds);

    private static uint Nanos(DateTime utc) => (uint)((utc.Ticks - DateTime.UnixEpoch.Ticks) % TimeSpan.TicksPerSecond * 100);

    private ClientAttrs WriteThenParse(int version, FileStatus status, string name = "file.txt", SftpAttributeFlags? requested = null)
    {
        var codec = SftpSession.CodecFor(version);
        using var writer = new SftpWriter();
        codec.WriteAttributes(writer, name, status, requested ?? codec.SupportedAttributes, _owners);
        var reader = new WireReader(writer.WrittenSpan.ToArray());
        var attrs = ClientAttrs.Parse(reader, version);
        Assert.True(reader.AtEnd, "attribute block longer than its flags say");
        return attrs;
    }

    // ----- A. attributes, server to client -----

    [Fact]
    public void Version3AttributesCarrySizeIdsModeAndSecondTimes()
    {
        var a = WriteThenParse(3, Sample());
        Assert.Equal(0x0Fu, a.Flags);
        Assert.Equal(123_456_789_012ul, a.FileSize);
        Assert.Equal(1000u, a.Uid);
        Assert.Equal(50u, a.Gid);
        Assert.Equal(0x81A4u, a.Mode); // S_IFREG | 0644
        Assert.Equal(Seconds(Accessed), a.ATime);
        Assert.Equal(Seconds(Modified), a.MTime);
    }

    [Fact]
    public void Version3ClampsTimesBeforeTheEpochToZero()
    {
        var status = new FileStatus
        {
            Type = FileType.Regular, Size = 1, Permissions = 0x1A4,
            ModifiedUtc = DateTime.UnixEpoch.AddSeconds(-10), AccessedUtc = DateTime.UnixEpoch.AddSeconds(-0.5),
        };
        var a = WriteThenParse(3, status);
        Assert.Equal(0, a.ATime);
        Assert.Equal(0, a.MTime);
    }

    [Theory]
    [InlineData(FileType.Directory, 0x1ED, 0x41EDu)]
    [InlineData(FileType.SymbolicLink, 0x1FF, 0xA1FFu)]
    [InlineData(FileType.Regular, 0xDA4, 0x8DA4u)] // setuid + setgid + 0644
    public void Version3ModeCarriesTheTypeBits(FileType type, int permissions, uint expected)
    {
        var a = WriteThenParse(3, Sample(type, permissions));
        Assert.Equal(expected, a.Mode);
    }

    [Fact]
    public void Version4AttributesUseNamesNanosecondsAndAnInlineAcl()
    {
        var a = WriteThenParse(4, Sample());
        uint expectedFlags = ClientAttrs.Size | ClientAttrs.OwnerGroup | ClientAttrs.Permissions | ClientAttrs.AccessTime |
                             ClientAttrs.CreateTime | ClientAttrs.ModifyTime | ClientAttrs.Subsecond | ClientAttrs.Acl;
        Assert.Equal(expectedFlags, a.Flags);
        Assert.Equal((byte)1, a.FileType);
        Assert.Equal(123_456_789_012ul, a.FileSize);
        Assert.Equal("alice", a.Owner);
        Assert.Equal("staff", a.Group);
        Assert.Equal(0x81A4u, a.Mode);
        Assert.Equal(Seconds(Accessed), a.ATime);
        Assert.Equal(Nanos(Accessed), a.ATimeNs);
        Assert.Equal(Seconds(Created), a.CreateTimeSec);
        Assert.Equal(500u, a.CreateTimeNs);
        Assert.Equal(Seconds(Modified), a.MTime);
        Assert.Equal(123_456_700u, a.MTimeNs);
        AssertAclFromMode0644(a.AclEntries);
        Assert.Null(a.AttribBits);
    }

    [Fact]
    public void Version5AddsAttribBitsHiddenForDotNames()
    {
        var plain = WriteThenParse(5, Sample(), "file.txt");
        Assert.True((plain.Flags & ClientAttrs.Bits) != 0);
        Assert.Equal(0u, plain.AttribBits);
        AssertAclFromMode0644(plain.AclEntries);

        var hidden = WriteThenParse(5, Sample(), ".profile");
        Assert.Equal(0x4u, hidden.AttribBits); // SSH_FILEXFER_ATTR_FLAGS_HIDDEN
    }

    [Fact]
    public void Version6AddsAllocationSizeChangeTimeLinkCountAndAnAclString()
    {
        var a = WriteThenParse(6, Sample(), ".hidden");
        uint expectedFlags = ClientAttrs.Size | ClientAttrs.OwnerGroup | ClientAttrs.Permissions | ClientAttrs.AccessTime |
                             ClientAttrs.CreateTime | ClientAttrs.ModifyTime | ClientAttrs.Subsecond | ClientAttrs.Acl |
                             ClientAttrs.Bits | ClientAttrs.AllocationSize | ClientAttrs.ChangeTime | ClientAttrs.LinkCount;
        Assert.Equal(expectedFlags, a.Flags);
        Assert.Equal(8192ul, a.AllocSize);
        Assert.Equal(Seconds(Changed), a.CTime);
        Assert.Equal(100u * 100, a.CTimeNs);
        Assert.Equal(3u, a.Links);
        Assert.Equal(0u, a.AclFlags);
        AssertAclFromMode0644(a.AclEntries);
        Assert.Equal(0x4u, a.AttribBits);
        Assert.Equal(0x4u | 0x8u, a.AttribBitsValid); // HIDDEN and CASE_INSENSITIVE are stated
        Assert.Equal("alice", a.Owner);
        Assert.Equal(Seconds(Modified), a.MTime);
        Assert.Equal(123_456_700u, a.MTimeNs);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void OnlyRequestedAndSupportedAttributesAreSent(int version)
    {
        var a = WriteThenParse(version, Sample(), requested: SftpAttributeFlags.Size | SftpAttributeFlags.MimeType | SftpAttributeFlags.TextHint);
        // Versions 4 and 5 have no text hint or MIME type; version 6 guesses them from the name ("file.txt").
        Assert.Equal(ClientAttrs.Size | (version == 6 ? ClientAttrs.TextHint | ClientAttrs.MimeType : 0), a.Flags);
        Assert.Equal(123_456_789_012ul, a.FileSize);

        // No time asked for: SUBSECOND_TIMES alone is dropped, as it would say nothing.
        var b = WriteThenParse(version, Sample(), requested: SftpAttributeFlags.Permissions | SftpAttributeFlags.SubsecondTimes);
        Assert.Equal(ClientAttrs.Permissions, b.Flags);
    }

    [Fact]
    public void Version6GuessesTextHintAndMimeTypeFromTheNameOnlyForKnownRegularFiles()
    {
        const SftpAttributeFlags wanted = SftpAttributeFlags.TextHint | SftpAttributeFlags.MimeType;
        var text = WriteThenParse(6, Sample(), "notes.TXT", wanted);
        Assert.Equal((byte)1, text.Hint); // SSH_FILEXFER_ATTR_GUESSED_TEXT
        Assert.Equal("text/plain", text.Mime);
        var binary = WriteThenParse(6, Sample(), "photo.jpeg", wanted);
        Assert.Equal((byte)3, binary.Hint); // SSH_FILEXFER_ATTR_GUESSED_BINARY
        Assert.Equal("image/jpeg", binary.Mime);
        Assert.Equal(0u, WriteThenParse(6, Sample(), "archive.unknownext", wanted).Flags);
        var directory = new FileStatus { Type = FileType.Directory, Size = 0, Permissions = 0x1ED, ModifiedUtc = Modified, AccessedUtc = Modified };
        Assert.Equal(0u, WriteThenParse(6, directory, "folder.txt", wanted).Flags);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void UnknownBirthTimeLeavesCreateTimeOut(int version)
    {
        var a = WriteThenParse(version, Sample(withCreated: false));
        Assert.Equal(0u, a.Flags & ClientAttrs.CreateTime);
        Assert.Null(a.CreateTimeSec);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void TimesBeforeTheEpochKeepPositiveNanoseconds(int version)
    {
        var status = new FileStatus
        {
            Type = FileType.Directory, Size = 0, Permissions = 0x1ED,
            ModifiedUtc = DateTime.UnixEpoch.AddMilliseconds(-500), AccessedUtc = DateTime.UnixEpoch,
        };
        var a = WriteThenParse(version, status, requested: SftpAttributeFlags.ModifyTime | SftpAttributeFlags.SubsecondTimes);
        Assert.Equal(-1, a.MTime);
        Assert.Equal(500_000_000u, a.MTimeNs);
    }

    [Theory]
    [InlineData(FileType.Regular, 1)]
    [InlineData(FileType.Directory, 2)]
    [InlineData(FileType.SymbolicLink, 3)]
    [InlineData(FileType.Special, 4)]
    [InlineData(FileType.Unknown, 5)]
    public void Version4PlusTypeByte(FileType type, byte expected)
    {
        foreach (int version in new[] { 4, 5, 6 })
        {
            Assert.Equal(expected, WriteThenParse(version, Sample(type)).FileType);
        }
    }

    [Fact]
    public void DirectoryAclGrantsDeleteChildWithWrite()
    {
        var a = WriteThenParse(6, Sample(FileType.Directory, 0x1C0 /* 0700 */));
        Assert.Equal(3, a.AclEntries!.Count);
        Assert.Equal(0x00000001u | 0x80 | 0x20000 | 0x100000 | 0x2 | 0x4 | 0x100 | 0x40 | 0x20, a.AclEntries[0].Mask);
        Assert.Equal(0u, a.AclEntries[1].Mask);
        Assert.Equal(0u, a.AclEntries[2].Mask);
    }

    private static void AssertAclFromMode0644(List<Ace>? entries)
    {
        Assert.NotNull(entries);
        const uint read = 0x00000001 | 0x00000080 | 0x00020000 | 0x00100000;
        const uint write = 0x00000002 | 0x00000004 | 0x00000100;
        Assert.Equal(
            [new Ace(0, 0, read | write, "OWNER@"), new Ace(0, 0, read, "GROUP@"), new Ace(0, 0, read, "EVERYONE@")],
            entries);
    }

    [Fact]
    public void NameEntriesOfVersion3CarryTheLongName()
    {
        var codec = SftpSession.CodecFor(3);
        using var writer = new SftpWriter();
        var now = Modified.AddDays(1);
        codec.WriteNameEntry(writer, "file.txt", Sample(), _owners, now);
        var r = new WireReader(writer.WrittenSpan.ToArray());
        Assert.Equal("file.txt", r.Utf8());
        Assert.Equal(LongName.Format("file.txt", Sample(), _owners, now), r.Utf8());
        Assert.Equal(0x0Fu, ClientAttrs.Parse(r, 3).Flags);
        Assert.True(r.AtEnd);
    }

    [Fact]
    public void Version6NameEntriesLeaveOutAclAndAllocationSize()
    {
        var codec = SftpSession.CodecFor(6);
        using var writer = new SftpWriter();
        codec.WriteNameEntry(writer, "file.txt", Sample(), _owners, Modified);
        var r = new WireReader(writer.WrittenSpan.ToArray());
        Assert.Equal("file.txt", r.Utf8());
        var a = ClientAttrs.Parse(r, 6);
        Assert.True(r.AtEnd);
        Assert.Equal(0u, a.Flags & (ClientAttrs.Acl | ClientAttrs.AllocationSize));
        Assert.Equal(3u, a.Links);
    }

    // ----- A. attributes, client to server -----

    private static SftpAttributes ReadAttributes(int version, byte[] bytes)
    {
        var reader = new SftpReader(bytes);
        var attributes = SftpSession.CodecFor(version).ReadAttributes(ref reader);
        Assert.True(reader.IsAtEnd, "attributes not read to their end");
        return attributes;
    }

    [Fact]
    public void Version3ClientAttributesAreRead()
    {
        var b = new PacketBuilder();
        b.UInt32(0x0F | 0x80000000).UInt64(10).UInt32(7).UInt32(8).UInt32(0x81ED).UInt32(1000).UInt32(2000)
            .UInt32(1).String("name@example").String("data");
        var a = ReadAttributes(3, b.ToArray());
        Assert.Equal(10, a.Size);
        Assert.Equal(7u, a.OwnerId);
        Assert.Equal(8u, a.GroupId);
        Assert.Equal(0x1ED, a.Permissions);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1000), a.AccessedUtc);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(2000), a.ModifiedUtc);
        Assert.Equal(1, a.ExtendedCount);
    }

    [Fact]
    public void Version6ClientAttributesWithEveryFieldAreRead()
    {
        uint flags = ClientAttrs.Size | ClientAttrs.AllocationSize | ClientAttrs.OwnerGroup | ClientAttrs.Permissions |
                     ClientAttrs.AccessTime | ClientAttrs.CreateTime | ClientAttrs.ModifyTime | ClientAttrs.ChangeTime |
                     ClientAttrs.Subsecond | ClientAttrs.Acl | ClientAttrs.Bits | ClientAttrs.TextHint | ClientAttrs.MimeType |
                     ClientAttrs.LinkCount | ClientAttrs.UntranslatedName | ClientAttrs.Extended;
        var acl = new PacketBuilder().UInt32(0).UInt32(1).UInt32(0).UInt32(0).UInt32(1).String("OWNER@");
        var b = new PacketBuilder().UInt32(flags).Byte(1)
            .UInt64(42).UInt64(4096).String("alice").String("staff").UInt32(0x1A4)
            .Int64(100).UInt32(5).Int64(200).UInt32(6).Int64(300).UInt32(700).Int64(400).UInt32(8)
            .String(acl.ToArray()).UInt32(0).UInt32(0).Byte(1).String("text/plain").UInt32(2).String("raw")
            .UInt32(1).String("x@y").String("z");
        var a = ReadAttributes(6, b.ToArray());
        Assert.Equal(42, a.Size);
        Assert.Equal("alice", a.OwnerName);
        Assert.Equal("staff", a.GroupName);
        Assert.Equal(0x1A4, a.Permissions);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(100), a.AccessedUtc);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(200), a.CreatedUtc);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(300).AddTicks(7), a.ModifiedUtc);
        Assert.True(a.HasAcl);
        Assert.Equal(1, a.ExtendedCount);
    }

    [Fact]
    public void Version4InlineAclIsSkippedEntryByEntry()
    {
        var b = new PacketBuilder().UInt32(ClientAttrs.Acl | ClientAttrs.Permissions).Byte(1).UInt32(0x180)
            .UInt32(2).UInt32(0).UInt32(0).UInt32(1).String("OWNER@").UInt32(0).UInt32(0).UInt32(1).String("GROUP@");
        var a = ReadAttributes(4, b.ToArray());
        Assert.True(a.HasAcl);
        Assert.Equal(0x180, a.Permissions);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void AnExtendedCountBeyondThePacketIsABadMessage(int version)
    {
        var b = new PacketBuilder().UInt32(0x80000000);
        if (version >= 4)
        {
            b.Byte(1);
        }

        b.UInt32(0xFFFFFFFF).String("a").String("b");
        Assert.Throws<SftpBadMessageException>(() => ReadAttributes(version, b.ToArray()));
    }

    [Theory]
    [InlineData(long.MaxValue, 0u)]
    [InlineData(long.MinValue, 0u)]
    [InlineData(100L, 1_000_000_000u)]
    public void TimesOutOfRangeAreBadMessages(long seconds, uint nanoseconds)
    {
        var b = new PacketBuilder().UInt32(ClientAttrs.ModifyTime | ClientAttrs.Subsecond).Byte(1).Int64(seconds).UInt32(nanoseconds);
        Assert.Throws<SftpBadMessageException>(() => ReadAttributes(6, b.ToArray()));
    }

    [Fact]
    public void TruncatedAttributesAreBadMessages()
    {
        Assert.Throws<SftpBadMessageException>(() => ReadAttributes(3, new PacketBuilder().UInt32(0x1).UInt32(5).ToArray()));
        Assert.Throws<SftpBadMessageException>(() => ReadAttributes(6, new PacketBuilder().UInt32(0).ToArray()));
        Assert.Throws<SftpBadMessageException>(() =>
            ReadAttributes(6, new PacketBuilder().UInt32(ClientAttrs.OwnerGroup).Byte(1).UInt32(1000).ToArray()));
    }

    // ----- A. status folding -----

    [Theory]
    // Version 3 knows 0..8.
    [InlineData(3, (uint)SftpStatusCode.Ok, 0u)]
    [InlineData(3, (uint)SftpStatusCode.OpUnsupported, 8u)]
    [InlineData(3, (uint)SftpStatusCode.InvalidHandle, 4u)]
    [InlineData(3, (uint)SftpStatusCode.NoSuchPath, 2u)]
    [InlineData(3, (uint)SftpStatusCode.FileAlreadyExists, 4u)]
    // A read-only file system is FAILURE for version 3, as OpenSSH folds EROFS (errno_to_portable).
    [InlineData(3, (uint)SftpStatusCode.WriteProtect, 4u)]
    [InlineData(3, (uint)SftpStatusCode.NoSpaceOnFilesystem, 4u)]
    [InlineData(3, (uint)SftpStatusCode.LockConflict, 4u)]
    [InlineData(3, (uint)SftpStatusCode.DirNotEmpty, 4u)]
    [InlineData(3, (uint)SftpStatusCode.NotADirectory, 2u)]
    [InlineData(3, (uint)SftpStatusCode.InvalidFilename, 5u)]
    [InlineData(3, (uint)SftpStatusCode.LinkLoop, 2u)]
    [InlineData(3, (uint)SftpStatusCode.CannotDelete, 3u)]
    [InlineData(3, (uint)SftpStatusCode.InvalidParameter, 5u)]
    [InlineData(3, (uint)SftpStatusCode.FileIsADirectory, 4u)]
    [InlineData(3, (uint)SftpStatusCode.ByteRangeLockConflict, 4u)]
    [InlineData(3, (uint)SftpStatusCode.NoMatchingByteRangeLock, 4u)]
    // Version 4 knows 0..13.
    [InlineData(4, (uint)SftpStatusCode.InvalidHandle, 9u)]
    [InlineData(4, (uint)SftpStatusCode.NoSuchPath, 10u)]
    [InlineData(4, (uint)SftpStatusCode.FileAlreadyExists, 11u)]
    [InlineData(4, (uint)SftpStatusCode.WriteProtect, 12u)]
    [InlineData(4, (uint)SftpStatusCode.NoMedia, 13u)]
    [InlineData(4, (uint)SftpStatusCode.NoSpaceOnFilesystem, 4u)]
    [InlineData(4, (uint)SftpStatusCode.DirNotEmpty, 4u)]
    [InlineData(4, (uint)SftpStatusCode.LockConflict, 4u)]
    [InlineData(4, (uint)SftpStatusCode.CannotDelete, 3u)]
    // Version 5 knows 0..17.
    [InlineData(5, (uint)SftpStatusCode.NoSpaceOnFilesystem, 14u)]
    [InlineData(5, (uint)SftpStatusCode.QuotaExceeded, 15u)]
    [InlineData(5, (uint)SftpStatusCode.LockConflict, 17u)]
    [InlineData(5, (uint)SftpStatusCode.DirNotEmpty, 4u)]
    [InlineData(5, (uint)SftpStatusCode.NotADirectory, 2u)]
    [InlineData(5, (uint)SftpStatusCode.ByteRangeLockConflict, 17u)]
    [InlineData(5, (uint)SftpStatusCode.NoMatchingByteRangeLock, 17u)]
    [InlineData(5, (uint)SftpStatusCode.InvalidParameter, 5u)]
    [InlineData(5, (uint)SftpStatusCode.CannotDelete, 3u)]
    public void StatusCodesAreFoldedForOlderVersions(int version, uint code, uint expected)
    {
        Assert.Equal(expected, (uint)SftpSession.CodecFor(version).FoldStatus((SftpStatusCode)code));
    }

    [Fact]
    public void Version6SendsEveryCodeUnchanged()
    {
        var codec = SftpSession.CodecFor(6);
        foreach (var code in Enum.GetValues<SftpStatusCode>())
        {
            Assert.Equal(code, codec.FoldStatus(code));
        }
    }

    [Fact]
    public void NoFoldedCodeIsBeyondTheVersion()
    {
        var last = new Dictionary<int, uint> { [3] = 8, [4] = 13, [5] = 17, [6] = 31 };
        foreach (int version in new[] { 3, 4, 5, 6 })
        {
            foreach (var code in Enum.GetValues<SftpStatusCode>())
            {
                Assert.InRange((uint)SftpSession.CodecFor(version).FoldStatus(code), 0u, last[version]);
            }
        }
    }

    // ----- A. OPEN flags -----

    private static OpenRequest ReadOpen(int version, Action<PacketBuilder> build)
    {
        var b = new PacketBuilder();
        build(b);
        var bytes = b.ToArray();
        var reader = new SftpReader(bytes);
        var request = SftpSession.CodecFor(version).ReadOpen(ref reader);
        Assert.True(reader.IsAtEnd);
        return request;
    }

    private static OpenRequest Open6(int version, uint access, uint flags) =>
        ReadOpen(version, b => b.String("/f").UInt32(access).UInt32(flags).UInt32(0).Byte(5));

    [Theory]
    [InlineData(5, 0u, FileCreateMode.CreateNew, false)]
    [InlineData(5, 1u, FileCreateMode.Replace, true)]
    [InlineData(5, 2u, FileCreateMode.OpenExisting, false)]
    [InlineData(5, 3u, FileCreateMode.OpenOrCreate, false)]
    [InlineData(5, 4u, FileCreateMode.OpenExisting, true)]
    [InlineData(6, 0u, FileCreateMode.CreateNew, false)]
    [InlineData(6, 1u, FileCreateMode.Replace, true)]
    [InlineData(6, 2u, FileCreateMode.OpenExisting, false)]
    [InlineData(6, 3u, FileCreateMode.OpenOrCreate, false)]
    [InlineData(6, 4u, FileCreateMode.OpenExisting, true)]
    public void EveryAccessDispositionMaps(int version, uint disposition, FileCreateMode mode, bool truncate)
    {
        var request = Open6(version, OpenFlags6.AceReadData, disposition);
        Assert.Equal("/f", request.Path);
        Assert.Equal(mode, request.Create);
        Assert.Equal(truncate, request.Truncate);
        Assert.True(request.Read);
        // Anything but opening an existing file unchanged creates or truncates: that is writing.
        Assert.Equal(disposition != OpenFlags6.OpenExisting, request.Write);
        Assert.False(request.Append);
    }

    [Theory]
    [InlineData(5u)]
    [InlineData(6u)]
    [InlineData(7u)]
    public void UndefinedDispositionsAreBadMessages(uint disposition)
    {
        Assert.Throws<SftpBadMessageException>(() => Open6(6, OpenFlags6.AceReadData, disposition));
    }

    [Fact]
    public void Version6AccessAndFlagBitsMap()
    {
        var readOnly = Open6(6, OpenFlags6.AceReadData | OpenFlags6.AceReadAttributes, OpenFlags6.OpenExisting);
        Assert.True(readOnly.Read);
        Assert.False(readOnly.Write);

        var writeOnly = Open6(6, OpenFlags6.AceWriteData, OpenFlags6.OpenExisting);
        Assert.False(writeOnly.Read);
        Assert.True(writeOnly.Write);
        Assert.False(writeOnly.Append);

        var appendAccess = Open6(6, OpenFlags6.AceAppendData, OpenFlags6.OpenOrCreate);
        Assert.True(appendAccess.Write);
        Assert.True(appendAccess.Append);

        var appendFlag = Open6(6, OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate | OpenFlags6.AppendData);
        Assert.True(appendFlag.Append);
        var appendAtomic = Open6(6, OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate | OpenFlags6.AppendDataAtomic);
        Assert.True(appendAtomic.Append);

        var all = Open6(6, OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.TextMode | OpenFlags6.NoFollow |
                                                   OpenFlags6.DeleteOnClose | OpenFlags6.BlockRead | OpenFlags6.BlockWrite |
                                                   OpenFlags6.BlockDelete | OpenFlags6.BlockAdvisory | 0x8000);
        Assert.True(all.TextMode);
        Assert.True(all.NoFollow);
        Assert.True(all.DeleteOnClose);
        Assert.Equal(SftpOpenFlags.BlockRead | SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete | SftpOpenFlags.BlockAdvisory,
            all.BlockFlags);
    }

    [Theory]
    [InlineData(Pflags.Read, true, false, FileCreateMode.OpenExisting, false, false)]
    [InlineData(Pflags.Write, false, true, FileCreateMode.OpenExisting, false, false)]
    [InlineData(Pflags.Read | Pflags.Write, true, true, FileCreateMode.OpenExisting, false, false)]
    [InlineData(Pflags.Write | Pflags.Creat, false, true, FileCreateMode.OpenOrCreate, false, false)]
    [InlineData(Pflags.Write | Pflags.Creat | Pflags.Trunc, false, true, FileCreateMode.Replace, true, false)]
    [InlineData(Pflags.Write | Pflags.Creat | Pflags.Excl, false, true, FileCreateMode.CreateNew, false, false)]
    [InlineData(Pflags.Write | Pflags.Creat | Pflags.Excl | Pflags.Trunc, false, true, FileCreateMode.CreateNew, true, false)]
    [InlineData(Pflags.Write | Pflags.Trunc, false, true, FileCreateMode.OpenExisting, true, false)]
    [InlineData(Pflags.Write | Pflags.Append, false, true, FileCreateMode.OpenExisting, false, true)]
    [InlineData(Pflags.Write | Pflags.Creat | Pflags.Append, false, true, FileCreateMode.OpenOrCreate, false, true)]
    [InlineData(0u, false, false, FileCreateMode.OpenExisting, false, false)]
    public void Version3PflagsMap(uint pflags, bool read, bool write, FileCreateMode mode, bool truncate, bool append)
    {
        foreach (int version in new[] { 3, 4 })
        {
            var request = ReadOpen(version, b =>
            {
                b.String("/f").UInt32(pflags);
                ClientAttrs.WriteEmpty(b, version);
            });
            Assert.Equal(read, request.Read);
            Assert.Equal(write, request.Write);
            Assert.Equal(mode, request.Create);
            Assert.Equal(truncate, request.Truncate);
            Assert.Equal(append, request.Append);
            Assert.False(request.NoFollow);
            Assert.False(request.DeleteOnClose);
            Assert.Equal((SftpOpenFlags)0, request.BlockFlags);
        }
    }

    [Fact]
    public void Version4TextFlagAndCreatePermissions()
    {
        var request = ReadOpen(4, b => b.String("/t.txt").UInt32(Pflags.Read | Pflags.Text).UInt32(ClientAttrs.Permissions).Byte(1).UInt32(0x180));
        Assert.True(request.TextMode);
        Assert.Equal(0x180, request.Attributes.Permissions);

        var v3 = ReadOpen(3, b => b.String("/t").UInt32(Pflags.Write | Pflags.Creat).UInt32(ClientAttrs.Permissions).UInt32(0x81C0));
        Assert.Equal(0x1C0, v3.Attributes.Permissions);
    }

    // ----- A. RENAME flags, SYMLINK order, packets per version -----

    [Fact]
    public void RenameFlagsExistFromVersion5()
    {
        foreach (int version in new[] { 3, 4 })
        {
            var empty = new SftpReader([]);
            Assert.Equal(SftpRenameFlags.None, SftpSession.CodecFor(version).ReadRenameFlags(ref empty));
            Assert.True(empty.IsAtEnd);
        }

        foreach (int version in new[] { 5, 6 })
        {
            byte[] bytes = new PacketBuilder().UInt32(0x1 | 0x2 | 0x4).ToArray();
            var reader = new SftpReader(bytes);
            Assert.Equal(SftpRenameFlags.Overwrite | SftpRenameFlags.Atomic | SftpRenameFlags.Native,
                SftpSession.CodecFor(version).ReadRenameFlags(ref reader));
            Assert.Throws<SftpBadMessageException>(() =>
            {
                var none = new SftpReader([]);
                SftpSession.CodecFor(version).ReadRenameFlags(ref none);
            });
        }
    }

    [Fact]
    public void SymlinkArgumentOrderPerVersion()
    {
        byte[] bytes = new PacketBuilder().String("first").String("second").ToArray();
        var v3 = new SftpReader(bytes);
        // OpenSSH's (reversed) order: targetpath first, then linkpath; kept for versions 4 and 5 as lftp sends it.
        Assert.Equal(("second", "first"), SftpSession.CodecFor(3).ReadSymlink(ref v3));
        var v4 = new SftpReader(bytes);
        Assert.Equal(("second", "first"), SftpSession.CodecFor(4).ReadSymlink(ref v4));
        var v5 = new SftpReader(bytes);
        Assert.Equal(("second", "first"), SftpSession.CodecFor(5).ReadSymlink(ref v5));
        Assert.Throws<SftpBadMessageException>(() =>
        {
            var v6 = new SftpReader(bytes);
            SftpSession.CodecFor(6).ReadSymlink(ref v6);
        });
    }

    [Fact]
    public void PacketTypesPerVersion()
    {
        foreach (int version in new[] { 3, 4, 5 })
        {
            var codec = SftpSession.CodecFor(version);
            Assert.True(codec.Defines(SftpMessageType.Symlink));
            Assert.False(codec.Defines(SftpMessageType.Link));
            Assert.False(codec.Defines(SftpMessageType.Block));
            Assert.False(codec.Defines(SftpMessageType.Unblock));
            Assert.False(codec.Defines(SftpMessageType.Init));
            Assert.False(codec.Defines(SftpMessageType.Status));
        }

        var v6 = SftpSession.CodecFor(6);
        Assert.False(v6.Defines(SftpMessageType.Symlink));
        Assert.True(v6.Defines(SftpMessageType.Link));
        Assert.True(v6.Defines(SftpMessageType.Block));
        Assert.True(v6.Defines(SftpMessageType.Unblock));
        Assert.True(v6.Defines(SftpMessageType.Extended));
    }

    // ----- A. long name -----

    private static string LocalDate(DateTime utc, bool recent)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, TimeZoneInfo.Local);
        string month = CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(local.Month);
        string day = local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2);
        return recent
            ? $"{month} {day} {local.Hour:00}:{local.Minute:00}"
            : $"{month} {day}  {local.Year}";
    }

    [Fact]
    public void LongNameOfARecentFileMatchesOpenSshLayout()
    {
        var status = new FileStatus
        {
            Type = FileType.Regular, Size = 1234, Permissions = 0x1A4, ModifiedUtc = Modified, AccessedUtc = Modified,
            OwnerId = 1000, GroupId = 50, LinkCount = 1,
        };
        string line = LongName.Format("file.txt", status, _owners, Modified.AddHours(5));
        // "%s %3u %-*s %-*s %8llu %s %s" with strmode's 11-character mode (trailing space).
        Assert.Equal($"-rw-r--r--    1 alice    staff        1234 {LocalDate(Modified, recent: true)} file.txt", line);
    }

    [Fact]
    public void LongNameOfAnOldFileShowsTheYear()
    {
        var status = new FileStatus
        {
            Type = FileType.Directory, Size = 4096, Permissions = 0x1ED, ModifiedUtc = Modified, AccessedUtc = Modified,
            OwnerId = 0, GroupId = 0, LinkCount = 12,
        };
        string line = LongName.Format("dir", status, _owners, Modified.AddDays(400));
        Assert.Equal($"drwxr-xr-x   12 root     root         4096 {LocalDate(Modified, recent: false)} dir", line);
    }

    [Fact]
    public void LongNameOfAFutureFileShowsTheYear()
    {
        var status = new FileStatus
        {
            Type = FileType.Regular, Size = 0, Permissions = 0x180, ModifiedUtc = Modified, AccessedUtc = Modified,
            OwnerId = 1000, GroupId = 1000, LinkCount = 1,
        };
        string line = LongName.Format("f", status, _owners, Modified.AddMinutes(-1));
        Assert.Equal($"-rw-------    1 alice    alicegrp        0 {LocalDate(Modified, recent: false)} f", line);
    }

    [Fact]
    public void LongNameKeepsLongOwnerNamesAndShowsUnknownIdsAsNumbers()
    {
        var status = new FileStatus
        {
            Type = FileType.SymbolicLink, Size = 123_456_789_012, Permissions = 0x1FF, ModifiedUtc = Modified,
            AccessedUtc = Modified, OwnerId = 1001, GroupId = 4242, LinkCount = 1,
        };
        string line = LongName.Format("link", status, _owners, Modified.AddHours(1));
        Assert.Equal($"lrwxrwxrwx    1 verylongusername 4242     123456789012 {LocalDate(Modified, recent: true)} link", line);
    }

    [Theory]
    [InlineData(0xFE4, "-rwsr-Sr-T")] // setuid with x, setgid without x, sticky without x
    [InlineData(0xFFF, "-rwsrwsrwt")]
    [InlineData(0x000, "----------")]
    [InlineData(0xB24, "-r-Sr--r-T")]
    [InlineData(0x7ED, "-rwxr-sr-t")]
    public void ModeStringFoldsSpecialBitsLikeStrmode(int permissions, string expected)
    {
        var status = new FileStatus { Type = FileType.Regular, Size = 0, Permissions = permissions, ModifiedUtc = Modified, AccessedUtc = Modified };
        Assert.Equal(expected, LongName.ModeString(status));
    }

    /// <summary>
    /// OpenSSH's ls_file shows the time of day while the file is newer than (365*24*60*60)/2 seconds, 182.5 days.
    /// </summary>
    [Fact]
    public void LongNameSixMonthBoundaryIsHalfA365DayYear()
    {
        var status = new FileStatus
        {
            Type = FileType.Regular, Size = 1, Permissions = 0x1A4, ModifiedUtc = Modified, AccessedUtc = Modified,
            OwnerId = 1000, GroupId = 50, LinkCount = 1,
        };
        // 182.25 days old: OpenSSH (and ls) still show the time.
        var now = Modified.AddSeconds(365 * 24 * 60 * 60 / 2 - 6 * 3600);
        string line = LongName.Format("f", status, _owners, now);
        Assert.EndsWith($" {LocalDate(Modified, recent: true)} f", line, StringComparison.Ordinal);

        // 182.75 days old: the year.
        var later = Modified.AddSeconds(365 * 24 * 60 * 60 / 2 + 6 * 3600);
        Assert.EndsWith($" {LocalDate(Modified, recent: false)} f", LongName.Format("f", status, _owners, later), StringComparison.Ordinal);
    }

    // ----- A. extension lists -----

    private static readonly HashSet<string> AllExtensions = new(SftpExtensions.All, StringComparer.Ordinal);

    [Fact]
    public void ResolveWithoutAListKeepsTheBase()
    {
        Assert.Same(AllExtensions, SftpExtensions.Resolve(AllExtensions, null));
    }

    [Fact]
    public void ResolvePlusAndMinusChangeTheBase()
    {
        var unknown = new List<string>();
        var result = SftpExtensions.Resolve(AllExtensions, ["-copy-data", "- check-file", " -versions ", "+limits@openssh.com"], unknown);
        Assert.DoesNotContain(SftpExtensions.CopyData, result);
        Assert.DoesNotContain(SftpExtensions.Versions, result);
        Assert.Contains(SftpExtensions.Limits, result);
        Assert.Equal(AllExtensions.Count - 2, result.Count);
        // "- check-file" names " check-file", which no extension is called.
        Assert.Equal([" check-file"], unknown);

        var fromEmpty = SftpExtensions.Resolve(new HashSet<string>(), ["+copy-file", "+statvfs@openssh.com", "-copy-file"]);
        Assert.Equal(new[] { SftpExtensions.Statvfs }, fromEmpty.ToArray());
    }

    [Fact]
    public void ResolveWithBareNamesReplacesTheBase()
    {
        var unknown = new List<string>();
        var result = SftpExtensions.Resolve(AllExtensions, ["limits@openssh.com", "copy-file", "+home-directory", "-copy-file", "", "  "],
            unknown);
        Assert.Equal(new[] { SftpExtensions.HomeDirectory, SftpExtensions.Limits }, result.Order(StringComparer.Ordinal).ToArray());
        Assert.Empty(unknown);
    }

    [Fact]
    public void ResolveReportsUnknownNames()
    {
        var unknown = new List<string>();
        var result = SftpExtensions.Resolve(AllExtensions, ["bogus", "+also-bogus@example.com", "-nothing", "copy-data", "COPY-DATA"], unknown);
        Assert.Equal(new[] { SftpExtensions.CopyData }, result.ToArray());
        Assert.Equal(["bogus", "also-bogus@example.com", "nothing", "COPY-DATA"], unknown);
    }
}
