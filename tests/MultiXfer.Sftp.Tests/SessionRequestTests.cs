using System.Text;
using MultiXfer.Sftp.Tests.Client;

namespace MultiXfer.Sftp.Tests;

/// <summary>Every core request, happy path and the usual failures, against a real directory.</summary>
public sealed class SessionRequestTests : SftpTestBase
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    private static void Mkdir(PacketBuilder b, string path, int version, uint? permissions = null)
    {
        b.String(path);
        if (permissions is null)
        {
            ClientAttrs.WriteEmpty(b, version);
        }
        else
        {
            ClientAttrs.Write(b, version, permissions: permissions);
        }
    }

    // ----- OPEN, READ, WRITE, CLOSE -----

    [Theory]
    [InlineData(3u)]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task UploadThenDownload(uint version)
    {
        var client = await ConnectAsync(version);
        var handle = await client.OpenUploadAsync("f.txt");
        Assert.Equal(16, handle.Length);
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("hello ")));
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 6, Utf8("world")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal("hello world", File.ReadAllText(Harness.Host("f.txt")));

        var read = await client.OpenReadAsync("f.txt");
        Assert.Equal("hello world", Text((await client.ReadAsync(read, 0, 100)).Data));
        Assert.Equal("world", Text((await client.ReadAsync(read, 6, 5)).Data));
        Assert.Equal("o w", Text((await client.ReadAsync(read, 4, 3)).Data));
        Assert.Equal(Fx.Eof, (await client.ReadAsync(read, 11, 100)).StatusCode);
        Assert.Equal(Fx.Eof, (await client.ReadAsync(read, 1000, 100)).StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(read));
    }

    [Fact]
    public async Task CreatePermissionsAreApplied()
    {
        var client = await ConnectAsync(3);
        var handle = (await client.OpenPflagsAsync("p.txt", Pflags.Write | Pflags.Creat | Pflags.Trunc,
            b => ClientAttrs.Write(b, 3, permissions: 0x180))).Handle;
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Harness.Host("p.txt")));

        var excl = (await client.OpenPflagsAsync("q.txt", Pflags.Write | Pflags.Creat | Pflags.Excl,
            b => ClientAttrs.Write(b, 3, permissions: 0x1A0))).Handle;
        Assert.Equal(Fx.Ok, await client.CloseAsync(excl));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Harness.Host("q.txt")));
    }

    [Theory]
    [InlineData(3u, Fx.Failure)]
    [InlineData(4u, Fx.FileAlreadyExists)]
    [InlineData(6u, Fx.FileAlreadyExists)]
    public async Task ExclusiveCreateOfAnExistingFileFails(uint version, uint expected)
    {
        Harness.Put("x", "keep");
        var client = await ConnectAsync(version);
        var reply = version >= 5
            ? await client.Open6Async("x", OpenFlags6.AceWriteData, OpenFlags6.CreateNew)
            : await client.OpenPflagsAsync("x", Pflags.Write | Pflags.Creat | Pflags.Excl);
        Assert.Equal(expected, reply.StatusCode);
        Assert.Equal("keep", File.ReadAllText(Harness.Host("x")));
    }

    [Theory]
    [InlineData(3u, Fx.NoSuchFile, Fx.Failure)]
    [InlineData(6u, Fx.NoSuchFile, Fx.FileIsADirectory)]
    public async Task OpenOfMissingFileOrDirectoryFails(uint version, uint missing, uint directory)
    {
        Directory.CreateDirectory(Harness.Host("dir"));
        var client = await ConnectAsync(version);
        var m = version >= 5
            ? await client.Open6Async("missing", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)
            : await client.OpenPflagsAsync("missing", Pflags.Read);
        Assert.Equal(missing, m.StatusCode);
        var d = version >= 5
            ? await client.Open6Async("dir", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)
            : await client.OpenPflagsAsync("dir", Pflags.Read);
        Assert.Equal(directory, d.StatusCode);
    }

    [Fact]
    public async Task AppendWritesAtTheEnd()
    {
        Harness.Put("log", "abc");
        var client = await ConnectAsync(3);
        var handle = (await client.OpenPflagsAsync("log", Pflags.Write | Pflags.Append)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("def")));
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("gh")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal("abcdefgh", File.ReadAllText(Harness.Host("log")));

        var v6 = await ConnectAsync(6);
        var h6 = (await v6.Open6Async("log", OpenFlags6.AceAppendData, OpenFlags6.OpenExisting)).Handle;
        Assert.Equal(Fx.Ok, await v6.WriteAsync(h6, 0, Utf8("!")));
        Assert.Equal(Fx.Ok, await v6.CloseAsync(h6));
        Assert.Equal("abcdefgh!", File.ReadAllText(Harness.Host("log")));
    }

    [Fact]
    public async Task TruncateExistingNeedsAnExistingFile()
    {
        Harness.Put("t", "abcdef");
        var client = await ConnectAsync(6);
        var handle = (await client.Open6Async("t", OpenFlags6.AceWriteData, OpenFlags6.TruncateExisting)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("x")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal("x", File.ReadAllText(Harness.Host("t")));
        Assert.Equal(Fx.NoSuchFile, (await client.Open6Async("none", OpenFlags6.AceWriteData, OpenFlags6.TruncateExisting)).StatusCode);
        Assert.False(File.Exists(Harness.Host("none")));
    }

    [Fact]
    public async Task ModifyInPlaceKeepsTheRest()
    {
        Harness.Put("m", "0123456789");
        var client = await ConnectAsync(6);
        var handle = await client.OpenModifyAsync("m");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 3, Utf8("abc")));
        Assert.Equal("012abc6789", Text((await client.ReadAsync(handle, 0, 100)).Data));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal("012abc6789", File.ReadAllText(Harness.Host("m")));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task WriteThroughAReadHandleIsDenied(uint version)
    {
        Harness.Put("ro", "data");
        var client = await ConnectAsync(version);
        var handle = await client.OpenReadAsync("ro");
        Assert.Equal(Fx.PermissionDenied, await client.WriteAsync(handle, 0, Utf8("x")));
        Assert.Equal("data", File.ReadAllText(Harness.Host("ro")));
    }

    [Fact]
    public async Task NoFollowRefusesASymlink()
    {
        Harness.Put("real", "r");
        File.CreateSymbolicLink(Harness.Host("sym"), "real");
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.LinkLoop, (await client.Open6Async("sym", OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.NoFollow)).StatusCode);
        var ok = (await client.Open6Async("real", OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.NoFollow)).Handle;
        Assert.Equal(Fx.Ok, await client.CloseAsync(ok));
    }

    [Fact]
    public async Task DeleteOnCloseOfAFileOpenedWithoutTruncate()
    {
        var client = await ConnectAsync(6);
        var handle = (await client.Open6Async("tmp", OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate | OpenFlags6.DeleteOnClose)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("scratch")));
        Assert.True(File.Exists(Harness.Host("tmp")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.False(File.Exists(Harness.Host("tmp")));
    }

    /// <summary>CREATE_TRUNCATE | DELETE_ON_CLOSE of a new file: a scratch file; CLOSE must succeed and leave nothing.</summary>
    [Fact]
    public async Task DeleteOnCloseOfANewTruncatedFileClosesCleanly()
    {
        var client = await ConnectAsync(6);
        var handle = (await client.Open6Async("scratch", OpenFlags6.AceWriteData | OpenFlags6.AceReadData,
            OpenFlags6.CreateTruncate | OpenFlags6.DeleteOnClose)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("scratch data")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.False(File.Exists(Harness.Host("scratch")));
        Assert.Empty(Directory.GetFileSystemEntries(Harness.UserRoot));
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(6u)]
    public async Task TextModeOpenWorks(uint version)
    {
        Harness.Put("t.txt", "line 1\nline 2\n");
        var client = await ConnectAsync(version);
        var handle = version >= 5
            ? (await client.Open6Async("t.txt", OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.TextMode)).Handle
            : (await client.OpenPflagsAsync("t.txt", Pflags.Read | Pflags.Text)).Handle;
        Assert.Equal("line 1\nline 2\n", Text(await client.ReadAllAsync(handle)));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));

        var up = version >= 5
            ? (await client.Open6Async("u.txt", OpenFlags6.AceWriteData, OpenFlags6.CreateTruncate | OpenFlags6.TextMode)).Handle
            : (await client.OpenPflagsAsync("u.txt", Pflags.Write | Pflags.Creat | Pflags.Trunc | Pflags.Text)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(up, 0, Utf8("a\nb\n")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(up));
        Assert.Equal("a\nb\n", File.ReadAllText(Harness.Host("u.txt")));
    }

    [Fact]
    public async Task PipelinedReadsAllArriveInOrder()
    {
        var data = new byte[64 * 4096];
        new Random(42).NextBytes(data);
        Harness.Put("big.bin", data);
        var client = await ConnectAsync(3);
        var handle = await client.OpenReadAsync("big.bin");
        var batch = new MemoryStream();
        var ids = new List<uint>();
        for (int i = 0; i < 64; i++)
        {
            uint id = client.NextId();
            ids.Add(id);
            // Offsets in a scrambled order, so a reply matched to the wrong request would show.
            ulong offset = (ulong)((i * 37 % 64) * 4096);
            batch.Write(new PacketBuilder().Byte(Fxp.Read).UInt32(id).String(handle).UInt64(offset).UInt32(4096).Framed());
        }

        await client.SendRawAsync(batch.ToArray());
        for (int i = 0; i < 64; i++)
        {
            var reply = await client.ReceiveAsync() ?? throw new InvalidOperationException("session closed");
            Assert.Equal(ids[i], reply.Id);
            int offset = i * 37 % 64 * 4096;
            Assert.Equal(data.AsSpan(offset, 4096).ToArray(), reply.Data);
        }
    }

    [Fact]
    public async Task PipelinedWritesAllLand()
    {
        var data = new byte[64 * 8192];
        new Random(7).NextBytes(data);
        var client = await ConnectAsync(6);
        var handle = await client.OpenUploadAsync("up.bin");
        var batch = new MemoryStream();
        var ids = new List<uint>();
        for (int i = 63; i >= 0; i--)
        {
            uint id = client.NextId();
            ids.Add(id);
            batch.Write(new PacketBuilder().Byte(Fxp.Write).UInt32(id).String(handle).UInt64((ulong)(i * 8192))
                .String(data.AsSpan(i * 8192, 8192)).Framed());
        }

        await client.SendRawAsync(batch.ToArray());
        foreach (uint id in ids)
        {
            var reply = await client.ReceiveAsync() ?? throw new InvalidOperationException("session closed");
            Assert.Equal(id, reply.Id);
            Assert.Equal(Fx.Ok, reply.StatusCode);
        }

        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(data, File.ReadAllBytes(Harness.Host("up.bin")));
    }

    // ----- OPENDIR, READDIR -----

    [Theory]
    [InlineData(3u)]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task ReaddirPagesThroughALargeDirectory(uint version)
    {
        for (int i = 0; i < 260; i++)
        {
            Harness.Put($"file-{i:000}", new string('x', i % 7));
        }

        Directory.CreateDirectory(Harness.Host("sub"));
        var client = await ConnectAsync(version);
        var batches = await client.ListAsync("/");
        Assert.True(batches.Count >= 3, $"only {batches.Count} READDIR batches");
        Assert.Equal(".", batches[0].Entries[0].Name);
        Assert.Equal("..", batches[0].Entries[1].Name);
        Assert.All(batches, b => Assert.InRange(b.Entries.Count, 1, 100));
        var names = batches.SelectMany(b => b.Entries).Select(e => e.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        var expected = Enumerable.Range(0, 260).Select(i => $"file-{i:000}").Append("sub").Append(".").Append("..")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, names.Order(StringComparer.Ordinal));

        var all = batches.SelectMany(b => b.Entries).ToDictionary(e => e.Name);
        Assert.Equal(5ul, all["file-012"].Attrs.FileSize);
        Assert.Equal(0x8000u, all["file-012"].Attrs.Mode!.Value & 0xF000);
        Assert.Equal(0x4000u, all["sub"].Attrs.Mode!.Value & 0xF000);
        Assert.Equal(0x4000u, all["."].Attrs.Mode!.Value & 0xF000);
        if (version == 3)
        {
            Assert.StartsWith("-rw", all["file-012"].LongName, StringComparison.Ordinal);
            Assert.EndsWith(" file-012", all["file-012"].LongName, StringComparison.Ordinal);
            Assert.Matches(@"^d[-rwxsStT]{9}\s+\d+ \S+\s+\S+\s+\d+ [A-Z][a-z]{2} [ \d]\d ( \d{4}|\d\d:\d\d) sub$", all["sub"].LongName);
        }
        else if (version < 6)
        {
            Assert.All(batches, b => Assert.Null(b.EndOfList));
            Assert.Equal((byte)2, all["sub"].Attrs.FileType);
        }
        else
        {
            Assert.All(batches.SkipLast(1), b => Assert.False(b.EndOfList));
            Assert.True(batches[^1].EndOfList);
            Assert.Equal((byte)2, all["sub"].Attrs.FileType);
        }
    }

    /// <summary>
    /// Draft -02 §6.7 and -13 §8.2.3: every READDIR returns one or more names, or a status (EOF). A directory whose
    /// entry count lands exactly on a batch boundary must not produce an empty NAME reply.
    /// </summary>
    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task ReaddirNeverAnswersWithAnEmptyName(uint version)
    {
        // 298 entries + '.' and '..' = 300 = three full batches of 100.
        for (int i = 0; i < 298; i++)
        {
            Harness.Put($"e{i:000}", "");
        }

        var client = await ConnectAsync(version);
        var batches = await client.ListAsync("/");
        Assert.Equal(300, batches.Sum(b => b.Entries.Count));
        Assert.All(batches, b => Assert.NotEmpty(b.Entries));
    }

    [Theory]
    [InlineData(3u, Fx.NoSuchFile)]
    [InlineData(6u, Fx.NotADirectory)]
    public async Task OpendirOfAFileOrMissingPathFails(uint version, uint ofFile)
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(version);
        Assert.Equal(ofFile, await client.StatusAsync(Fxp.Opendir, b => b.String("f")));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Opendir, b => b.String("missing")));
    }

    [Fact]
    public async Task ReaddirOfAnEmptyDirectoryGivesDotsThenEof()
    {
        Directory.CreateDirectory(Harness.Host("empty"));
        var client = await ConnectAsync(6);
        var batches = await client.ListAsync("empty");
        Assert.Single(batches);
        Assert.Equal([".", ".."], batches[0].Entries.Select(e => e.Name));
        Assert.True(batches[0].EndOfList);
    }

    [Fact]
    public async Task ReaddirHidesUploadsInProgress()
    {
        var client = await ConnectAsync(6);
        var handle = await client.OpenUploadAsync("pending.bin");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("x")));
        var names = (await client.ListAsync("/")).SelectMany(b => b.Entries).Select(e => e.Name).ToList();
        Assert.Equal([".", ".."], names);
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        names = (await client.ListAsync("/")).SelectMany(b => b.Entries).Select(e => e.Name).ToList();
        Assert.Equal([".", "..", "pending.bin"], names);
    }

    // ----- STAT, LSTAT, FSTAT -----

    [Theory]
    [InlineData(3u)]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task StatLstatFstat(uint version)
    {
        Harness.Put("f", "12345");
        File.CreateSymbolicLink(Harness.Host("l"), "f");
        var client = await ConnectAsync(version);

        var f = client.Attrs(await client.StatAsync("f"));
        Assert.Equal(5ul, f.FileSize);
        Assert.Equal(0x8000u, f.Mode!.Value & 0xF000);

        var viaLink = client.Attrs(await client.StatAsync("l"));
        Assert.Equal(5ul, viaLink.FileSize);
        Assert.Equal(0x8000u, viaLink.Mode!.Value & 0xF000);

        var link = client.Attrs(await client.StatAsync("l", Fxp.Lstat));
        Assert.Equal(0xA000u, link.Mode!.Value & 0xF000);
        if (version >= 4)
        {
            Assert.Equal((byte)3, link.FileType);
        }

        var handle = await client.OpenReadAsync("f");
        var fstat = client.Attrs(await client.RequestAsync(Fxp.Fstat, b =>
        {
            b.String(handle);
            if (version >= 4)
            {
                b.UInt32(ClientAttrs.Size | ClientAttrs.Permissions);
            }
        }));
        Assert.Equal(5ul, fstat.FileSize);

        var root = client.Attrs(await client.StatAsync("/"));
        Assert.Equal(0x4000u, root.Mode!.Value & 0xF000);

        Assert.Equal(Fx.NoSuchFile, (await client.StatAsync("missing")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await client.StatAsync("missing", Fxp.Lstat)).StatusCode);
    }

    [Fact]
    public async Task Version6StatReturnsTheRequestedAttributesOnly()
    {
        Harness.Put("f", "12345");
        var client = await ConnectAsync(6);
        var a = client.Attrs(await client.StatAsync("f", flags: ClientAttrs.Size | ClientAttrs.LinkCount));
        Assert.Equal(ClientAttrs.Size | ClientAttrs.LinkCount, a.Flags);
        Assert.Equal(1u, a.Links);

        // Without a flags word the server sends what it has.
        var all = client.Attrs(await client.RequestAsync(Fxp.Stat, b => b.String("f")));
        Assert.Equal(5ul, all.FileSize);
        Assert.NotNull(all.Owner);
        Assert.NotNull(all.AclEntries);
    }

    [Fact]
    public async Task FstatOfADirectoryHandle()
    {
        Directory.CreateDirectory(Harness.Host("d"));
        var client = await ConnectAsync(6);
        var handle = (await client.RequestAsync(Fxp.Opendir, b => b.String("d"))).Handle;
        var a = client.Attrs(await client.RequestAsync(Fxp.Fstat, b => b.String(handle).UInt32(ClientAttrs.Permissions)));
        Assert.Equal((byte)2, a.FileType);
    }

    // ----- SETSTAT, FSETSTAT -----

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task SetstatChangesSizePermissionsAndTimes(uint version)
    {
        Harness.Put("f", "0123456789");
        var client = await ConnectAsync(version);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, (int)version, size: 4);
        }));
        Assert.Equal("0123", File.ReadAllText(Harness.Host("f")));

        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, (int)version, permissions: 0x180);
        }));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Harness.Host("f")));

        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, (int)version, times: (1_000_000_000, 1_100_000_000));
        }));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_100_000_000), File.GetLastWriteTimeUtc(Harness.Host("f")));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_000_000_000), File.GetLastAccessTimeUtc(Harness.Host("f")));

        var a = client.Attrs(await client.StatAsync("f"));
        Assert.Equal(4ul, a.FileSize);
        Assert.Equal(0x8180u, a.Mode);
        Assert.Equal(1_100_000_000, a.MTime);
    }

    [Fact]
    public async Task Version6SetstatKeepsNanoseconds()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 6, times: (1_000_000_000, 1_200_000_000), modifyNs: 500_000_000);
        }));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_200_000_000.5), File.GetLastWriteTimeUtc(Harness.Host("f")));
        var a = client.Attrs(await client.StatAsync("f", flags: ClientAttrs.ModifyTime | ClientAttrs.Subsecond));
        Assert.Equal(500_000_000u, a.MTimeNs);
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task FsetstatChangesTheOpenFile(uint version)
    {
        Harness.Put("f", "abc");
        var client = await ConnectAsync(version);
        var handle = await client.OpenModifyAsync("f");
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Fsetstat, b =>
        {
            b.String(handle);
            ClientAttrs.Write(b, (int)version, size: 10, permissions: 0x1A0, times: (1_000_000_000, 1_000_000_100));
        }));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        var info = new FileInfo(Harness.Host("f"));
        Assert.Equal(10, info.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, info.UnixFileMode);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_000_000_100), info.LastWriteTimeUtc);
    }

    [Fact]
    public async Task FsetstatOfAnUploadAppliesToTheCommittedFile()
    {
        var client = await ConnectAsync(3);
        var handle = await client.OpenUploadAsync("u");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Utf8("data")));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Fsetstat, b =>
        {
            b.String(handle);
            ClientAttrs.Write(b, 3, permissions: 0x100, times: (1_000_000_000, 1_000_000_000));
        }));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Harness.Host("u")));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_000_000_000), File.GetLastWriteTimeUtc(Harness.Host("u")));
    }

    [Fact]
    public async Task SetstatOfOwnershipOnlyWhenUnchanged()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(3);
        var a = client.Attrs(await client.StatAsync("f"));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 3, ids: (a.Uid!.Value, a.Gid!.Value), permissions: 0x1A4);
        }));
        Assert.Equal(Fx.PermissionDenied, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 3, ids: (a.Uid!.Value + 1, a.Gid!.Value), permissions: 0x1FF);
        }));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(Harness.Host("f")));
    }

    [Fact]
    public async Task SetstatOfANegativeSizeIsInvalid()
    {
        Harness.Put("f", "abc");
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.InvalidParameter, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 6, size: -1);
        }));
        Assert.Equal("abc", File.ReadAllText(Harness.Host("f")));
    }

    [Fact]
    public async Task SetstatNeverSetsSetuid()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 3, permissions: 0xFED);
        }));
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Harness.Host("f")));
    }

    // ----- MKDIR, RMDIR, REMOVE -----

    [Theory]
    [InlineData(3u, Fx.Failure, Fx.Failure, Fx.NoSuchFile)]
    [InlineData(6u, Fx.FileAlreadyExists, Fx.DirNotEmpty, Fx.NotADirectory)]
    public async Task MkdirAndRmdir(uint version, uint exists, uint notEmpty, uint ofFile)
    {
        var client = await ConnectAsync(version);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Mkdir, b => Mkdir(b, "d", (int)version, 0x1C0)));
        Assert.True(Directory.Exists(Harness.Host("d")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Harness.Host("d")));
        Assert.Equal(exists, await client.StatusAsync(Fxp.Mkdir, b => Mkdir(b, "d", (int)version)));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Mkdir, b => Mkdir(b, "no/such/parent", (int)version)));

        Harness.Put("d/inner", "x");
        Assert.Equal(notEmpty, await client.StatusAsync(Fxp.Rmdir, b => b.String("d")));
        Assert.True(File.Exists(Harness.Host("d/inner")));
        Assert.Equal(ofFile, await client.StatusAsync(Fxp.Rmdir, b => b.String("d/inner")));
        File.Delete(Harness.Host("d/inner"));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Rmdir, b => b.String("d")));
        Assert.False(Directory.Exists(Harness.Host("d")));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Rmdir, b => b.String("d")));
    }

    [Fact]
    public async Task RmdirOfTheRootIsRefused()
    {
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.PermissionDenied, await client.StatusAsync(Fxp.Rmdir, b => b.String("/")));
        Assert.True(Directory.Exists(Harness.UserRoot));
    }

    [Theory]
    [InlineData(3u, Fx.Failure)]
    [InlineData(6u, Fx.FileIsADirectory)]
    public async Task Remove(uint version, uint ofDirectory)
    {
        Harness.Put("f", "x");
        Directory.CreateDirectory(Harness.Host("d"));
        var client = await ConnectAsync(version);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Remove, b => b.String("f")));
        Assert.False(File.Exists(Harness.Host("f")));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Remove, b => b.String("f")));
        Assert.Equal(ofDirectory, await client.StatusAsync(Fxp.Remove, b => b.String("d")));
        Assert.True(Directory.Exists(Harness.Host("d")));
    }

    [Fact]
    public async Task RemoveOfASymlinkRemovesTheLinkOnly()
    {
        Harness.Put("f", "keep");
        File.CreateSymbolicLink(Harness.Host("l"), "f");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Remove, b => b.String("l")));
        Assert.Equal("keep", File.ReadAllText(Harness.Host("f")));
        Assert.False(File.Exists(Harness.Host("l")));
    }

    // ----- RENAME, posix-rename -----

    [Fact]
    public async Task Version3RenameNeverOverwrites()
    {
        Harness.Put("a", "A");
        Harness.Put("b", "B");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Failure, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("b")));
        Assert.Equal("A", File.ReadAllText(Harness.Host("a")));
        Assert.Equal("B", File.ReadAllText(Harness.Host("b")));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("c")));
        Assert.False(File.Exists(Harness.Host("a")));
        Assert.Equal("A", File.ReadAllText(Harness.Host("c")));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("d")));
    }

    [Theory]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task RenameWithOverwriteFlagReplaces(uint version)
    {
        Harness.Put("a", "A");
        Harness.Put("b", "B");
        var client = await ConnectAsync(version);
        Assert.Equal(Fx.FileAlreadyExists, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("b").UInt32(0)));
        Assert.Equal(Fx.FileAlreadyExists, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("b").UInt32(0x2 | 0x4)));
        Assert.Equal("B", File.ReadAllText(Harness.Host("b")));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Rename, b => b.String("a").String("b").UInt32(0x1)));
        Assert.False(File.Exists(Harness.Host("a")));
        Assert.Equal("A", File.ReadAllText(Harness.Host("b")));
    }

    [Fact]
    public async Task PosixRenameReplaces()
    {
        Harness.Put("a", "A");
        Harness.Put("b", "B");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("posix-rename@openssh.com", b => b.String("a").String("b"))).StatusCode);
        Assert.False(File.Exists(Harness.Host("a")));
        Assert.Equal("A", File.ReadAllText(Harness.Host("b")));
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("posix-rename@openssh.com", b => b.String("a").String("b"))).StatusCode);
    }

    [Fact]
    public async Task RenameMovesDirectories()
    {
        Directory.CreateDirectory(Harness.Host("d1/inner"));
        Harness.Put("d1/inner/f", "x");
        Directory.CreateDirectory(Harness.Host("d2"));
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Rename, b => b.String("d1").String("d2/moved").UInt32(0)));
        Assert.Equal("x", File.ReadAllText(Harness.Host("d2/moved/inner/f")));
    }

    // ----- REALPATH -----

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task RealpathCanonicalises(uint version)
    {
        Directory.CreateDirectory(Harness.Host("dir/sub"));
        Harness.Put("dir/f", "x");
        File.CreateSymbolicLink(Harness.Host("l"), "dir/sub");
        File.CreateSymbolicLink(Harness.Host("abs"), "/dir");
        var client = await ConnectAsync(version);
        Assert.Equal("/", await client.SingleNameAsync(client.RealpathAsync(".")));
        Assert.Equal("/", await client.SingleNameAsync(client.RealpathAsync("")));
        Assert.Equal("/", await client.SingleNameAsync(client.RealpathAsync("..")));
        Assert.Equal("/dir", await client.SingleNameAsync(client.RealpathAsync("dir/./sub/..")));
        Assert.Equal("/dir/f", await client.SingleNameAsync(client.RealpathAsync("/dir//f")));
        Assert.Equal("/dir/sub", await client.SingleNameAsync(client.RealpathAsync("l")));
        Assert.Equal("/dir/f", await client.SingleNameAsync(client.RealpathAsync("abs/f")));
        Assert.Equal("/dir/new-file", await client.SingleNameAsync(client.RealpathAsync("dir/new-file")));
        Assert.Equal(Fx.NoSuchFile, (await client.RealpathAsync("nodir/x")).StatusCode);

        var (entries, _) = NameReply.Parse(await client.RealpathAsync("dir"), (int)version);
        Assert.Equal(0u, entries[0].Attrs.Flags);
        if (version == 3)
        {
            Assert.Equal("/dir", entries[0].LongName);
        }
    }

    [Fact]
    public async Task Version6RealpathControlByteAndComposePaths()
    {
        Directory.CreateDirectory(Harness.Host("a/b"));
        Harness.Put("a/b/f", "12345");
        File.CreateSymbolicLink(Harness.Host("link"), "a");
        var client = await ConnectAsync(6);

        Task<Reply> Realpath(string path, byte control, params string[] compose) => client.RequestAsync(Fxp.Realpath, b =>
        {
            b.String(path).Byte(control);
            foreach (string c in compose)
            {
                b.String(c);
            }
        });

        // NO_CHECK: lexical only, nothing needs to exist, links are not resolved.
        var (noCheck, end) = NameReply.Parse(await Realpath("/x", 1, "y", "../z", "w"), 6);
        Assert.Equal("/x/z/w", noCheck.Single().Name);
        Assert.Equal(0u, noCheck[0].Attrs.Flags);
        Assert.True(end);
        Assert.Equal("/link/b", (await client.SingleNameAsync(Realpath("link", 1, "b"))));
        // A compose path that is absolute starts over.
        Assert.Equal("/q", await client.SingleNameAsync(Realpath("/x", 1, "y", "/q")));

        // STAT_IF: resolved, attributes when it exists, none when it does not.
        var (statIf, _) = NameReply.Parse(await Realpath("link", 2, "b", "f"), 6);
        Assert.Equal("/a/b/f", statIf[0].Name);
        Assert.Equal(5ul, statIf[0].Attrs.FileSize);
        var (statIfMissing, _) = NameReply.Parse(await Realpath("a", 2, "missing"), 6);
        Assert.Equal("/a/missing", statIfMissing[0].Name);
        Assert.Equal(0u, statIfMissing[0].Attrs.Flags);

        // STAT_ALWAYS: the path must exist.
        var (statAlways, _) = NameReply.Parse(await Realpath("/", 3, "link", "b"), 6);
        Assert.Equal("/a/b", statAlways[0].Name);
        Assert.Equal((byte)2, statAlways[0].Attrs.FileType);
        Assert.Equal(Fx.NoSuchFile, (await Realpath("a", 3, "missing")).StatusCode);

        // An unknown control byte is a malformed request.
        Assert.Equal(Fx.BadMessage, (await Realpath("a", 4)).StatusCode);
        Assert.Equal(Fx.BadMessage, (await Realpath("a", 0)).StatusCode);
        await client.AssertAliveAsync();
    }

    // ----- READLINK, SYMLINK, LINK, hardlink -----

    [Fact]
    public async Task Version3SymlinkTakesTheTargetFirst()
    {
        Harness.Put("target.txt", "T");
        var client = await ConnectAsync(3);
        // OpenSSH order: targetpath, then linkpath.
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Symlink, b => b.String("target.txt").String("link")));
        Assert.Equal("target.txt", new FileInfo(Harness.Host("link")).LinkTarget);
        Assert.Null(new FileInfo(Harness.Host("target.txt")).LinkTarget);
        Assert.Equal("target.txt", await client.SingleNameAsync(client.RequestAsync(Fxp.Readlink, b => b.String("link"))));
        Assert.Equal(Fx.Failure, await client.StatusAsync(Fxp.Symlink, b => b.String("other").String("link")));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Readlink, b => b.String("missing")));
        // readlink(2) of a regular file is EINVAL, which OpenSSH also reports as BAD_MESSAGE in version 3.
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Readlink, b => b.String("target.txt")));
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(5u)]
    public async Task Version4And5SymlinkTakesTheTargetFirstAsLftpSendsIt(uint version)
    {
        Harness.Put("target.txt", "T");
        var client = await ConnectAsync(version);
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Symlink, b => b.String("target.txt").String("link")));
        Assert.Equal("target.txt", new FileInfo(Harness.Host("link")).LinkTarget);
        Assert.Equal("target.txt", await client.SingleNameAsync(client.RequestAsync(Fxp.Readlink, b => b.String("link"))));
    }

    [Fact]
    public async Task Version6HasNoSymlinkButLink()
    {
        Harness.Put("target.txt", "T");
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.OpUnsupported, await client.StatusAsync(Fxp.Symlink, b => b.String("link").String("target.txt")));
        Assert.False(File.Exists(Harness.Host("link")));

        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Link, b => b.String("sym").String("target.txt").Bool(true)));
        Assert.Equal("target.txt", new FileInfo(Harness.Host("sym")).LinkTarget);
        Assert.Equal("target.txt", await client.SingleNameAsync(client.RequestAsync(Fxp.Readlink, b => b.String("sym"))));

        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Link, b => b.String("hard").String("target.txt").Bool(false)));
        Assert.Null(new FileInfo(Harness.Host("hard")).LinkTarget);
        Assert.Equal("T", File.ReadAllText(Harness.Host("hard")));
        Assert.Equal(2u, client.Attrs(await client.StatAsync("target.txt", flags: ClientAttrs.LinkCount)).Links);
        Assert.Equal(2u, client.Attrs(await client.StatAsync("hard", flags: ClientAttrs.LinkCount)).Links);
        File.AppendAllText(Harness.Host("hard"), "+");
        Assert.Equal("T+", File.ReadAllText(Harness.Host("target.txt")));

        Assert.Equal(Fx.FileAlreadyExists, await client.StatusAsync(Fxp.Link, b => b.String("hard").String("target.txt").Bool(false)));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Link, b => b.String("hard2").String("missing").Bool(false)));
    }

    [Fact]
    public async Task HardlinkExtension()
    {
        Harness.Put("f", "F");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("hardlink@openssh.com", b => b.String("f").String("h"))).StatusCode);
        Assert.Equal("F", File.ReadAllText(Harness.Host("h")));
        Assert.Null(new FileInfo(Harness.Host("h")).LinkTarget);
        Assert.Equal(Fx.Failure, (await client.ExtendedAsync("hardlink@openssh.com", b => b.String("f").String("h"))).StatusCode);
    }

    // ----- BLOCK, UNBLOCK -----

    private async Task<(SftpTestClient A, byte[] HandleA, SftpTestClient B, byte[] HandleB)> TwoSessionsOnOneFile(string name)
    {
        Harness.Put(name, Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray());
        var a = await ConnectAsync(6);
        var b = await ConnectAsync(6);
        var ha = (await a.Open6Async(name, OpenFlags6.AceReadData | OpenFlags6.AceWriteData, OpenFlags6.OpenExisting)).Handle;
        var hb = (await b.Open6Async(name, OpenFlags6.AceReadData | OpenFlags6.AceWriteData, OpenFlags6.OpenExisting)).Handle;
        return (a, ha, b, hb);
    }

    private static Task<uint> Block(SftpTestClient c, byte[] h, ulong offset, ulong length, uint mask) =>
        c.StatusAsync(Fxp.Block, b => b.String(h).UInt64(offset).UInt64(length).UInt32(mask));

    private static Task<uint> Unblock(SftpTestClient c, byte[] h, ulong offset, ulong length) =>
        c.StatusAsync(Fxp.Unblock, b => b.String(h).UInt64(offset).UInt64(length));

    [Fact]
    public async Task BlockConflictsBetweenSessions()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock1.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 100, OpenFlags6.BlockWrite));
        Assert.Equal(Fx.ByteRangeLockConflict, await Block(b, hb, 50, 10, OpenFlags6.BlockRead));
        Assert.Equal(Fx.ByteRangeLockConflict, await Block(b, hb, 0, 0, OpenFlags6.BlockAdvisory));
        Assert.Equal(Fx.Ok, await Block(b, hb, 100, 10, OpenFlags6.BlockAdvisory));
        // The owner may stack its own locks.
        Assert.Equal(Fx.Ok, await Block(a, ha, 50, 10, OpenFlags6.BlockRead));

        Assert.Equal(Fx.NoMatchingByteRangeLock, await Unblock(a, ha, 500, 10));
        Assert.Equal(Fx.NoMatchingByteRangeLock, await Unblock(b, hb, 0, 100));
        Assert.Equal(Fx.Ok, await Unblock(a, ha, 0, 100));
        Assert.Equal(Fx.Ok, await Unblock(a, ha, 50, 10));
        Assert.Equal(Fx.Ok, await Block(b, hb, 50, 10, OpenFlags6.BlockRead));
        Assert.Equal(Fx.InvalidParameter, await Block(a, ha, 0, 10, 0));
        Assert.Equal(Fx.InvalidParameter, await Block(a, ha, 0, 10, 0x1000));
    }

    [Fact]
    public async Task BlockReadStopsOtherHandlesReading()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock2.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 100, 100, OpenFlags6.BlockRead));
        Assert.Equal(Fx.LockConflict, (await b.ReadAsync(hb, 150, 10)).StatusCode);
        Assert.Equal(Fx.LockConflict, (await b.ReadAsync(hb, 0, 101)).StatusCode);
        Assert.Equal(new byte[] { 0, 1, 2 }, (await b.ReadAsync(hb, 0, 3)).Data);
        Assert.Equal(10, (await b.ReadAsync(hb, 200, 10)).Data.Length);
        // Reading is blocked, writing is not; the owner reads freely.
        Assert.Equal(Fx.Ok, await b.WriteAsync(hb, 150, [0xFF]));
        Assert.Equal(new byte[] { 0xFF }, (await a.ReadAsync(ha, 150, 1)).Data);

        // Closing the owner's handle releases its locks.
        Assert.Equal(Fx.Ok, await a.CloseAsync(ha));
        Assert.Equal(new byte[] { 0xFF }, (await b.ReadAsync(hb, 150, 1)).Data);
    }

    [Fact]
    public async Task BlockWriteStopsOtherHandlesWriting()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock3.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockWrite));
        Assert.Equal(Fx.LockConflict, await b.WriteAsync(hb, 999, [1]));
        Assert.Equal((byte)231, File.ReadAllBytes(Harness.Host("lock3.bin"))[999]);
        Assert.Single((await b.ReadAsync(hb, 999, 1)).Data);

        // A session that ends releases its locks.
        await a.CloseOutputAsync();
        Assert.Equal(0, await a.WaitForEndAsync());
        Assert.Equal(Fx.Ok, await b.WriteAsync(hb, 999, [1]));
    }

    [Fact]
    public async Task BlockDeleteStopsRemoveAndRename()
    {
        var (a, ha, b, _) = await TwoSessionsOnOneFile("lock4.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockDelete));
        Assert.Equal(Fx.LockConflict, await b.StatusAsync(Fxp.Remove, p => p.String("lock4.bin")));
        Assert.Equal(Fx.LockConflict, await b.StatusAsync(Fxp.Rename, p => p.String("lock4.bin").String("moved").UInt32(0)));
        Assert.True(File.Exists(Harness.Host("lock4.bin")));
    }

    [Fact]
    public async Task OpenWithBlockFlagsLocksTheWholeFile()
    {
        Harness.Put("lock5.bin", new byte[100]);
        var a = await ConnectAsync(6);
        var b = await ConnectAsync(6);
        var ha = (await a.Open6Async("lock5.bin", OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.BlockRead)).Handle;
        var hb = (await b.Open6Async("lock5.bin", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).Handle;
        Assert.Equal(Fx.LockConflict, (await b.ReadAsync(hb, 50, 10)).StatusCode);
        Assert.Equal(Fx.ByteRangeLockConflict,
            (await b.Open6Async("lock5.bin", OpenFlags6.AceReadData, OpenFlags6.OpenExisting | OpenFlags6.BlockWrite)).StatusCode);
        Assert.Equal(Fx.Ok, await a.CloseAsync(ha));
        Assert.Equal(10, (await b.ReadAsync(hb, 50, 10)).Data.Length);
    }

    /// <summary>
    /// BLOCK_WRITE (draft -13 §8.1.1.3, §8.4): no other handle may write the range. Truncating the file by path is a
    /// write of every byte beyond the new length.
    /// </summary>
    [Fact]
    public async Task BlockWriteStopsATruncatingSetstat()
    {
        var (a, ha, b, _) = await TwoSessionsOnOneFile("lock6.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockWrite));
        uint status = await b.StatusAsync(Fxp.Setstat, p =>
        {
            p.String("lock6.bin");
            ClientAttrs.Write(p, 6, size: 0);
        });
        Assert.Equal(1000, new FileInfo(Harness.Host("lock6.bin")).Length);
        Assert.Equal(Fx.LockConflict, status);
    }

    [Fact]
    public async Task BlockWriteStopsATruncatingFsetstat()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock11.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockWrite));
        Assert.Equal(Fx.LockConflict, await b.WriteAsync(hb, 0, [1]));
        uint status = await b.StatusAsync(Fxp.Fsetstat, p =>
        {
            p.String(hb);
            ClientAttrs.Write(p, 6, size: 10);
        });
        Assert.Equal(1000, new FileInfo(Harness.Host("lock11.bin")).Length);
        Assert.Equal(Fx.LockConflict, status);
    }

    /// <summary>A whole-file upload over a file another handle holds BLOCK_WRITE on replaces every byte of it.</summary>
    [Fact]
    public async Task BlockWriteStopsAReplacingUpload()
    {
        var (a, ha, b, _) = await TwoSessionsOnOneFile("lock7.bin");
        var original = File.ReadAllBytes(Harness.Host("lock7.bin"));
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockWrite));
        var open = await b.Open6Async("lock7.bin", OpenFlags6.AceWriteData, OpenFlags6.CreateTruncate);
        var statuses = new List<uint>();
        if (open.Type == Fxp.Handle)
        {
            statuses.Add(await b.WriteAsync(open.Handle, 0, Utf8("replaced")));
            statuses.Add(await b.CloseAsync(open.Handle));
        }
        else
        {
            statuses.Add(open.StatusCode);
        }

        Assert.Equal(original, File.ReadAllBytes(Harness.Host("lock7.bin")));
        Assert.Contains(Fx.LockConflict, statuses);
    }

    [Fact]
    public async Task BlockWriteStopsACopyFileOverTheFile()
    {
        var (a, ha, b, _) = await TwoSessionsOnOneFile("lock8.bin");
        Harness.Put("other", "other content");
        var original = File.ReadAllBytes(Harness.Host("lock8.bin"));
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockWrite | OpenFlags6.BlockDelete));
        uint status = (await b.ExtendedAsync("copy-file", p => p.String("other").String("lock8.bin").Bool(true))).StatusCode;
        Assert.Equal(original, File.ReadAllBytes(Harness.Host("lock8.bin")));
        Assert.Equal(Fx.LockConflict, status);
    }

    /// <summary>BLOCK_READ: no other handle may read the range, so no other session may hash it either.</summary>
    [Fact]
    public async Task BlockReadStopsCheckFile()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock9.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockRead));
        Assert.Equal(Fx.LockConflict, (await b.ReadAsync(hb, 0, 10)).StatusCode);
        var byName = await b.ExtendedAsync("check-file-name", p => p.String("lock9.bin").String("md5").UInt64(0).UInt64(0).UInt32(0));
        Assert.True(byName.Type == Fxp.Status, $"check-file-name of a BLOCK_READ file answered {byName}");
        Assert.Equal(Fx.LockConflict, byName.StatusCode);
        var byHandle = await b.ExtendedAsync("check-file-handle", p => p.String(hb).String("md5").UInt64(0).UInt64(0).UInt32(0));
        Assert.True(byHandle.Type == Fxp.Status, $"check-file-handle of a BLOCK_READ file answered {byHandle}");
        Assert.Equal(Fx.LockConflict, byHandle.StatusCode);
    }

    [Fact]
    public async Task BlockReadStopsCopiesOfTheFile()
    {
        var (a, ha, b, hb) = await TwoSessionsOnOneFile("lock10.bin");
        Assert.Equal(Fx.Ok, await Block(a, ha, 0, 0, OpenFlags6.BlockRead));
        Assert.Equal(Fx.LockConflict, (await b.ExtendedAsync("copy-file", p => p.String("lock10.bin").String("copy").Bool(false))).StatusCode);
        var target = await b.OpenUploadAsync("copy2");
        Assert.Equal(Fx.LockConflict, (await b.ExtendedAsync("copy-data",
            p => p.String(hb).UInt64(0).UInt64(0).String(target).UInt64(0))).StatusCode);
    }

    // ----- batching -----

    [Fact]
    public async Task InitAndRequestsInOneWrite()
    {
        var client = await ConnectAsync(null);
        var batch = new MemoryStream();
        batch.Write(new PacketBuilder().Byte(Fxp.Init).UInt32(6).Framed());
        batch.Write(new PacketBuilder().Byte(Fxp.Extended).UInt32(1).String("version-select").String("4").Framed());
        batch.Write(new PacketBuilder().Byte(Fxp.Stat).UInt32(2).String("/").UInt32(ClientAttrs.Permissions).Framed());
        batch.Write(new PacketBuilder().Byte(Fxp.Realpath).UInt32(3).String(".").Framed());
        await client.SendRawAsync(batch.ToArray());
        var version = await client.ReceiveAsync();
        Assert.Equal(Fxp.Version, version!.Type);
        Assert.Equal(6u, version.Id);
        Assert.Equal(Fx.Ok, (await client.ReceiveAsync())!.StatusCode);
        client.Version = 4;
        var stat = await client.ReceiveAsync();
        Assert.Equal(2u, stat!.Id);
        Assert.Equal(ClientAttrs.Permissions, client.Attrs(stat).Flags);
        var name = await client.ReceiveAsync();
        Assert.Equal(3u, name!.Id);
        Assert.Equal("/", NameReply.Parse(name, 4).Entries.Single().Name);
    }
}
