using System.Text;
using MultiXfer.Sftp.Tests.Client;

namespace MultiXfer.Sftp.Tests;

/// <summary>
/// Paths and links that try to leave the user's root: '..', absolute host paths, backslashes, and symbolic links
/// planted on disk (by an operator, another protocol, or a previous session) that point outside. Nothing outside
/// the root may be read, and nothing outside may change.
/// </summary>
public sealed class ConfinementTests : SftpTestBase
{
    private string SecretPath => Path.Combine(Harness.Outside, "secret.txt");

    /// <summary>Links on disk inside the root, all aiming outside it.</summary>
    private void PlantLinks()
    {
        Harness.Put("f", "inside");
        File.CreateSymbolicLink(Harness.Host("escape-abs"), Harness.Outside);
        File.CreateSymbolicLink(Harness.Host("escape-rel"), "../../outside");
        File.CreateSymbolicLink(Harness.Host("etc-link"), "/etc");
        File.CreateSymbolicLink(Harness.Host("secret-link"), SecretPath);
        File.CreateSymbolicLink(Harness.Host("secret-rel"), "../../outside/secret.txt");
        File.CreateSymbolicLink(Harness.Host("dangling-out"), Path.Combine(Harness.Outside, "created.txt"));
        File.CreateSymbolicLink(Harness.Host("proc-link"), "/proc/self/root");
        File.CreateSymbolicLink(Harness.Host("root-fd"), "/proc/self/cwd");
    }

