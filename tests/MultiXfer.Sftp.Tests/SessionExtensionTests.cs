using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Tests.Client;

namespace MultiXfer.Sftp.Tests;

/// <summary>The EXTENDED requests: OpenSSH's and the draft's.</summary>
public sealed class SessionExtensionTests : SftpTestBase
{
    private static byte[] Content(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static (string Algorithm, byte[] Hash) CheckFileReply(Reply reply)
    {
        Assert.True(reply.Type == Fxp.ExtendedReply, $"expected EXTENDED_REPLY, got {reply}");
        var r = reply.Body();
        Assert.Equal("check-file", r.Utf8());
        string algorithm = r.Utf8();
        return (algorithm, r.Rest());
    }

    private static Action<PacketBuilder> CheckName(string path, string algorithms, ulong start = 0, ulong length = 0, uint block = 0) =>
        b => b.String(path).String(algorithms).UInt64(start).UInt64(length).UInt32(block);

    // ----- check-file -----

    [Theory]
    [InlineData("md5")]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha384")]
    [InlineData("sha512")]
    public async Task CheckFileNameHashesTheWholeFile(string algorithm)
    {
        var data = Content(1000, 1);
        Harness.Put("f", data);
        var client = await ConnectAsync(6);
        var (used, hash) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", algorithm)));
        Assert.Equal(algorithm, used);
        var expected = algorithm switch
        {
            "md5" => MD5.HashData(data),
            "sha1" => SHA1.HashData(data),
            "sha256" => SHA256.HashData(data),
            "sha384" => SHA384.HashData(data),
            _ => SHA512.HashData(data),
        };
        Assert.Equal(expected, hash);
    }

    /// <summary>
    /// VERSION announces sha224 in "check-file": asking for it gives the SHA-224 that OpenSSL computes for the same
    /// bytes (.NET has none), and the session lives on.
    /// </summary>
    [Fact]
    public async Task CheckFileWithTheAnnouncedSha224()
    {
        var data = Content(1000, 2);
        Harness.Put("f", data);
        var client = await ConnectAsync(6);
        uint id = await client.SendAsync(Fxp.Extended, b =>
        {
            b.String("check-file-name");
            CheckName("f", "sha224")(b);
        });
        var reply = await client.ReceiveAsync();
        if (reply is null)
        {
            Assert.Fail($"the session ended instead of answering check-file sha224 ({await client.HowEndedAsync()})");
        }

        Assert.Equal(id, reply.Id);
        var (used, hash) = CheckFileReply(reply);
        Assert.Equal("sha224", used);
        Assert.Equal(OpenSslSha224(data), hash);
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task CheckFileHandleMatchesTheFile()
    {
        var data = Content(70_000, 3);
        Harness.Put("f", data);
        var client = await ConnectAsync(3);
        var handle = await client.OpenReadAsync("f");
        var (used, hash) = CheckFileReply(await client.ExtendedAsync("check-file-handle",
            b => b.String(handle).String("sha256").UInt64(0).UInt64(0).UInt32(0)));
        Assert.Equal("sha256", used);
        Assert.Equal(SHA256.HashData(data), hash);
    }

    [Fact]
    public async Task CheckFileBlockHashes()
    {
        var data = Content(1000, 4);
        Harness.Put("f", data);
        var client = await ConnectAsync(6);
        var (_, hash) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "sha256", block: 256)));
        var expected = new[] { (0, 256), (256, 256), (512, 256), (768, 232) }
            .SelectMany(r => SHA256.HashData(data.AsSpan(r.Item1, r.Item2))).ToArray();
        Assert.Equal(expected, hash);

