using System.Text;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// SSH.NET 2026.0.1 as a user would write against it: every login method, every SftpClient operation (files sync
/// and async, listings, attributes, POSIX rename, symlinks, statvfs, seekable streams), ScpClient with files and
/// directories both ways, and SshClient's exec answered with a clean refusal. Results are checked on the server's disk.
/// </summary>
public sealed class SshNetClientTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    public static TheoryData<string> LoginMethods => ["password", "publickey", "keyboard-interactive"];

    [Theory]
    [MemberData(nameof(LoginMethods))]
    public void Logs_in_by_each_method(string method)
    {
        AuthenticationMethod authentication = method switch
        {
            "password" => new PasswordAuthenticationMethod("alice", TestServer.Passwords["alice"]),
            "publickey" => new PrivateKeyAuthenticationMethod("alice", new PrivateKeyFile(SftpTestSupport.Key)),
            _ => KeyboardInteractive(),
        };
        using var client = Connect(i => new SftpClient(i), new ConnectionInfo("127.0.0.1", Server.SshPort, "alice", authentication));
        Assert.True(client.IsConnected);
        Assert.Equal("/", client.WorkingDirectory);
    }

    [Fact]
    public void A_wrong_password_is_refused()
    {
        var info = new ConnectionInfo("127.0.0.1", Server.SshPort, "alice", new PasswordAuthenticationMethod("alice", "wrong"));
        using var client = new SftpClient(info).TrustingTheTestServer();
        Assert.Throws<Renci.SshNet.Common.SshAuthenticationException>(client.Connect);
    }

    [Fact]
    public async Task Files_go_both_ways_sync_and_async()
    {
        using var client = Connect(i => new SftpClient(i));
        string dir = SftpTestSupport.UniqueName("/sshnet-files");
        await client.CreateDirectoryAsync(dir, CancellationToken.None);
        byte[] content = SshTestSupport.RandomBytes(3 * 1024 * 1024 + 17);

        client.UploadFile(new MemoryStream(content), dir + "/sync.bin");
        await client.UploadFileAsync(new MemoryStream(content), dir + "/async.bin", CancellationToken.None);
        SftpTestSupport.AssertFileBytes(content, Path.Combine(Home, dir[1..], "sync.bin"));
        SftpTestSupport.AssertFileBytes(content, Path.Combine(Home, dir[1..], "async.bin"));

        var syncCopy = new MemoryStream();
        client.DownloadFile(dir + "/async.bin", syncCopy);
        var asyncCopy = new MemoryStream();
        await client.DownloadFileAsync(dir + "/sync.bin", asyncCopy, CancellationToken.None);
        Assert.Equal(content, syncCopy.ToArray());
        Assert.Equal(content, asyncCopy.ToArray());

        client.WriteAllText(dir + "/lines.txt", "one\ntwo\n");
        client.AppendAllText(dir + "/lines.txt", "three\n");
        Assert.Equal(["one", "two", "three"], client.ReadAllLines(dir + "/lines.txt"));
        Assert.True(await client.ExistsAsync(dir + "/lines.txt", CancellationToken.None));
        Assert.False(client.Exists(dir + "/missing"));
        Assert.Throws<Renci.SshNet.Common.SftpPathNotFoundException>(() => client.ReadAllBytes(dir + "/missing"));
    }

    [Fact]
    public async Task Listings_attributes_renames_links_and_deletes()
    {
        using var client = Connect(i => new SftpClient(i));
        string dir = SftpTestSupport.UniqueName("/sshnet-tree");
        client.CreateDirectory(dir);
        client.CreateDirectory(dir + "/sub");
        client.WriteAllBytes(dir + "/a.txt", "alpha"u8.ToArray());

        var names = client.ListDirectory(dir).Select(f => f.Name).Where(n => n is not "." and not "..").Order().ToList();
        var asyncNames = new List<string>();
        await foreach (var entry in client.ListDirectoryAsync(dir, CancellationToken.None))
        {
            asyncNames.Add(entry.Name);
        }

        Assert.Equal(["a.txt", "sub"], names);
        Assert.Equal(["a.txt", "sub"], asyncNames.Where(n => n is not "." and not "..").Order());

        var attributes = client.GetAttributes(dir + "/a.txt");
        Assert.Equal(5, attributes.Size);
        Assert.True(attributes.IsRegularFile);
        Assert.True((await client.GetAttributesAsync(dir + "/sub", CancellationToken.None)).IsDirectory);

        var stamp = new DateTime(2020, 2, 29, 12, 34, 56, DateTimeKind.Utc);
        client.SetLastWriteTimeUtc(dir + "/a.txt", stamp);
        client.ChangePermissions(dir + "/a.txt", 640); // SSH.NET reads the decimal digits as octal ones
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(Home, dir[1..], "a.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(Home, dir[1..], "a.txt")));

        // POSIX rename (posix-rename@openssh.com) replaces an existing target; the plain one refuses to.
        client.WriteAllBytes(dir + "/b.txt", "beta"u8.ToArray());
        Assert.ThrowsAny<Renci.SshNet.Common.SshException>(() => client.RenameFile(dir + "/b.txt", dir + "/a.txt"));
        client.RenameFile(dir + "/b.txt", dir + "/a.txt", isPosix: true);
        Assert.Equal("beta", File.ReadAllText(Path.Combine(Home, dir[1..], "a.txt")));
        await client.RenameFileAsync(dir + "/a.txt", dir + "/sub/c.txt", CancellationToken.None);

        client.SymbolicLink(dir + "/sub/c.txt", dir + "/link");
        // Get resolves the path (REALPATH) first, as with OpenSSH's server; the listing shows the link itself.
        Assert.True(client.ListDirectory(dir).Single(f => f.Name == "link").IsSymbolicLink);
        Assert.NotNull(new FileInfo(Path.Combine(Home, dir[1..], "link")).LinkTarget);
        Assert.Equal("beta", client.ReadAllText(dir + "/link"));

        // SSH.NET sends every path through REALPATH first, which resolves links as OpenSSH's server does: deleting the
        // link removes its target; the link, dangling then, no longer resolves, and the next delete removes it.
        await client.DeleteFileAsync(dir + "/link", CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(Home, dir[1..], "sub", "c.txt")));
        Assert.NotNull(new FileInfo(Path.Combine(Home, dir[1..], "link")).LinkTarget);
        client.DeleteFile(dir + "/link");
        client.Delete(dir + "/sub");
        await client.DeleteDirectoryAsync(dir, CancellationToken.None);
        Assert.False(Directory.Exists(Path.Combine(Home, dir[1..])));
    }

    [Fact]
    public async Task Statvfs_reports_the_servers_file_system()
    {
        using var client = Connect(i => new SftpClient(i));
        var status = await client.GetStatusAsync("/", CancellationToken.None);
        var drive = new DriveInfo(Home);
        Assert.True(status.BlockSize > 0);
        Assert.Equal(drive.TotalSize, (long)(status.TotalBlocks * status.FileSystemBlockSize));
    }

    [Fact]
    public async Task Streams_seek_read_and_write_in_place()
    {
        using var client = Connect(i => new SftpClient(i));
        string path = SftpTestSupport.UniqueName("/sshnet-stream") + ".bin";
        using (var stream = client.Create(path))
        {
            stream.Write(Encoding.ASCII.GetBytes("0123456789"));
            stream.Seek(3, SeekOrigin.Begin);
            stream.Write("abc"u8);
            stream.Seek(-1, SeekOrigin.End);
            stream.Write("Z"u8);
        }

        Assert.Equal("012abc678Z", await ReadWhenCommittedAsync(Path.Combine(Home, path[1..])));

        await using var read = await client.OpenAsync(path, FileMode.Open, FileAccess.Read, CancellationToken.None);
        read.Seek(6, SeekOrigin.Begin);
        var tail = new byte[4];
        Assert.Equal(4, await read.ReadAsync(tail));
        Assert.Equal("678Z", Encoding.ASCII.GetString(tail));
        Assert.Equal(10, read.Length);
    }

    [Fact]
    public void Scp_moves_files_and_directories_both_ways()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string tree = Path.Combine(work, "tree");
        SftpTestSupport.MakeTree(tree);
        byte[] content = SshTestSupport.RandomBytes(700_001);
        File.WriteAllBytes(Path.Combine(work, "one.bin"), content);
        string remote = SftpTestSupport.UniqueName("sshnet-scp");
        Directory.CreateDirectory(Path.Combine(Home, remote));

        using var client = Connect(i => new ScpClient(i, RemotePathTransformation.ShellQuote));
        client.Upload(new FileInfo(Path.Combine(work, "one.bin")), $"/{remote}/one.bin");
        // SSH.NET sends a directory's contents with "scp -r -d -t TARGET": like OpenSSH's scp, the target must exist.
        Assert.Contains("Not a directory", Assert.Throws<Renci.SshNet.Common.ScpException>(() =>
            client.Upload(new DirectoryInfo(tree), $"/{remote}/tree")).Message);
        Directory.CreateDirectory(Path.Combine(Home, remote, "tree"));
        client.Upload(new DirectoryInfo(tree), $"/{remote}/tree");
        SftpTestSupport.AssertFileBytes(content, Path.Combine(Home, remote, "one.bin"));
        SftpTestSupport.AssertSameTree(tree, Path.Combine(Home, remote, "tree"));

        var back = new FileInfo(Path.Combine(work, "back.bin"));
        client.Download($"/{remote}/one.bin", back);
        var backTree = Directory.CreateDirectory(Path.Combine(work, "back-tree"));
        client.Download($"/{remote}/tree", backTree);
        SftpTestSupport.AssertFileBytes(content, back.FullName);
        SftpTestSupport.AssertSameTree(tree, backTree.FullName);
    }

    [Fact]
    public void Exec_is_refused_cleanly_and_the_connection_stays_usable()
    {
        using var client = Connect(i => new SshClient(i));
        using var first = client.RunCommand("ls -l /");
        Assert.Equal(127, first.ExitStatus);
        using var second = client.RunCommand("id");
        Assert.Equal(127, second.ExitStatus);
        Assert.True(client.IsConnected);
    }

    /// <summary>
    /// The file's content once the server has committed it: the disk is read until the commit shows, rather than
    /// relying on when SSH.NET's stream Dispose returns relative to the server's CLOSE.
    /// </summary>
    private static async Task<string> ReadWhenCommittedAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private KeyboardInteractiveAuthenticationMethod KeyboardInteractive()
    {
        var method = new KeyboardInteractiveAuthenticationMethod("alice");
        method.AuthenticationPrompt += (_, e) =>
        {
            foreach (var prompt in e.Prompts)
            {
                prompt.Response = TestServer.Passwords["alice"];
            }
        };
        return method;
    }

    private T Connect<T>(Func<ConnectionInfo, T> create, ConnectionInfo? info = null)
        where T : BaseClient
    {
        info ??= new ConnectionInfo("127.0.0.1", Server.SshPort, "alice", new PasswordAuthenticationMethod("alice", TestServer.Passwords["alice"]));
        var client = create(info).TrustingTheTestServer();
        client.Connect();
        return client;
    }
}
