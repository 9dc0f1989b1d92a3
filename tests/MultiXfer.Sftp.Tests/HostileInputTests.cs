using System.Buffers.Binary;
using System.Text;
using MultiXfer.Sftp.Tests.Client;

namespace MultiXfer.Sftp.Tests;

/// <summary>
/// What a hostile or broken client can send: bad framing, bad INIT sequences, lying lengths and counts, huge
/// reads, foreign and stale handles, too many handles, abandoned uploads, and random garbage.
/// </summary>
public sealed class HostileInputTests : SftpTestBase
{
    private const long AllocationBudget = 64L * 1024 * 1024;

    private static byte[] Header(uint length)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, length);
        return b;
    }

    /// <summary>The session closed its side without another reply and RunAsync returned the protocol-error status.</summary>
    private static async Task AssertEndedAsync(SftpTestClient client, int expected = 2)
    {
        Assert.Empty(await client.DrainAsync());
        Assert.Equal(expected, await client.WaitForEndAsync());
    }

    // ----- framing -----

    [Theory]
    [InlineData(256u * 1024 + 1)]
    [InlineData(0x0100_0000u)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(0xFFFF_FFFFu)]
    public async Task APacketOverTheLimitEndsTheSessionWithoutAllocatingIt(uint length)
    {
        var client = await ConnectAsync(6);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        // Only the header and a few bytes: the session must not wait for (or allocate) the rest.
        await client.SendRawAsync([.. Header(length), Fxp.Write, 0, 0, 0, 1]);
        await AssertEndedAsync(client);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < AllocationBudget, $"{allocated} bytes allocated for a {length}-byte packet header");
    }

    [Fact]
    public async Task APacketOverTheLimitBeforeInitEndsTheSession()
    {
        var client = await ConnectAsync(null);
        await client.SendRawAsync([.. Header(0x7FFF_FFFF), Fxp.Init, 0, 0, 0, 3]);
        await AssertEndedAsync(client);
    }

    [Fact]
    public async Task APacketOfExactlyTheLimitIsAccepted()
    {
        var client = await ConnectAsync(3);
        var handle = await client.OpenUploadAsync("max.bin");
        // 1 type + 4 id + (4 + 16) handle + 8 offset + 4 data length + data = 262144.
        var data = new byte[262_144 - 37];
        new Random(1).NextBytes(data);
        var payload = SftpTestClient.Payload(Fxp.Write, 77, b => b.String(handle).UInt64(0).String(data));
        Assert.Equal(262_144, payload.Length);
        await client.SendPacketAsync(payload);
        var reply = await client.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal(77u, reply.Id);
        Assert.Equal(Fx.Ok, reply.StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(data, File.ReadAllBytes(Harness.Host("max.bin")));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    public async Task APacketShorterThanTypeAndIdEndsTheSession(uint length)
    {
        var client = await ConnectAsync(6);
        await client.SendRawAsync([.. Header(length), .. new byte[length], .. Header(5), Fxp.Stat, 0, 0, 0, 9]);
        await AssertEndedAsync(client);
    }

    [Fact]
    public async Task AShortPacketBeforeInitEndsTheSession()
    {
        var client = await ConnectAsync(null);
        await client.SendRawAsync([0, 0, 0, 1, Fxp.Init]);
        await AssertEndedAsync(client);
    }

    [Fact]
    public async Task AStreamEndingInsideAPacketEndsTheSessionQuietly()
    {
        var client = await ConnectAsync(6);
        await client.SendRawAsync([.. Header(100), Fxp.Stat, 0, 0, 0, 1, 0, 0]);
        await client.CloseOutputAsync();
        Assert.Equal(0, await client.WaitForEndAsync());
    }

    [Fact]
    public async Task ARequestDribbledOneByteAtATimeIsAnswered()
    {
        var client = await ConnectAsync(6);
        uint id = client.NextId();
        var framed = new PacketBuilder().Byte(Fxp.Stat).UInt32(id).String("/").UInt32(ClientAttrs.Size).Framed();
        foreach (byte b in framed)
        {
            await client.SendRawAsync([b]);
        }

        var reply = await client.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal(id, reply.Id);
        Assert.Equal(Fxp.Attrs, reply.Type);
    }

    [Fact]
    public async Task LargePacketsSplitAcrossArbitraryChunksAreReassembled()
    {
        var client = await ConnectAsync(6);
        var handle = await client.OpenUploadAsync("chunks.bin");
        var random = new Random(99);
        var expected = new MemoryStream();
        var stream = new MemoryStream();
        var ids = new List<(uint Id, byte Type)>();
        for (int i = 0; i < 14; i++)
        {
            var data = new byte[random.Next(1, 250_000)];
            random.NextBytes(data);
            uint id = client.NextId();
            ids.Add((id, Fxp.Write));
            stream.Write(new PacketBuilder().Byte(Fxp.Write).UInt32(id).String(handle).UInt64((ulong)expected.Length).String(data).Framed());
            expected.Write(data);
            uint statId = client.NextId();
            ids.Add((statId, Fxp.Attrs));
            stream.Write(new PacketBuilder().Byte(Fxp.Stat).UInt32(statId).String("/").UInt32(ClientAttrs.Size).Framed());
        }

        var all = stream.ToArray();
        var sender = Task.Run(async () =>
        {
            for (int offset = 0; offset < all.Length;)
            {
                int chunk = Math.Min(all.Length - offset, random.Next(1, 70_000));
                await client.SendRawAsync(all.AsSpan(offset, chunk).ToArray());
                offset += chunk;
            }
        });
        foreach (var (id, type) in ids)
        {
            var reply = await client.ReceiveAsync();
            Assert.NotNull(reply);
            Assert.Equal(id, reply.Id);
            if (type == Fxp.Write)
            {
                Assert.Equal(Fx.Ok, reply.StatusCode);
            }
            else
            {
                Assert.Equal(Fxp.Attrs, reply.Type);
            }
        }

        await sender;
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(Harness.Host("chunks.bin")));
    }

    // ----- INIT -----

    [Fact]
    public async Task ARequestBeforeInitEndsTheSession()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(null);
        await client.SendAsync(Fxp.Remove, b => b.String("f"));
        await AssertEndedAsync(client);
        Assert.True(File.Exists(Harness.Host("f")));
    }

    [Fact]
    public async Task AVersionPacketBeforeInitEndsTheSession()
    {
        var client = await ConnectAsync(null);
        await client.SendPacketAsync(new PacketBuilder().Byte(Fxp.Version).UInt32(3).ToArray());
        await AssertEndedAsync(client);
    }

    [Fact]
    public async Task ASecondInitEndsTheSession()
    {
        var client = await ConnectAsync(3);
        await client.SendPacketAsync(new PacketBuilder().Byte(Fxp.Init).UInt32(6).ToArray());
        await AssertEndedAsync(client);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(2u)]
    public async Task InitBelowVersion3EndsTheSession(uint version)
    {
        var client = await ConnectAsync(null);
        await client.SendPacketAsync(new PacketBuilder().Byte(Fxp.Init).UInt32(version).ToArray());
        await AssertEndedAsync(client);
    }

    [Fact]
    public async Task InitWithTheLargestVersionGetsVersion6()
    {
        var client = await ConnectAsync(0xFFFF_FFFF);
        Assert.Equal(6, client.Version);
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task InitWithTrailingExtensionDataIsAccepted()
    {
        var client = await ConnectAsync(null);
        await client.SendPacketAsync(new PacketBuilder().Byte(Fxp.Init).UInt32(3).String("x@example.com").String("1").ToArray());
        var reply = await client.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal(Fxp.Version, reply.Type);
        Assert.Equal(3u, reply.Id);
    }

    // ----- lying lengths and counts -----

    [Theory]
    [InlineData(3u)]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task AnAttributeExtendedCountOfFourBillionIsABadMessage(uint version)
    {
        Harness.Put("f", "content");
        var client = await ConnectAsync(version);
        void HugeCount(PacketBuilder b)
        {
            b.UInt32(0x80000000 | ClientAttrs.Size);
            if (version >= 4)
            {
                b.Byte(1);
            }

            b.UInt64(0).UInt32(0xFFFF_FFFF).String("name").String("value");
        }

        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Setstat, b =>
        {
            b.String("f");
            HugeCount(b);
        }));
        Assert.Equal("content", File.ReadAllText(Harness.Host("f")));
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Mkdir, b =>
        {
            b.String("d");
            HugeCount(b);
        }));
        Assert.False(Directory.Exists(Harness.Host("d")));
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Open, b =>
        {
            b.String("new");
            if (version >= 5)
            {
                b.UInt32(OpenFlags6.AceWriteData).UInt32(OpenFlags6.CreateNew);
            }
            else
            {
                b.UInt32(Pflags.Write | Pflags.Creat);
            }

            HugeCount(b);
        }));
        Assert.False(File.Exists(Harness.Host("new")));

        // The session lives on and the next request works.
        var attrs = client.Attrs(await client.StatAsync("f"));
        Assert.Equal(7ul, attrs.FileSize);
    }

    public static TheoryData<string, byte[]> LyingRequests()
    {
        var data = new TheoryData<string, byte[]>
        {
            { "STAT path length 1000, 3 bytes", new PacketBuilder().Byte(Fxp.Stat).UInt32(1).UInt32(1000).Raw("abc"u8).ToArray() },
            { "OPEN path length 0xFFFFFFFF", new PacketBuilder().Byte(Fxp.Open).UInt32(2).UInt32(0xFFFF_FFFF).Raw("abc"u8).ToArray() },
            { "READ handle length 0x7FFFFFFF", new PacketBuilder().Byte(Fxp.Read).UInt32(3).UInt32(0x7FFF_FFFF).ToArray() },
            { "EXTENDED name length beyond", new PacketBuilder().Byte(Fxp.Extended).UInt32(5).UInt32(50).Raw("limits"u8).ToArray() },
            { "RENAME second path missing", new PacketBuilder().Byte(Fxp.Rename).UInt32(6).String("a").ToArray() },
            { "STAT path not UTF-8", new PacketBuilder().Byte(Fxp.Stat).UInt32(8).String([0xFF, 0xFE, 0x80]).ToArray() },
            { "STAT path overlong UTF-8", new PacketBuilder().Byte(Fxp.Stat).UInt32(9).String([0xC0, 0xAF]).ToArray() },
            {
                "users-groups-by-id count lies", new PacketBuilder().Byte(Fxp.Extended).UInt32(10).String("users-groups-by-id@openssh.com")
                    .UInt32(0xFFFF_FFF0).ToArray()
            },
            { "check-file-name truncated", new PacketBuilder().Byte(Fxp.Extended).UInt32(11).String("check-file-name").String("f").String("md5").UInt32(0).ToArray() },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(LyingRequests))]
    public async Task LengthsBeyondThePacketAreBadMessages(string what, byte[] payload)
    {
        Assert.NotEmpty(what);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1));
        foreach (uint version in new uint[] { 3, 6 })
        {
            var client = await ConnectAsync(version);
            await client.SendPacketAsync(payload);
            var reply = await client.ReceiveAsync();
            Assert.NotNull(reply);
            Assert.Equal(id, reply.Id);
            Assert.Equal(Fx.BadMessage, reply.StatusCode);
            await client.AssertAliveAsync();
        }
    }

    /// <summary>Requests on a real handle whose later fields are missing or lie about their length.</summary>
    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task TruncatedRequestsOnARealHandleAreBadMessages(uint version)
    {
        Harness.Put("f", "0123456789");
        var client = await ConnectAsync(version);
        var h = await client.OpenModifyAsync("f");
        Assert.Equal(Fx.BadMessage, (await client.RequestAsync(Fxp.Read, b => b.String(h).UInt64(0))).StatusCode);
        Assert.Equal(Fx.BadMessage, (await client.RequestAsync(Fxp.Read, b => b.String(h).UInt32(0))).StatusCode);
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Write, b => b.String(h).UInt64(0).UInt32(100_000).Raw(new byte[10])));
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Write, b => b.String(h).UInt64(0).UInt32(0xFFFF_FFFF)));
        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Fsetstat, b => b.String(h).UInt32(ClientAttrs.Size).UInt32(1)));
        Assert.Equal(Fx.BadMessage, (await client.ExtendedAsync("copy-data", b => b.String(h).UInt64(0).UInt64(1).UInt32(16))).StatusCode);
        Assert.Equal(Fx.BadMessage, (await client.ExtendedAsync("check-file-handle", b => b.String(h).String("md5").UInt64(0))).StatusCode);
        if (version == 6)
        {
            Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Block, b => b.String(h).UInt64(0).UInt64(10)));
            Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Unblock, b => b.String(h).UInt64(0)));
        }

        Assert.Equal(Fx.Ok, await client.CloseAsync(h));
        Assert.Equal("0123456789", File.ReadAllText(Harness.Host("f")));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task EveryRequestWithAnEmptyBodyIsABadMessage(uint version)
    {
        var client = await ConnectAsync(version);
        for (byte type = Fxp.Open; type <= Fxp.Unblock; type++)
        {
            bool defined = version == 6 ? type != Fxp.Symlink : type <= Fxp.Symlink;
            uint code = await client.StatusAsync(type, null);
            Assert.True(code == (defined ? Fx.BadMessage : Fx.OpUnsupported), $"type {type}: status {code}");
        }

        Assert.Equal(Fx.BadMessage, await client.StatusAsync(Fxp.Extended, null));
        await client.AssertAliveAsync();
    }

    [Theory]
    [InlineData(Fxp.Version)]
    [InlineData(Fxp.Status)]
    [InlineData(Fxp.Handle)]
    [InlineData(Fxp.ExtendedReply)]
    [InlineData((byte)0)]
    [InlineData((byte)24)]
    [InlineData((byte)150)]
    [InlineData((byte)255)]
    public async Task PacketTypesThatAreNotRequestsAreUnsupported(byte type)
    {
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.OpUnsupported, await client.StatusAsync(type, b => b.String("whatever")));
        await client.AssertAliveAsync();
    }

    [Theory]
    [InlineData(3u, Fx.BadMessage)]
    [InlineData(6u, Fx.InvalidFilename)]
    public async Task InvalidPathsAreRefused(uint version, uint expected)
    {
        var client = await ConnectAsync(version);
        Assert.Equal(expected, (await client.StatAsync("a\0b")).StatusCode);
        // A line break is part of a name (missing here, so NO_SUCH_FILE), not an invalid path.
        Assert.Equal(Fx.NoSuchFile, (await client.StatAsync("a\nb")).StatusCode);
        Assert.Equal(expected, (await client.StatAsync(new string('a', 256))).StatusCode);
        Assert.Equal(expected, (await client.StatAsync(string.Join('/', Enumerable.Repeat(new string('b', 200), 30)))).StatusCode);
        Assert.Equal(expected, await client.StatusAsync(Fxp.Mkdir, b =>
        {
            b.String(new string('c', 300));
            ClientAttrs.WriteEmpty(b, (int)version);
        }));
        Assert.Empty(Directory.GetFileSystemEntries(Harness.UserRoot));
        await client.AssertAliveAsync();
    }

    // ----- READ sizes -----

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task AHugeReadAtTheLargestOffsetIsEndOfFile(uint version)
    {
        Harness.Put("f", "0123456789");
        var client = await ConnectAsync(version);
        var handle = await client.OpenReadAsync("f");
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var reply = await client.ReadAsync(handle, long.MaxValue, 0xFFFF_FFFF);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < AllocationBudget, $"{allocated} bytes allocated for one READ");
        Assert.True(reply.Type == Fxp.Status && reply.StatusCode == Fx.Eof, $"READ 0xFFFFFFFF at 2^63-1: {reply}");
        await client.AssertAliveAsync();
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task ReadsBeyondTheEndAreEndOfFile(uint version)
    {
        Harness.Put("f", "0123456789");
        var client = await ConnectAsync(version);
        var handle = await client.OpenReadAsync("f");
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, ulong.MaxValue, 0xFFFF_FFFF)).StatusCode);
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, (ulong)long.MaxValue + 1, 10)).StatusCode);
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, 1L << 40, 10)).StatusCode);
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, 0, 0)).StatusCode);
        // Offset + length up to exactly 2^63-1 still reads past the end: EOF.
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, long.MaxValue - 261_120, 261_120)).StatusCode);
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, long.MaxValue - 10, 10)).StatusCode);
        Assert.Equal("9", Encoding.UTF8.GetString((await client.ReadAsync(handle, 9, 0xFFFF_FFFF)).Data));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task ReadLengthIsClampedToTheAnnouncedMaximum(uint version)
    {
        var data = new byte[1024 * 1024];
        new Random(3).NextBytes(data);
        Harness.Put("big", data);
        var client = await ConnectAsync(version);
        var handle = await client.OpenReadAsync("big");
        var reply = await client.ReadAsync(handle, 0, 1024 * 1024);
        var got = reply.Data;
        Assert.InRange(got.Length, 1, 261_120);
        Assert.Equal(data.AsSpan(0, got.Length).ToArray(), got);
        Assert.Equal(261_120, got.Length);
    }

    [Theory]
    [InlineData(3u, Fx.BadMessage)]
    [InlineData(6u, Fx.InvalidParameter)]
    public async Task WritesAtImpossibleOffsetsAreRefused(uint version, uint expected)
    {
        var client = await ConnectAsync(version);
        var handle = await client.OpenModifyAsync("f");
        Assert.Equal(expected, await client.WriteAsync(handle, long.MaxValue, [1, 2, 3]));
        Assert.Equal(expected, await client.WriteAsync(handle, ulong.MaxValue, [1]));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(0, new FileInfo(Harness.Host("f")).Length);
    }

    // ----- handles -----

    [Theory]
    [InlineData(3u, Fx.Failure)]
    [InlineData(6u, Fx.InvalidHandle)]
    public async Task AHandleOfAnotherSessionIsInvalid(uint version, uint expected)
    {
        Harness.Put("f", "secret of session A");
        Directory.CreateDirectory(Harness.Host("d"));
        var a = await ConnectAsync(version);
        var b = await ConnectAsync(version);
        var handle = await a.OpenModifyAsync("f");
        var dir = (await a.RequestAsync(Fxp.Opendir, p => p.String("d"))).Handle;

        Assert.Equal(expected, (await b.ReadAsync(handle, 0, 100)).StatusCode);
        Assert.Equal(expected, await b.WriteAsync(handle, 0, [1]));
        Assert.Equal(expected, (await b.RequestAsync(Fxp.Fstat, p =>
        {
            p.String(handle);
            if (version >= 4)
            {
                p.UInt32(ClientAttrs.Size);
            }
        })).StatusCode);
        Assert.Equal(expected, await b.StatusAsync(Fxp.Fsetstat, p =>
        {
            p.String(handle);
            ClientAttrs.Write(p, (int)version, size: 0);
        }));
        Assert.Equal(expected, await b.StatusAsync(Fxp.Readdir, p => p.String(dir)));
        Assert.Equal(expected, await b.CloseAsync(handle));
        Assert.Equal(expected, (await b.ExtendedAsync("fsync@openssh.com", p => p.String(handle))).StatusCode);

        // Session A's handles still work and the file is untouched.
        Assert.Equal("secret of session A", Encoding.UTF8.GetString((await a.ReadAsync(handle, 0, 100)).Data));
        Assert.Equal(Fx.Ok, await a.CloseAsync(handle));
        Assert.Equal(Fx.Ok, await a.CloseAsync(dir));
    }

    [Theory]
    [InlineData(3u, Fx.Failure)]
    [InlineData(6u, Fx.InvalidHandle)]
    public async Task AClosedHandleStaysInvalid(uint version, uint expected)
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(version);
        var handle = await client.OpenReadAsync("f");
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(expected, (await client.ReadAsync(handle, 0, 1)).StatusCode);
        Assert.Equal(expected, await client.CloseAsync(handle));
        // Handles are never reused: a new open gets a different one, and the old one stays dead.
        var again = await client.OpenReadAsync("f");
        Assert.NotEqual(handle, again);
        Assert.Equal(expected, (await client.ReadAsync(handle, 0, 1)).StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    public async Task MadeUpHandlesAreInvalid(int length)
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(6);
        await client.OpenReadAsync("f"); // one real handle exists
        var fake = new byte[length];
        new Random(length).NextBytes(fake);
        Assert.Equal(Fx.InvalidHandle, (await client.ReadAsync(fake, 0, 1)).StatusCode);
        Assert.Equal(Fx.InvalidHandle, await client.WriteAsync(fake, 0, [1]));
        Assert.Equal(Fx.InvalidHandle, await client.CloseAsync(fake));
        Assert.Equal(Fx.InvalidHandle, await client.StatusAsync(Fxp.Readdir, b => b.String(fake)));
        Assert.Equal(Fx.InvalidHandle, await client.StatusAsync(Fxp.Block, b => b.String(fake).UInt64(0).UInt64(0).UInt32(0x40)));
    }

    [Fact]
    public async Task FileAndDirectoryHandlesAreNotInterchangeable()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(6);
        var file = await client.OpenReadAsync("f");
        var dir = (await client.RequestAsync(Fxp.Opendir, b => b.String("/"))).Handle;
        Assert.Equal(Fx.InvalidHandle, (await client.ReadAsync(dir, 0, 10)).StatusCode);
        Assert.Equal(Fx.InvalidHandle, await client.WriteAsync(dir, 0, [1]));
        Assert.Equal(Fx.InvalidHandle, await client.StatusAsync(Fxp.Readdir, b => b.String(file)));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task MoreThanMaxOpenHandlesIsAFailure()
    {
        Harness.Put("f", "x");
        Directory.CreateDirectory(Harness.Host("d"));
        var client = await ConnectAsync(6, new SftpPolicy { MaxOpenHandles = 3 });
        var h1 = await client.OpenReadAsync("f");
        await client.OpenReadAsync("f");
        await client.RequestAsync(Fxp.Opendir, b => b.String("d"));
        Assert.Equal(Fx.Failure, (await client.Open6Async("f", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).StatusCode);
        Assert.Equal(Fx.Failure, await client.StatusAsync(Fxp.Opendir, b => b.String("d")));
        Assert.Equal(Fx.Ok, await client.CloseAsync(h1));
        var h4 = await client.OpenReadAsync("f");
        Assert.Equal("x", Encoding.UTF8.GetString((await client.ReadAsync(h4, 0, 10)).Data));
        Assert.Equal(Fx.Failure, (await client.Open6Async("f", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).StatusCode);
    }

    /// <summary>An OPEN refused for the handle limit must not leave the file it would have created.</summary>
    [Theory]
    [InlineData(OpenFlags6.OpenOrCreate)]
    [InlineData(OpenFlags6.CreateNew)]
    [InlineData(OpenFlags6.CreateTruncate)]
    public async Task AnOpenRefusedForTheHandleLimitCreatesNothing(uint disposition)
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(6, new SftpPolicy { MaxOpenHandles = 1 });
        await client.OpenReadAsync("f");
        Assert.Equal(Fx.Failure, (await client.Open6Async("extra", OpenFlags6.AceWriteData, disposition)).StatusCode);
        Assert.False(File.Exists(Harness.Host("extra")), "a refused OPEN created the file");
        Assert.Equal(new[] { "f" }, Directory.GetFileSystemEntries(Harness.UserRoot).Select(p => Path.GetFileName(p)));
    }

    // ----- abandoned uploads -----

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task AnUploadCutOffLeavesNoFileUnderItsName(uint version)
    {
        var client = await ConnectAsync(version);
        var handle = await client.OpenUploadAsync("up.bin");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, new byte[100_000]));
        Assert.False(File.Exists(Harness.Host("up.bin")));
        await client.CloseOutputAsync();
        Assert.Equal(0, await client.WaitForEndAsync());
        Assert.False(File.Exists(Harness.Host("up.bin")));
        Assert.Empty(Directory.GetFileSystemEntries(Harness.UserRoot));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task AnUploadCutOffKeepsTheOldContent(uint version)
    {
        Harness.Put("up.bin", "old content");
        var client = await ConnectAsync(version);
        var handle = await client.OpenUploadAsync("up.bin");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, Encoding.UTF8.GetBytes("new")));
        Assert.Equal("old content", File.ReadAllText(Harness.Host("up.bin")));
        await client.CloseOutputAsync();
        Assert.Equal(0, await client.WaitForEndAsync());
        Assert.Equal("old content", File.ReadAllText(Harness.Host("up.bin")));
        Assert.Equal(new[] { "up.bin" }, Directory.GetFileSystemEntries(Harness.UserRoot).Select(p => Path.GetFileName(p)));
    }

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task AResumedUploadCutOffKeepsWhatWasWritten(uint version)
    {
        Harness.Put("resume.bin", "abc");
        var client = await ConnectAsync(version);
        var handle = version >= 5
            ? (await client.Open6Async("resume.bin", OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate)).Handle
            : (await client.OpenPflagsAsync("resume.bin", Pflags.Write | Pflags.Creat)).Handle;
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 3, Encoding.UTF8.GetBytes("def")));
        await client.CloseOutputAsync();
        Assert.Equal(0, await client.WaitForEndAsync());
        Assert.Equal("abcdef", File.ReadAllText(Harness.Host("resume.bin")));
    }

    [Theory]
    [InlineData(3u, Fx.Failure)]
    [InlineData(4u, Fx.FileAlreadyExists)]
    [InlineData(5u, Fx.FileAlreadyExists)]
    [InlineData(6u, Fx.FileAlreadyExists)]
    public async Task RenameOntoAnExistingFileWithoutOverwriteLeavesBoth(uint version, uint expected)
    {
        Harness.Put("a", "A content");
        Harness.Put("b", "B content");
        var client = await ConnectAsync(version);
        Assert.Equal(expected, await client.StatusAsync(Fxp.Rename, b =>
        {
            b.String("a").String("b");
            if (version >= 5)
            {
                b.UInt32(0);
            }
        }));
        Assert.Equal("A content", File.ReadAllText(Harness.Host("a")));
        Assert.Equal("B content", File.ReadAllText(Harness.Host("b")));
    }

    // ----- garbage -----

    [Theory]
    [InlineData(3u)]
    [InlineData(6u)]
    public async Task FiveHundredGarbagePacketsEachGetAStatus(uint version)
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(version);
        var random = new Random(20240601 + (int)version);
        var ids = new List<uint>();
        var batch = new MemoryStream();
        for (int i = 0; i < 500; i++)
        {
            byte type;
            do
            {
                type = (byte)random.Next(256);
            }
            while (type == Fxp.Init);

            var body = new byte[random.Next(0, 300)];
            random.NextBytes(body);
            uint id = (uint)i;
            ids.Add(id);
            batch.Write(new PacketBuilder().Byte(type).UInt32(id).Raw(body).Framed());
            if (batch.Length > 16_000 || i == 499)
            {
                await client.SendRawAsync(batch.ToArray());
                batch.SetLength(0);
            }
        }

        foreach (uint id in ids)
        {
            var reply = await client.ReceiveAsync();
            if (reply is null)
            {
                Assert.Fail($"the session ended at packet {id} ({await client.HowEndedAsync()})");
            }

            Assert.Equal(id, reply.Id);
            Assert.Equal(Fxp.Status, reply.Type);
            Assert.InRange(reply.StatusCode, 1u, 31u);
        }

        await client.AssertAliveAsync();
        Assert.False(client.Session.IsCompleted);
    }

    /// <summary>
    /// Requests of real types whose fields are drawn from plausible values (short strings, paths, handles seen,
    /// boundary numbers): every one gets exactly one reply with its id, and nothing escapes the root.
    /// </summary>
    [Theory]
    [InlineData(3u)]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(6u)]
    public async Task FiveHundredPlausibleButRandomRequestsEachGetOneReply(uint version)
    {
        Harness.Put("f", "file content");
        Directory.CreateDirectory(Harness.Host("d"));
        File.CreateSymbolicLink(Harness.Host("out"), Harness.Outside);
        var outsideBefore = Harness.SnapshotOutside();
        var client = await ConnectAsync(version);
        var random = new Random(77 + (int)version);
        var handles = new List<byte[]> { await client.OpenModifyAsync("f"), (await client.RequestAsync(Fxp.Opendir, b => b.String("d"))).Handle };
        string[] paths = ["f", "d", "/", ".", "..", "../..", "/../etc/passwd", "out", "out/secret.txt", "d/x", "new", "", "f/x", "\\..\\x", "~"];
        string[] extensions =
        [
            "posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com", "hardlink@openssh.com", "fsync@openssh.com",
            "lsetstat@openssh.com", "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
            "users-groups-by-id@openssh.com", "space-available", "nope",
        ];
        // copy-file, copy-data and check-file are left out: a random SETSTAT or WRITE offset can make "f" a sparse file
        // of gigabytes, which they would then really copy or hash. Their malformed inputs are tested on their own.
        string[] words = ["md5", "sha256,md5", "alice", "3", "x", "", "crc32"];
        ulong[] numbers = [0, 1, 5, 255, 256, 4096, 0x7FFF_FFFF, 0xFFFF_FFFF, 1UL << 32, long.MaxValue, ulong.MaxValue];

        void Field(PacketBuilder b)
        {
            switch (random.Next(9))
            {
                case 0: b.String(paths[random.Next(paths.Length)]); break;
                case 1: b.String(handles[random.Next(handles.Count)]); break;
                case 2: b.UInt32((uint)numbers[random.Next(numbers.Length)]); break;
                case 3: b.UInt64(numbers[random.Next(numbers.Length)]); break;
                case 4: b.Byte((byte)random.Next(256)); break;
                case 5: b.String(words[random.Next(words.Length)]); break;
                case 6: b.UInt32((uint)random.Next(0x10000)); break;
                case 7:
                    var junk = new byte[random.Next(0, 12)];
                    random.NextBytes(junk);
                    b.Raw(junk);
                    break;
                default: b.UInt32(0); break;
            }
        }

        var ids = new List<uint>();
        var batch = new MemoryStream();
        for (int i = 0; i < 500; i++)
        {
            byte type = random.Next(8) == 0 ? Fxp.Extended : (byte)random.Next(Fxp.Open, Fxp.Unblock + 1);
            uint id = 10_000 + (uint)i;
            var b = new PacketBuilder().Byte(type).UInt32(id);
            if (type == Fxp.Extended)
            {
                b.String(extensions[random.Next(extensions.Length)]);
            }
            else if (random.Next(2) == 0)
            {
                b.String(paths[random.Next(paths.Length)]);
            }

            int count = random.Next(0, 7);
            for (int f = 0; f < count; f++)
            {
                Field(b);
            }

            ids.Add(id);
            batch.Write(b.Framed());
            if (batch.Length > 4000 || i == 499)
            {
                await client.SendRawAsync(batch.ToArray());
                batch.SetLength(0);
                // Read this batch's replies, collecting new handles as later fields.
                foreach (uint expected in ids)
                {
                    var reply = await client.ReceiveAsync();
                    if (reply is null)
                    {
                        Assert.Fail($"the session ended at request {expected} ({await client.HowEndedAsync()})");
                    }

                    Assert.Equal(expected, reply.Id);
                    if (reply.Type == Fxp.Handle)
                    {
                        handles.Add(reply.Handle);
                    }
                }

                ids.Clear();
            }
        }

        await client.AssertAliveAsync();
        Assert.Equal(outsideBefore, Harness.SnapshotOutside());
        Assert.Equal(SftpHarness.SecretContent, File.ReadAllText(Path.Combine(Harness.Outside, "secret.txt")));
    }
}
