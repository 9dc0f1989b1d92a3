using MultiXfer.Sftp.Tests.Client;

namespace MultiXfer.Sftp.Tests;

/// <summary>INIT/VERSION negotiation, extension announcements, version-select and request filters.</summary>
public sealed class SessionVersionTests : SftpTestBase
{
    [Theory]
    [InlineData(3u, 3)]
    [InlineData(4u, 4)]
    [InlineData(5u, 5)]
    [InlineData(6u, 6)]
    [InlineData(7u, 6)]
    [InlineData(1000u, 6)]
    public async Task InitNegotiatesTheLowerOfClientAndServer(uint offered, int expected)
    {
        var client = await ConnectAsync(offered);
        Assert.Equal(expected, client.Version);
        await client.AssertAliveAsync();
    }

    [Theory]
    [InlineData(6u, 4)]
    [InlineData(5u, 4)]
    [InlineData(4u, 4)]
    [InlineData(3u, 3)]
    public async Task MaxVersionPolicyCapsTheVersion(uint offered, int expected)
    {
        var client = await ConnectAsync(offered, new SftpPolicy { UserName = SftpHarness.UserName, MaxVersion = 4 });
        Assert.Equal(expected, client.Version);
        var versions = client.Extensions().Single(e => e.Name == "versions");
        Assert.Equal("3,4", System.Text.Encoding.UTF8.GetString(versions.Data));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task Version6AnnouncesEveryEnabledExtension()
    {
        var client = await ConnectAsync(6);
        var ext = client.Extensions().ToDictionary(e => e.Name, e => e.Data);
        string Text(string name) => System.Text.Encoding.UTF8.GetString(ext[name]);
        foreach (string name in new[]
                 {
                     "posix-rename@openssh.com", "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
                     "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
                     "users-groups-by-id@openssh.com", "copy-file", "space-available",
                 })
        {
            Assert.Equal("1", Text(name));
        }

        Assert.Equal("2", Text("statvfs@openssh.com"));
        Assert.Equal("2", Text("fstatvfs@openssh.com"));
        Assert.Equal("md5,sha1,sha224,sha256,sha384,sha512", Text("check-file"));
        Assert.Equal("3,4,5,6", Text("versions"));
        Assert.Equal("\n", Text("newline"));
        Assert.Contains("vendor-id", ext.Keys);
        Assert.Contains("supported", ext.Keys);
        Assert.Contains("supported2", ext.Keys);
        Assert.Equal(19, ext.Count);

        var vendor = new WireReader(ext["vendor-id"]);
        Assert.Equal("MultiXfer", vendor.Utf8());
        Assert.Equal("MultiXfer", vendor.Utf8());
        Assert.NotEmpty(vendor.Utf8());
        vendor.UInt64();
        Assert.True(vendor.AtEnd);
    }

    [Fact]
    public async Task Version3AnnouncesNoVersion4PlusStructures()
    {
        var client = await ConnectAsync(3);
        var names = client.Extensions().Select(e => e.Name).ToList();
        Assert.DoesNotContain("newline", names);
        Assert.DoesNotContain("supported", names);
        Assert.DoesNotContain("supported2", names);
        Assert.Contains("posix-rename@openssh.com", names);
        Assert.Contains("versions", names);
    }

    [Fact]
    public async Task Supported2DescribesTheSession()
    {
        var client = await ConnectAsync(6);
        var r = new WireReader(client.Extensions().Single(e => e.Name == "supported2").Data);
        uint attributeMask = r.UInt32();
        uint expectedMask = ClientAttrs.Size | ClientAttrs.OwnerGroup | ClientAttrs.Permissions | ClientAttrs.AccessTime |
                            ClientAttrs.CreateTime | ClientAttrs.ModifyTime | ClientAttrs.Subsecond | ClientAttrs.Acl |
                            ClientAttrs.Bits | ClientAttrs.AllocationSize | ClientAttrs.ChangeTime | ClientAttrs.LinkCount |
                            ClientAttrs.TextHint | ClientAttrs.MimeType;
        Assert.Equal(expectedMask, attributeMask);
        Assert.Equal(0x4u | 0x8u, r.UInt32());
        uint openFlags = r.UInt32();
        Assert.Equal(7u, openFlags & 7u);
        Assert.NotEqual(0u, openFlags & OpenFlags6.BlockRead);
        r.UInt32(); // access mask
        Assert.Equal(261_120u, r.UInt32());
        Assert.Equal(0xFFFF, r.UInt16());
        Assert.Equal(0xFFFF, r.UInt16());
        Assert.Equal(0u, r.UInt32());
        uint count = r.UInt32();
        var names = Enumerable.Range(0, (int)count).Select(_ => r.Utf8()).ToList();
        Assert.True(r.AtEnd);
        Assert.Contains("check-file-handle", names);
        Assert.Contains("check-file-name", names);
        Assert.Contains("version-select", names);
        Assert.Contains("copy-file", names);
        Assert.Contains("space-available", names);
        Assert.DoesNotContain("vendor-id", names);
        Assert.DoesNotContain("supported2", names);
        Assert.DoesNotContain("newline", names);
        Assert.DoesNotContain("check-file", names);
        Assert.DoesNotContain("versions", names);
    }

    [Fact]
    public async Task OnlyEnabledExtensionsAreAnnouncedAndServed()
    {
        var policy = new SftpPolicy
        {
            Extensions = new HashSet<string>([SftpExtensions.Limits, SftpExtensions.Supported2], StringComparer.Ordinal),
        };
        var client = await ConnectAsync(6, policy);
        var ext = client.Extensions();
        Assert.Equal(["limits@openssh.com", "supported2"], ext.Select(e => e.Name));

        // supported2 lists the one enabled request.
        var r = new WireReader(ext[1].Data);
        for (int i = 0; i < 5; i++)
        {
            r.UInt32();
        }

        r.UInt16();
        r.UInt16();
        Assert.Equal(0u, r.UInt32());
        Assert.Equal(1u, r.UInt32());
        Assert.Equal("limits@openssh.com", r.Utf8());

        Assert.Equal(Fxp.ExtendedReply, (await client.ExtendedAsync("limits@openssh.com", null)).Type);
        Harness.Put("a", "a");
        foreach (var (name, args) in new (string, Action<PacketBuilder>)[]
                 {
                     ("posix-rename@openssh.com", b => b.String("a").String("b")),
                     ("statvfs@openssh.com", b => b.String("/")),
                     ("hardlink@openssh.com", b => b.String("a").String("c")),
                     ("copy-file", b => b.String("a").String("d").Bool(false)),
                     ("check-file-name", b => b.String("a").String("md5").UInt64(0).UInt64(0).UInt32(0)),
                     ("expand-path@openssh.com", b => b.String("~")),
                     ("home-directory", b => b.String("alice")),
                     ("space-available", b => b.String("/")),
                     ("version-select", b => b.String("3")),
                     ("no-such-extension@example.com", b => b.String("x")),
                 })
        {
            Assert.Equal(Fx.OpUnsupported, (await client.ExtendedAsync(name, args)).StatusCode);
        }

        // Nothing happened on disk.
        Assert.Equal(["a"], Directory.GetFileSystemEntries(Harness.UserRoot).Select(Path.GetFileName));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task NoExtensionsAtAll()
    {
        var client = await ConnectAsync(6, new SftpPolicy { UserName = SftpHarness.UserName, Extensions = new HashSet<string>() });
        Assert.Empty(client.Extensions());
        Assert.Equal(Fx.OpUnsupported, (await client.ExtendedAsync("limits@openssh.com", null)).StatusCode);
    }

    [Fact]
    public async Task VersionSelectAsFirstRequestSwitchesVersion()
    {
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("version-select", b => b.String("3"))).StatusCode);
        client.Version = 3;

        // Version 3 now: ATTRS in the version 3 layout, SYMLINK exists, LINK does not, codes are folded.
        var attrs = client.Attrs(await client.StatAsync("/"));
        Assert.Equal(0x0Fu, attrs.Flags);
        Harness.Put("target", "t");
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Symlink, b => b.String("target").String("link")));
        Assert.Equal("target", new FileInfo(Harness.Host("link")).LinkTarget);
        Assert.Equal(Fx.OpUnsupported, await client.StatusAsync(Fxp.Link, b => b.String("l2").String("target").Bool(true)));
        Assert.Equal(Fx.Failure, await client.StatusAsync(Fxp.Mkdir, b =>
        {
            b.String("target");
            ClientAttrs.WriteEmpty(b, 3);
        }));
    }

    [Fact]
    public async Task VersionSelectToVersion5()
    {
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("version-select", b => b.String("5"))).StatusCode);
        client.Version = 5;
        var attrs = client.Attrs(await client.StatAsync("/"));
        Assert.Equal((byte)2, attrs.FileType);
        Assert.Null(attrs.Links); // a version 6 field
        Assert.Equal(Fx.OpUnsupported, await client.StatusAsync(Fxp.Block, b => b.String(new byte[16]).UInt64(0).UInt64(0).UInt32(0x40)));
    }

    [Fact]
    public async Task VersionSelectAfterAnotherRequestEndsTheSession()
    {
        var client = await ConnectAsync(6);
        await client.AssertAliveAsync();
        await client.SendAsync(Fxp.Extended, b => b.String("version-select").String("3"));
        Assert.Empty(await client.DrainAsync());
        Assert.Equal(2, await client.WaitForEndAsync());
    }

    [Theory]
    [InlineData("7")]
    [InlineData("2")]
    [InlineData("")]
    [InlineData("six")]
    [InlineData("-3")]
    public async Task VersionSelectOfAnUnofferedVersionEndsTheSession(string version)
    {
        var client = await ConnectAsync(6);
        await client.SendAsync(Fxp.Extended, b => b.String("version-select").String(version));
        Assert.Empty(await client.DrainAsync());
        Assert.Equal(2, await client.WaitForEndAsync());
    }

    [Fact]
    public async Task VersionSelectAboveThePolicyMaximumEndsTheSession()
    {
        var client = await ConnectAsync(3, new SftpPolicy { UserName = SftpHarness.UserName, MaxVersion = 4 });
        await client.SendAsync(Fxp.Extended, b => b.String("version-select").String("5"));
        Assert.Empty(await client.DrainAsync());
        Assert.Equal(2, await client.WaitForEndAsync());
    }

    [Fact]
    public async Task DeniedRequestsArePermissionDenied()
    {
        Harness.Put("f", "content");
        var policy = new SftpPolicy
        {
            DeniedRequests = new HashSet<string>(["remove", "posix-rename"], StringComparer.Ordinal),
        };
        var client = await ConnectAsync(3, policy);
        Assert.Equal(Fx.PermissionDenied, await client.StatusAsync(Fxp.Remove, b => b.String("f")));
        Assert.Equal(Fx.PermissionDenied, (await client.ExtendedAsync("posix-rename@openssh.com", b => b.String("f").String("g"))).StatusCode);
        Assert.True(File.Exists(Harness.Host("f")));
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Rename, b => b.String("f").String("g")));
    }

    [Fact]
    public async Task AllowedRequestsRestrictToTheList()
    {
        Harness.Put("f", "content");
        var policy = new SftpPolicy
        {
            AllowedRequests = new HashSet<string>(["open", "close", "read", "stat", "lstat", "realpath"], StringComparer.Ordinal),
        };
        var client = await ConnectAsync(3, policy);
        var handle = await client.OpenReadAsync("f");
        Assert.Equal("content", System.Text.Encoding.UTF8.GetString(await client.ReadAllAsync(handle)));
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(Fx.PermissionDenied, await client.StatusAsync(Fxp.Mkdir, b =>
        {
            b.String("d");
            ClientAttrs.WriteEmpty(b, 3);
        }));
        Assert.Equal(Fx.PermissionDenied, (await client.ExtendedAsync("limits@openssh.com", null)).StatusCode);
        Assert.False(Directory.Exists(Harness.Host("d")));
    }
}
