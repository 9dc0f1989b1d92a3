using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// curl's sftp:// (libssh2, SFTP version 3) with key login and the host key pinned by its SHA-256 fingerprint:
/// download, upload, resume both ways, and -Q quote commands.
/// </summary>
public sealed class CurlSftpTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    private string Url(string path) => $"sftp://127.0.0.1:{Server.SshPort}/~/{path}";

    private async Task<ProcessResult> CurlAsync(string work, params string[] arguments)
    {
        var version = await ProcessRunner.RunAsync("curl", ["-V"]);
        Assert.Matches(@"(?m)^Protocols:.* sftp( |$)", version.Output);
        string fingerprint = (await SshTestSupport.FingerprintAsync(SshTestKeys.HostPublicKey("ssh_host_ed25519_key")))["SHA256:".Length..];
        return await ProcessRunner.RunAsync("curl",
            ["-sS", "--max-time", "60", "-u", "alice:", "--key", SftpTestSupport.Key, "--pubkey", SftpTestSupport.Key + ".pub",
             "--hostpubsha256", fingerprint, .. arguments], TimeSpan.FromSeconds(90), work);
    }

    [ClientFact("curl")]
    public async Task Upload_and_download_are_byte_exact()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("curl");
        byte[] data = SshTestSupport.RandomBytes(2_500_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), data);

        var up = await CurlAsync(work, "--ftp-create-dirs", "-T", "up.bin", Url($"{dir}/made/here/up.bin"));
        Assert.True(up.ExitCode == 0, up.ToString());
        SftpTestSupport.AssertFileBytes(data, Path.Combine(Home, dir, "made", "here", "up.bin"));

        var down = await CurlAsync(work, "-o", "down.bin", Url($"{dir}/made/here/up.bin"));
        Assert.True(down.ExitCode == 0, down.ToString());
        SftpTestSupport.AssertFileBytes(data, Path.Combine(work, "down.bin"));

        var range = await CurlAsync(work, "-r", "1000-1999", "-o", "range.bin", Url($"{dir}/made/here/up.bin"));
        Assert.True(range.ExitCode == 0, range.ToString());
        SftpTestSupport.AssertFileBytes(data[1000..2000], Path.Combine(work, "range.bin"));

        var listing = await CurlAsync(work, Url($"{dir}/made/here/"));
        Assert.True(listing.ExitCode == 0, listing.ToString());
        Assert.Matches(@"(?m)^-rw\S+\s+1\s+\S+\s+\S+\s+2500000 .* up\.bin$", listing.Output);

        var missing = await CurlAsync(work, "-o", "missing.bin", Url($"{dir}/missing.bin"));
        Assert.Equal(78, missing.ExitCode); // CURLE_REMOTE_FILE_NOT_FOUND
        Assert.Empty(SftpTestSupport.UploadTemporaries(Path.Combine(Home, dir)));
    }

    /// <summary>-C - continues after the partial copy's length in both directions (the partial copies hold zeros).</summary>
    [ClientFact("curl")]
    public async Task Resume_continues_partial_transfers()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("curl-resume");
        Directory.CreateDirectory(Path.Combine(Home, dir));
        byte[] remote = SshTestSupport.RandomBytes(1_500_000);
        byte[] local = SshTestSupport.RandomBytes(1_200_000);
        await File.WriteAllBytesAsync(Path.Combine(Home, dir, "down.bin"), remote);
        await File.WriteAllBytesAsync(Path.Combine(work, "down.bin"), new byte[777]);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), local);
        await File.WriteAllBytesAsync(Path.Combine(Home, dir, "up.bin"), new byte[400_000]);

        var down = await CurlAsync(work, "-C", "-", "-o", "down.bin", Url($"{dir}/down.bin"));
        Assert.True(down.ExitCode == 0, down.ToString());
        SftpTestSupport.AssertFileBytes([.. new byte[777], .. remote.AsSpan(777)], Path.Combine(work, "down.bin"));

        var up = await CurlAsync(work, "-C", "-", "-T", "up.bin", Url($"{dir}/up.bin"));
        Assert.True(up.ExitCode == 0, up.ToString());
        SftpTestSupport.AssertFileBytes([.. new byte[400_000], .. local.AsSpan(400_000)], Path.Combine(Home, dir, "up.bin"));
    }

    /// <summary>Quote commands run before the transfer; a failing one stops curl with exit 21 and says why.</summary>
    [ClientFact("curl")]
    public async Task Quote_commands_rename_mkdir_rm_chmod_and_symlink()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("curl-quote");
        string root = Path.Combine(Home, dir);
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "renamed content");
        await File.WriteAllTextAsync(Path.Combine(root, "gone.txt"), "to be removed");

        var result = await CurlAsync(work, "-Q", $"mkdir {dir}/d", "-Q", $"rename {dir}/a.txt {dir}/d/b.txt", "-Q", $"chmod 600 {dir}/d/b.txt",
            "-Q", $"rm {dir}/gone.txt", "-Q", $"rmdir {dir}/empty", "-Q", $"symlink d/b.txt {dir}/link", "-o", "listing.txt", Url($"{dir}/"));
        Assert.True(result.ExitCode == 0, result.ToString());

        Assert.Equal("renamed content", await File.ReadAllTextAsync(Path.Combine(root, "d", "b.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, "d", "b.txt")));
        Assert.False(File.Exists(Path.Combine(root, "a.txt")));
        Assert.False(File.Exists(Path.Combine(root, "gone.txt")));
        Assert.False(Directory.Exists(Path.Combine(root, "empty")));
        Assert.Equal("d/b.txt", new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("renamed content", await File.ReadAllTextAsync(Path.Combine(root, "link")));
        string listing = await File.ReadAllTextAsync(Path.Combine(work, "listing.txt"));
        Assert.Matches(@"(?m)^d\S+\s.* d$", listing);
        Assert.Matches(@"(?m)^l\S+\s.* link -> d/b\.txt$", listing);

        var failing = await CurlAsync(work, "-Q", $"rm {dir}/nothere", "-Q", $"mkdir {dir}/never", "-o", "unused.txt", Url($"{dir}/"));
        Assert.Equal(21, failing.ExitCode); // CURLE_QUOTE_ERROR
        Assert.Contains("rm command failed: No such file or directory", failing.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "never")));
    }
}
