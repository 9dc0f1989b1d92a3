using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// rclone's sftp backend (github.com/pkg/sftp), configured on the fly with alice's key and the host key pinned:
/// copy, sync, listings, check. The server runs no commands, so rclone's remote md5sum/sha1sum are unavailable:
/// hashes are then computed by downloading.
/// </summary>
public sealed class RcloneSftpTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private static readonly DateTime FixedTime = new(2021, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    private string Remote(string path) =>
        $":sftp,host=127.0.0.1,port={Server.SshPort},user=alice,key_file={SftpTestSupport.Key}," +
        $"known_hosts_file={fixture.Client.KnownHostsFile}:{path}";

    private static Task<ProcessResult> RcloneAsync(string work, params string[] arguments) =>
        ProcessRunner.RunAsync("rclone", [.. arguments, "--config", "/dev/null", "--retries", "1", "--low-level-retries", "1", "--contimeout", "20s"],
            TimeSpan.FromSeconds(90), work);

    private static void AssertOk(ProcessResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [ClientFact("rclone")]
    public async Task Copy_sync_ls_and_lsl_work()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("rclone");
        string source = Path.Combine(work, "source");
        SftpTestSupport.MakeTree(source);
        File.SetLastWriteTimeUtc(Path.Combine(source, "binary.bin"), FixedTime);

        AssertOk(await RcloneAsync(work, "copy", "source", Remote(dir)));
        // rclone copies files, not empty directories
        SftpTestSupport.AssertSameTree(source, Path.Combine(Home, dir), filesOnly: true);
        Assert.Equal(FixedTime, File.GetLastWriteTimeUtc(Path.Combine(Home, dir, "binary.bin")));

        var ls = await RcloneAsync(work, "ls", Remote(dir));
        AssertOk(ls);
        Assert.Matches(@"(?m)^\s*700000 binary\.bin$", ls.Output);
        Assert.Matches(@"(?m)^\s*5 sub/text\.txt$", ls.Output);
        Assert.Matches(@"(?m)^\s*0 sub/deeper/empty$", ls.Output);
        Assert.Matches(@"(?m)^\s*5 with space/ünïcødé name\.txt$", ls.Output);
        Assert.Equal(34, ls.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var lsl = await RcloneAsync(work, "lsl", Remote(dir));
        AssertOk(lsl);
        Assert.Matches(@"(?m)^\s*700000 2021-05-06 07:08:09\.0+ binary\.bin$", lsl.Output);

        // sync: a changed file is replaced, a deleted one deleted, a new one added
        File.Delete(Path.Combine(source, "sub", "text.txt"));
        await File.WriteAllBytesAsync(Path.Combine(source, "binary.bin"), SshTestSupport.RandomBytes(123_456));
        await File.WriteAllTextAsync(Path.Combine(source, "new.txt"), "new");
        AssertOk(await RcloneAsync(work, "sync", "source", Remote(dir)));
        SftpTestSupport.AssertSameTree(source, Path.Combine(Home, dir), filesOnly: true);
        Assert.False(File.Exists(Path.Combine(Home, dir, "sub", "text.txt")));

        // and back down
        AssertOk(await RcloneAsync(work, "copy", Remote(dir), "back"));
        SftpTestSupport.AssertSameTree(source, Path.Combine(work, "back"), filesOnly: true);
        Assert.Empty(SftpTestSupport.UploadTemporaries(Path.Combine(Home, dir)));
    }

    /// <summary>
    /// Without a shell rclone has no remote hashes: md5sum says so (and the server logs the refused command);
    /// with --download the hashes are right; check compares sizes, check --download contents.
    /// </summary>
    [ClientFact("rclone")]
    public async Task Hashes_need_download_and_check_download_finds_a_changed_file()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("rclone-hash");
        string source = Path.Combine(work, "source");
        Directory.CreateDirectory(source);
        byte[] one = SshTestSupport.RandomBytes(200_000), two = SshTestSupport.RandomBytes(50_000);
        await File.WriteAllBytesAsync(Path.Combine(source, "one.bin"), one);
        await File.WriteAllBytesAsync(Path.Combine(source, "two.bin"), two);
        AssertOk(await RcloneAsync(work, "copy", "source", Remote(dir)));

        var md5 = await RcloneAsync(work, "md5sum", Remote(dir));
        Assert.NotEqual(0, md5.ExitCode);
        Assert.Contains("hash unsupported", md5.Error, StringComparison.Ordinal);
        Assert.Contains("no shell or command execution", Server.ReadLog(), StringComparison.Ordinal);

        var downloaded = await RcloneAsync(work, "md5sum", "--download", Remote(dir));
        AssertOk(downloaded);
        Assert.Matches($@"(?m)^{SftpTestSupport.Md5Hex(one)}  one\.bin$", downloaded.Output);
        Assert.Matches($@"(?m)^{SftpTestSupport.Md5Hex(two)}  two\.bin$", downloaded.Output);
        var sha1 = await RcloneAsync(work, "hashsum", "SHA1", "--download", Remote(dir));
        AssertOk(sha1);
#pragma warning disable CA5350 // SHA-1 is what rclone prints, not a security measure here
        Assert.Matches($@"(?m)^{Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(one))}  one\.bin$", sha1.Output);
#pragma warning restore CA5350

        var check = await RcloneAsync(work, "check", "source", Remote(dir));
        AssertOk(check);
        Assert.Contains("0 differences found", check.Error, StringComparison.Ordinal);
        Assert.Contains("2 hashes could not be checked", check.Error, StringComparison.Ordinal);

        // Same size, same time, other bytes: only a content comparison notices.
        string changed = Path.Combine(Home, dir, "one.bin");
        var time = File.GetLastWriteTimeUtc(changed);
        byte[] tampered = (byte[])one.Clone();
        tampered[100_000] ^= 0xFF;
        await File.WriteAllBytesAsync(changed, tampered);
        File.SetLastWriteTimeUtc(changed, time);

        AssertOk(await RcloneAsync(work, "check", "source", Remote(dir)));
        var contents = await RcloneAsync(work, "check", "--download", "--differ", "differ.txt", "--match", "match.txt", "source", Remote(dir));
        Assert.Equal(1, contents.ExitCode);
        Assert.Contains("1 differences found", contents.Error, StringComparison.Ordinal);
        Assert.Equal(["one.bin"], await File.ReadAllLinesAsync(Path.Combine(work, "differ.txt")));
        Assert.Equal(["two.bin"], await File.ReadAllLinesAsync(Path.Combine(work, "match.txt")));
    }
}