        var (_, md5Blocks) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "md5", 100, 600, 256)));
        var expectedMd5 = new[] { (100, 256), (356, 256), (612, 88) }.SelectMany(r => MD5.HashData(data.AsSpan(r.Item1, r.Item2))).ToArray();
        Assert.Equal(expectedMd5, md5Blocks);
    }

    [Fact]
    public async Task CheckFileRangeAndAlgorithmChoice()
    {
        var data = Content(1000, 5);
        Harness.Put("f", data);
        var client = await ConnectAsync(6);
        var (_, range) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "md5", 100, 200)));
        Assert.Equal(MD5.HashData(data.AsSpan(100, 200)), range);

        var (_, tail) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "md5", 900, 0)));
        Assert.Equal(MD5.HashData(data.AsSpan(900)), tail);

        var (_, beyond) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "md5", 5000, 10)));
        Assert.Equal(MD5.HashData([]), beyond);

        // The first algorithm of the client's list that the server has.
        var (used, _) = CheckFileReply(await client.ExtendedAsync("check-file-name", CheckName("f", "crc32,sha512,md5")));
        Assert.Equal("sha512", used);

        Assert.Equal(Fx.OpUnsupported, (await client.ExtendedAsync("check-file-name", CheckName("f", "crc32,whirlpool"))).StatusCode);
        Assert.Equal(Fx.InvalidParameter, (await client.ExtendedAsync("check-file-name", CheckName("f", "md5", block: 255))).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("check-file-name", CheckName("missing", "md5"))).StatusCode);
    }

    // ----- copy-file, copy-data -----

    [Fact]
    public async Task CopyFile()
    {
        var data = Content(200_000, 6);
        Harness.Put("src", data);
        File.SetUnixFileMode(Harness.Host("src"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Harness.Put("other", "other");
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("copy-file", b => b.String("src").String("dst").Bool(false))).StatusCode);
        Assert.Equal(data, File.ReadAllBytes(Harness.Host("dst")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Harness.Host("dst")));

        Assert.Equal(Fx.FileAlreadyExists, (await client.ExtendedAsync("copy-file", b => b.String("other").String("dst").Bool(false))).StatusCode);
        Assert.Equal(data, File.ReadAllBytes(Harness.Host("dst")));
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("copy-file", b => b.String("other").String("dst").Bool(true))).StatusCode);
        Assert.Equal("other", File.ReadAllText(Harness.Host("dst")));
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("copy-file", b => b.String("missing").String("x").Bool(true))).StatusCode);
        Assert.False(File.Exists(Harness.Host("x")));
    }

    [Fact]
    public async Task CopyDataBetweenHandles()
    {
        var data = Content(150_000, 7);
        Harness.Put("src", data);
        var client = await ConnectAsync(3);
        var source = await client.OpenReadAsync("src");
        var target = await client.OpenUploadAsync("dst");
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("copy-data",
            b => b.String(source).UInt64(0).UInt64(0).String(target).UInt64(0))).StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(target));
        Assert.Equal(data, File.ReadAllBytes(Harness.Host("dst")));

        var part = await client.OpenUploadAsync("part");
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("copy-data",
            b => b.String(source).UInt64(10).UInt64(50).String(part).UInt64(0))).StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(part));
        Assert.Equal(data.AsSpan(10, 50).ToArray(), File.ReadAllBytes(Harness.Host("part")));
    }

    [Fact]
    public async Task CopyDataRefusals()
    {
        Harness.Put("src", "0123456789");
        var client = await ConnectAsync(6);
        var source = await client.OpenReadAsync("src");
        var both = await client.OpenModifyAsync("both");
        var writeOnly = (await client.Open6Async("wo", OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate)).Handle;
        // The same handle with overlapping ranges.
        Assert.Equal(Fx.Ok, await client.WriteAsync(both, 0, Encoding.UTF8.GetBytes("abcdefghij")));
        Assert.Equal(Fx.Failure, (await client.ExtendedAsync("copy-data",
            b => b.String(both).UInt64(0).UInt64(5).String(both).UInt64(2))).StatusCode);
        // A source that cannot be read, a target that cannot be written.
        Assert.Equal(Fx.PermissionDenied, (await client.ExtendedAsync("copy-data",
            b => b.String(writeOnly).UInt64(0).UInt64(5).String(both).UInt64(0))).StatusCode);
        Assert.Equal(Fx.PermissionDenied, (await client.ExtendedAsync("copy-data",
            b => b.String(both).UInt64(0).UInt64(5).String(source).UInt64(0))).StatusCode);
        Assert.Equal(Fx.InvalidHandle, (await client.ExtendedAsync("copy-data",
            b => b.String(new byte[16]).UInt64(0).UInt64(5).String(both).UInt64(0))).StatusCode);
        Assert.Equal("abcdefghij", File.ReadAllText(Harness.Host("both")));
    }

    /// <summary>OpenSSH PROTOCOL §4.7: read-length 0 copies until end of file, from any read offset.</summary>
    [Fact]
    public async Task CopyDataUntilEndOfFileFromAnOffset()
    {
        var data = Content(100, 8);
        Harness.Put("src", data);
        var client = await ConnectAsync(6);
        var source = await client.OpenReadAsync("src");
        var target = await client.OpenUploadAsync("dst");
        var reply = await client.ExtendedAsync("copy-data", b => b.String(source).UInt64(10).UInt64(0).String(target).UInt64(0));
        Assert.Equal(Fx.Ok, reply.StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(target));
        Assert.Equal(data.AsSpan(10).ToArray(), File.ReadAllBytes(Harness.Host("dst")));
    }

    /// <summary>Appending one file to another: read-length 0 and a write offset at the target's end.</summary>
    [Fact]
    public async Task CopyDataUntilEndOfFileToAnOffset()
    {
        Harness.Put("src", "world");
        Harness.Put("dst", "hello ");
        var client = await ConnectAsync(6);
        var source = await client.OpenReadAsync("src");
        var target = await client.OpenModifyAsync("dst");
        var reply = await client.ExtendedAsync("copy-data", b => b.String(source).UInt64(0).UInt64(0).String(target).UInt64(6));
        Assert.Equal(Fx.Ok, reply.StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(target));
        Assert.Equal("hello world", File.ReadAllText(Harness.Host("dst")));
    }

    // ----- space, statvfs, limits -----

    private static ulong[] UInt64s(Reply reply, int count)
    {
        Assert.True(reply.Type == Fxp.ExtendedReply, $"expected EXTENDED_REPLY, got {reply}");
        var r = reply.Body();
        var values = Enumerable.Range(0, count).Select(_ => r.UInt64()).ToArray();
        Assert.True(r.AtEnd);
        return values;
    }

    [Fact]
    public async Task StatvfsAndFstatvfs()
    {
        Harness.Put("f", "x");
        var client = await ConnectAsync(3);
        var v = UInt64s(await client.ExtendedAsync("statvfs@openssh.com", b => b.String("/")), 11);
        ulong bsize = v[0], frsize = v[1], blocks = v[2], bfree = v[3], bavail = v[4], flag = v[9], namemax = v[10];
        Assert.True(bsize > 0 && frsize > 0 && blocks > 0);
        Assert.InRange(bavail, 0ul, bfree);
        Assert.InRange(bfree, 0ul, blocks);
        Assert.Equal(0x2ul, flag); // ST_NOSUID, not read-only
        Assert.Equal(0ul, v[8]); // fsid hidden
        Assert.Equal(255ul, namemax);

        var handle = await client.OpenReadAsync("f");
        var f = UInt64s(await client.ExtendedAsync("fstatvfs@openssh.com", b => b.String(handle)), 11);
        Assert.Equal(blocks, f[2]);
        Assert.Equal(frsize, f[1]);
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("statvfs@openssh.com", b => b.String("missing"))).StatusCode);
        Assert.Equal(Fx.Failure, (await client.ExtendedAsync("fstatvfs@openssh.com", b => b.String(new byte[16]))).StatusCode);
    }

    [Fact]
    public async Task StatvfsReportsReadOnlyUsers()
    {
        var client = await ConnectAsync(3, new SftpPolicy { UserName = SftpHarness.UserName, ReadOnly = true });
        var v = UInt64s(await client.ExtendedAsync("statvfs@openssh.com", b => b.String("/")), 11);
        Assert.Equal(0x3ul, v[9]);
        var space = await client.ExtendedAsync("space-available", b => b.String("/"));
        var r = space.Body();
        r.UInt64();
        r.UInt64();
        r.UInt64();
        Assert.Equal(0ul, r.UInt64());
    }

    [Fact]
    public async Task SpaceAvailableAgreesWithStatvfs()
    {
        var client = await ConnectAsync(6);
        var vfs = UInt64s(await client.ExtendedAsync("statvfs@openssh.com", b => b.String("/")), 11);
        var reply = await client.ExtendedAsync("space-available", b => b.String("/"));
        Assert.Equal(Fxp.ExtendedReply, reply.Type);
        var r = reply.Body();
        ulong onDevice = r.UInt64(), unusedOnDevice = r.UInt64(), availableToUser = r.UInt64(), unusedToUser = r.UInt64();
        uint unit = r.UInt32();
        Assert.True(r.AtEnd);
        Assert.Equal(vfs[2] * vfs[1], onDevice);
        Assert.InRange(unusedOnDevice, 0ul, onDevice);
        Assert.InRange(unusedToUser, 0ul, availableToUser);
        Assert.True(unit > 0);
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("space-available", b => b.String("missing"))).StatusCode);
    }

    [Fact]
    public async Task LimitsStateTheServerLimits()
    {
        var client = await ConnectAsync(3);
        Assert.Equal(new ulong[] { 262_144, 261_120, 261_120, 512 }, UInt64s(await client.ExtendedAsync("limits@openssh.com", null), 4));
        var limited = await ConnectAsync(3, new SftpPolicy { MaxOpenHandles = 7 });
        Assert.Equal(7ul, UInt64s(await limited.ExtendedAsync("limits@openssh.com", null), 4)[3]);
    }

    // ----- expand-path, home-directory, users-groups-by-id -----

    private SftpPolicy HomePolicy()
    {
        Directory.CreateDirectory(Harness.Host("home"));
        return new SftpPolicy { UserName = SftpHarness.UserName, HomeDirectory = VirtualPath.Resolve(VirtualPath.Root, "/home") };
    }

    [Fact]
    public async Task ExpandPath()
    {
        var client = await ConnectAsync(3, HomePolicy());
        Directory.CreateDirectory(Harness.Host("home/docs"));
        File.CreateSymbolicLink(Harness.Host("home/ln"), "docs");
        Task<Reply> Expand(string p) => client.ExtendedAsync("expand-path@openssh.com", b => b.String(p));
        Assert.Equal("/home", await client.SingleNameAsync(Expand("~")));
        Assert.Equal("/home", await client.SingleNameAsync(Expand("~/")));
        Assert.Equal("/home/x", await client.SingleNameAsync(Expand("~/x")));
        Assert.Equal("/home/docs", await client.SingleNameAsync(Expand("~/ln")));
        Assert.Equal("/home/docs", await client.SingleNameAsync(Expand("~alice/docs")));
        Assert.Equal("/abs", await client.SingleNameAsync(Expand("/abs")));
        Assert.Equal("/rel", await client.SingleNameAsync(Expand("rel")));
        Assert.Equal("/", await client.SingleNameAsync(Expand("~/../..")));
        Assert.Equal(Fx.NoSuchFile, (await Expand("~otheruser")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await Expand("~root/x")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await Expand("~/missing/x")).StatusCode);
    }

    [Fact]
    public async Task HomeDirectory()
    {
        var client = await ConnectAsync(6, HomePolicy());
        Assert.Equal("/home", await client.SingleNameAsync(client.ExtendedAsync("home-directory", b => b.String("alice"))));
        Assert.Equal("/home", await client.SingleNameAsync(client.ExtendedAsync("home-directory", b => b.String(""))));
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("home-directory", b => b.String("bob"))).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("home-directory", b => b.String("root"))).StatusCode);
    }

    [Fact]
    public async Task UsersGroupsById()
    {
        var client = await ConnectAsync(3);
        var uids = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(uids, 0);
        BinaryPrimitives.WriteUInt32BigEndian(uids.AsSpan(4), 3_999_999_999);
        var gids = new byte[4];
        var reply = await client.ExtendedAsync("users-groups-by-id@openssh.com", b => b.String(uids).String(gids));
        Assert.Equal(Fxp.ExtendedReply, reply.Type);
        var r = reply.Body();
        var users = new WireReader(r.String());
        var groups = new WireReader(r.String());
        Assert.True(r.AtEnd);
        Assert.Equal("root", users.Utf8());
        Assert.Equal("", users.Utf8());
        Assert.True(users.AtEnd);
        Assert.Equal("root", groups.Utf8());
        Assert.True(groups.AtEnd);

        var empty = await client.ExtendedAsync("users-groups-by-id@openssh.com", b => b.String([]).String([]));
        Assert.Equal(Fxp.ExtendedReply, empty.Type);
        Assert.Equal(Fx.BadMessage, (await client.ExtendedAsync("users-groups-by-id@openssh.com",
            b => b.String(new byte[5]).String([]))).StatusCode);
    }

    // ----- fsync, lsetstat -----

    [Fact]
    public async Task Fsync()
    {
        Directory.CreateDirectory(Harness.Host("d"));
        var client = await ConnectAsync(6);
        var handle = await client.OpenModifyAsync("f");
        Assert.Equal(Fx.Ok, await client.WriteAsync(handle, 0, [1, 2, 3]));
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("fsync@openssh.com", b => b.String(handle))).StatusCode);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Harness.Host("f")));
        var dir = (await client.RequestAsync(Fxp.Opendir, b => b.String("d"))).Handle;
        Assert.Equal(Fx.InvalidHandle, (await client.ExtendedAsync("fsync@openssh.com", b => b.String(dir))).StatusCode);
        Assert.Equal(Fx.InvalidHandle, (await client.ExtendedAsync("fsync@openssh.com", b => b.String(new byte[16]))).StatusCode);
    }

    [Fact]
    public async Task Lsetstat()
    {
        Harness.Put("f", "x");
        File.CreateSymbolicLink(Harness.Host("l"), "f");
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("lsetstat@openssh.com", b =>
        {
            b.String("f");
            ClientAttrs.Write(b, 3, permissions: 0x180, times: (1_000_000_000, 1_000_000_000));
        })).StatusCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Harness.Host("f")));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_000_000_000), File.GetLastWriteTimeUtc(Harness.Host("f")));

        // The link itself: its mode cannot change on Linux, and the target must not change instead.
        Assert.Equal(Fx.OpUnsupported, (await client.ExtendedAsync("lsetstat@openssh.com", b =>
        {
            b.String("l");
            ClientAttrs.Write(b, 3, permissions: 0x1FF);
        })).StatusCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Harness.Host("f")));
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("lsetstat@openssh.com", b =>
        {
            b.String("l");
            ClientAttrs.WriteEmpty(b, 3);
        })).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("lsetstat@openssh.com", b =>
        {
            b.String("missing");
            ClientAttrs.Write(b, 3, permissions: 0x180);
        })).StatusCode);
    }

    private static byte[] OpenSslSha224(byte[] data)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl", ["dgst", "-sha224", "-binary"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        process.StandardInput.BaseStream.Write(data);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.Equal(28, output.Length);
        return output.ToArray();
    }
}