    /// <summary>Fails if any regular file inside the root holds the secret (a copy or a hard link of it).</summary>
    private void AssertNoSecretInsideRoot()
    {
        foreach (string file in SftpHarness.Walk(Harness.DataRoot))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is null && !Directory.Exists(file))
            {
                Assert.NotEqual(SftpHarness.SecretContent, File.ReadAllText(file));
            }
        }
    }

    private string PasswdFirstLine => File.ReadLines("/etc/passwd").First();

    public static TheoryData<string> EscapingFilePaths() =>
    [
        "../outside/secret.txt",
        "../../outside/secret.txt",
        "/../../outside/secret.txt",
        "..\\..\\outside\\secret.txt",
        "/../../etc/passwd",
        "/etc/passwd",
        "etc/passwd",
        "../../../../../../../../etc/passwd",
        "escape-abs/secret.txt",
        "escape-rel/secret.txt",
        "escape-abs/../outside/secret.txt",
        "etc-link/passwd",
        "secret-link",
        "secret-rel",
        "proc-link/etc/passwd",
        "root-fd/../outside/secret.txt",
        "HOST_SECRET_PATH",
        "HOST_PASSWD_VIA_ROOT",
    ];

    private string Expand(string path) => path switch
    {
        "HOST_SECRET_PATH" => SecretPath,
        "HOST_PASSWD_VIA_ROOT" => "/" + Path.GetRelativePath(Harness.UserRoot, "/etc/passwd"),
        _ => path,
    };

    [Theory]
    [MemberData(nameof(EscapingFilePaths))]
    public async Task FilesOutsideTheRootCannotBeRead(string path)
    {
        PlantLinks();
        path = Expand(path);
        foreach (uint version in new uint[] { 3, 6 })
        {
            var client = await ConnectAsync(version);
            var open = version >= 5
                ? await client.Open6Async(path, OpenFlags6.AceReadData, OpenFlags6.OpenExisting)
                : await client.OpenPflagsAsync(path, Pflags.Read);
            Assert.True(open.Type == Fxp.Status, $"v{version} OPEN {path} gave {open}");
            Assert.Equal(Fx.NoSuchFile, open.StatusCode);
            Assert.Equal(Fx.NoSuchFile, (await client.StatAsync(path)).StatusCode);
            // LSTAT may describe a planted link itself, never what it points to.
            var lstat = await client.StatAsync(path, Fxp.Lstat);
            if (lstat.Type == Fxp.Attrs)
            {
                Assert.Equal(0xA000u, client.Attrs(lstat).Mode!.Value & 0xF000);
            }
            else
            {
                Assert.Equal(Fx.NoSuchFile, lstat.StatusCode);
            }

            Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("check-file-name",
                b => b.String(path).String("md5").UInt64(0).UInt64(0).UInt32(0))).StatusCode);
            Assert.Equal(Fx.NoSuchFile, (await client.ExtendedAsync("copy-file", b => b.String(path).String("stolen").Bool(true))).StatusCode);
            Assert.False(File.Exists(Harness.Host("stolen")));
        }

        AssertNoSecretInsideRoot();
    }

    [Theory]
    [InlineData("escape-abs")]
    [InlineData("escape-rel")]
    [InlineData("etc-link")]
    [InlineData("proc-link")]
    [InlineData("../outside")]
    [InlineData("/../../outside")]
    public async Task DirectoriesOutsideTheRootCannotBeListed(string path)
    {
        PlantLinks();
        var client = await ConnectAsync(6);
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Opendir, b => b.String(path)));
    }

    [Fact]
    public async Task DotDotAtTheRootListsTheRoot()
    {
        PlantLinks();
        var client = await ConnectAsync(3);
        var root = (await client.ListAsync("/")).SelectMany(b => b.Entries).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
        var above = (await client.ListAsync("/../..")).SelectMany(b => b.Entries).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(root, above);
        Assert.Contains("secret-link", root);
        Assert.DoesNotContain("outside", root);
        Assert.DoesNotContain("alice", root);
    }

    [Fact]
    public async Task RealpathNeverRevealsHostPaths()
    {
        PlantLinks();
        var client = await ConnectAsync(3);
        foreach (string path in new[] { "escape-abs", "escape-rel", "etc-link", "secret-link", "secret-rel", "proc-link", "root-fd", "/../..", "." })
        {
            string resolved = await client.SingleNameAsync(client.RealpathAsync(path));
            Assert.StartsWith("/", resolved, StringComparison.Ordinal);
            Assert.DoesNotContain(Harness.TempRoot, resolved, StringComparison.Ordinal);
            Assert.DoesNotContain("outside", resolved, StringComparison.Ordinal);
        }

        Assert.Equal("/", await client.SingleNameAsync(client.RealpathAsync("/../..")));
    }

    [Fact]
    public async Task SymlinksAreCreatedInsideTheRootAndResolvedThere()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var v3 = await ConnectAsync(3);
        // OpenSSH order: target first. The link is made as asked, but it points into the user's root.
        Assert.Equal(Fx.Ok, await v3.StatusAsync(Fxp.Symlink, b => b.String("/etc/passwd").String("evil")));
        Assert.Equal("/etc/passwd", new FileInfo(Harness.Host("evil")).LinkTarget);
        Assert.Equal(Fx.NoSuchFile, (await v3.OpenPflagsAsync("evil", Pflags.Read)).StatusCode);
        Assert.Equal(Fx.Ok, await v3.StatusAsync(Fxp.Symlink, b => b.String(SecretPath).String("evil2")));
        Assert.Equal(Fx.NoSuchFile, (await v3.OpenPflagsAsync("evil2", Pflags.Read)).StatusCode);
        Assert.Equal(Fx.Ok, await v3.StatusAsync(Fxp.Symlink, b => b.String("../../../outside/secret.txt").String("evil3")));
        Assert.Equal(Fx.NoSuchFile, (await v3.OpenPflagsAsync("evil3", Pflags.Read)).StatusCode);

        // Link names outside the root are not reachable at all.
        Assert.Equal(Fx.NoSuchFile, await v3.StatusAsync(Fxp.Symlink, b => b.String("x").String("../outside/newlink")));
        Assert.Equal(Fx.NoSuchFile, await v3.StatusAsync(Fxp.Symlink, b => b.String("x").String("escape-abs/newlink")));
        Assert.Equal(Fx.NoSuchFile, await v3.StatusAsync(Fxp.Symlink, b => b.String("x").String("escape-rel/newlink")));
        Assert.Equal(Fx.NoSuchFile, await v3.StatusAsync(Fxp.Symlink, b => b.String("x").String(Path.Combine(Harness.Outside, "newlink"))));

        var v6 = await ConnectAsync(6);
        Assert.Equal(Fx.Ok, await v6.StatusAsync(Fxp.Link, b => b.String("evil6").String("/etc").Bool(true)));
        Assert.Equal(Fx.NoSuchFile, await v6.StatusAsync(Fxp.Opendir, b => b.String("evil6")));
        Assert.Equal(Fx.NoSuchFile, await v6.StatusAsync(Fxp.Link, b => b.String("escape-abs/l6").String("x").Bool(true)));

        Assert.Equal(before, Harness.SnapshotOutside());
        AssertNoSecretInsideRoot();
    }

    [Fact]
    public async Task HardLinksCannotReachOutside()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var v6 = await ConnectAsync(6);
        foreach (string existing in new[] { "../outside/secret.txt", "escape-abs/secret.txt", "escape-rel/secret.txt", "/etc/passwd", "etc-link/passwd", SecretPath })
        {
            Assert.Equal(Fx.NoSuchFile, await v6.StatusAsync(Fxp.Link, b => b.String("hl").String(existing).Bool(false)));
            Assert.False(File.Exists(Harness.Host("hl")));
        }

        // A hard link to a planted symlink links the symlink itself, which still resolves inside the root.
        uint viaLink = await v6.StatusAsync(Fxp.Link, b => b.String("hl-link").String("secret-link").Bool(false));
        if (viaLink == Fx.Ok)
        {
            Assert.Equal(SecretPath, new FileInfo(Harness.Host("hl-link")).LinkTarget);
            Assert.Equal(Fx.NoSuchFile, (await v6.Open6Async("hl-link", OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).StatusCode);
        }

        var v3 = await ConnectAsync(3);
        foreach (string existing in new[] { "../outside/secret.txt", "escape-rel/secret.txt", "/etc/passwd", "proc-link/etc/passwd" })
        {
            Assert.Equal(Fx.NoSuchFile, (await v3.ExtendedAsync("hardlink@openssh.com", b => b.String(existing).String("hl2"))).StatusCode);
        }

        Assert.Equal(Fx.NoSuchFile, (await v3.ExtendedAsync("hardlink@openssh.com", b => b.String("f").String("escape-abs/planted"))).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await v3.ExtendedAsync("hardlink@openssh.com", b => b.String("f").String("../outside/planted"))).StatusCode);

        Assert.Equal(before, Harness.SnapshotOutside());
        AssertNoSecretInsideRoot();
    }

    [Fact]
    public async Task RenamesCannotMoveAcrossTheRoot()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var client = await ConnectAsync(3);
        Task<Reply> PosixRename(string from, string to) => client.ExtendedAsync("posix-rename@openssh.com", b => b.String(from).String(to));

        Assert.Equal(Fx.NoSuchFile, (await PosixRename("escape-abs/secret.txt", "stolen")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await PosixRename("../../outside/secret.txt", "stolen")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await PosixRename("f", "escape-abs/moved")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await PosixRename("f", "../outside/moved")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await PosixRename("f", "escape-rel/secret.txt")).StatusCode);
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Rename, b => b.String("f").String("etc-link/passwd")));
        Assert.Equal("inside", File.ReadAllText(Harness.Host("f")));

        // Renaming a planted link moves the link, inside the root, and nothing it points to.
        Assert.Equal(Fx.Ok, (await PosixRename("secret-link", "renamed-link")).StatusCode);
        Assert.Equal(SecretPath, new FileInfo(Harness.Host("renamed-link")).LinkTarget);

        Assert.Equal(before, Harness.SnapshotOutside());
        Assert.False(File.Exists(Harness.Host("stolen")));
    }

    [Fact]
    public async Task CopiesCannotReadOrWriteOutside()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var client = await ConnectAsync(6);
        Task<Reply> CopyFile(string from, string to, bool overwrite) =>
            client.ExtendedAsync("copy-file", b => b.String(from).String(to).Bool(overwrite));

        Assert.Equal(Fx.NoSuchFile, (await CopyFile("secret-link", "c1", false)).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await CopyFile("escape-abs/secret.txt", "c2", false)).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await CopyFile("f", "escape-abs/copied", false)).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await CopyFile("f", "escape-rel/copied", true)).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await CopyFile("f", "../outside/copied", true)).StatusCode);
        // A dangling link aiming outside: refused, or replaced inside the root; never followed out.
        uint noOverwrite = (await CopyFile("f", "dangling-out", false)).StatusCode;
        Assert.NotEqual(Fx.Ok, noOverwrite);
        uint overwrite = (await CopyFile("f", "dangling-out", true)).StatusCode;
        if (overwrite == Fx.Ok)
        {
            Assert.Null(new FileInfo(Harness.Host("dangling-out")).LinkTarget);
            Assert.Equal("inside", File.ReadAllText(Harness.Host("dangling-out")));
        }

        Assert.False(File.Exists(Path.Combine(Harness.Outside, "created.txt")));
        Assert.Equal(before, Harness.SnapshotOutside());
        AssertNoSecretInsideRoot();
    }

    [Fact]
    public async Task CopyDataHasNoHandleOutsideToWorkOn()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var client = await ConnectAsync(6);
        // No handle can be had on anything outside: neither to read from nor to write to.
        foreach (string path in new[] { "secret-link", "secret-rel", "escape-abs/secret.txt" })
        {
            Assert.Equal(Fx.NoSuchFile, (await client.Open6Async(path, OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).StatusCode);
            Assert.Equal(Fx.NoSuchFile, (await client.Open6Async(path, OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate)).StatusCode);
        }

        Assert.Equal(Fx.NoSuchFile, (await client.Open6Async("dangling-out", OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate)).StatusCode);
        Assert.Equal(Fx.NoSuchFile, (await client.Open6Async("escape-abs/new", OpenFlags6.AceWriteData, OpenFlags6.CreateTruncate)).StatusCode);

        // copy-data between the handles that can be had stays inside.
        var source = await client.OpenReadAsync("f");
        var target = await client.OpenUploadAsync("copy");
        Assert.Equal(Fx.Ok, (await client.ExtendedAsync("copy-data", b => b.String(source).UInt64(0).UInt64(6).String(target).UInt64(0))).StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(target));
        Assert.Equal("inside", File.ReadAllText(Harness.Host("copy")));

        Assert.Equal(before, Harness.SnapshotOutside());
    }

    [Fact]
    public async Task UploadsThroughADanglingLinkStayInside()
    {
        PlantLinks();
        var before = Harness.SnapshotOutside();
        var client = await ConnectAsync(3);
        Assert.Equal(Fx.NoSuchFile, (await client.OpenPflagsAsync("dangling-out", Pflags.Write | Pflags.Creat)).StatusCode);
        // O_EXCL never follows the final link: the link's own name exists.
        Assert.Equal(Fx.Failure, (await client.OpenPflagsAsync("dangling-out", Pflags.Write | Pflags.Creat | Pflags.Excl)).StatusCode);
        var upload = await client.OpenPflagsAsync("dangling-out", Pflags.Write | Pflags.Creat | Pflags.Trunc);
        if (upload.Type == Fxp.Handle)
        {
            Assert.Equal(Fx.Ok, await client.WriteAsync(upload.Handle, 0, Encoding.UTF8.GetBytes("written")));
            await client.CloseAsync(upload.Handle);
        }

        Assert.False(File.Exists(Path.Combine(Harness.Outside, "created.txt")));
        Assert.Equal(before, Harness.SnapshotOutside());
    }

    [Fact]
    public async Task MetadataChangesDoNotFollowLinksOut()
    {
        PlantLinks();
        var mode = File.GetUnixFileMode(SecretPath);
        var mtime = File.GetLastWriteTimeUtc(SecretPath);
        var before = Harness.SnapshotOutside();
        var client = await ConnectAsync(3);
        foreach (string path in new[] { "secret-link", "secret-rel", "escape-abs/secret.txt", "etc-link/passwd" })
        {
            Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Setstat, b =>
            {
                b.String(path);
                ClientAttrs.Write(b, 3, size: 0, permissions: 0x1FF, times: (1, 1));
            }));
        }

        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Mkdir, b =>
        {
            b.String("escape-abs/newdir");
            ClientAttrs.WriteEmpty(b, 3);
        }));
        Assert.Equal(Fx.NoSuchFile, await client.StatusAsync(Fxp.Remove, b => b.String("escape-abs/secret.txt")));
        Assert.NotEqual(Fx.Ok, await client.StatusAsync(Fxp.Rmdir, b => b.String("escape-abs")));
        // Removing a planted link removes the link only.
        Assert.Equal(Fx.Ok, await client.StatusAsync(Fxp.Remove, b => b.String("secret-link")));

        Assert.Equal(mode, File.GetUnixFileMode(SecretPath));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(SecretPath));
        Assert.Equal(SftpHarness.SecretContent, File.ReadAllText(SecretPath));
        Assert.Equal(before, Harness.SnapshotOutside());
        Assert.True(File.Exists("/etc/passwd"));
        Assert.NotEmpty(PasswdFirstLine);
    }
}
