using System.Globalization;
using System.Text.RegularExpressions;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// OpenSSH's sftp in batch mode and scp in its default (SFTP) mode, logging in with a key: every command's effect
/// is checked on disk under alice's home and in the client's own directory.
/// </summary>
public sealed class OpenSshSftpTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    private Task<ProcessResult> BatchAsync(string work, params string[] commands) =>
        SftpTestSupport.SftpBatchAsync(Server, fixture.Client, work, commands);

    private static void AssertOk(ProcessResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [ClientFact("sftp")]
    public async Task Put_get_cp_ls_and_lls_work()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("basic");
        byte[] data = SshTestSupport.RandomBytes(1_500_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "data.bin"), data);
        await File.WriteAllTextAsync(Path.Combine(work, "notes.txt"), "some notes\n");
        File.SetUnixFileMode(Path.Combine(work, "notes.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var result = await BatchAsync(work, $"mkdir {dir}", $"cd {dir}", "put data.bin", "put notes.txt", "cp data.bin copy.bin", "ls -l",
            "get data.bin back.bin", "lls");
        AssertOk(result);

        SftpTestSupport.AssertFileBytes(data, Path.Combine(Home, dir, "data.bin"));
        SftpTestSupport.AssertFileBytes(data, Path.Combine(Home, dir, "copy.bin"));
        SftpTestSupport.AssertFileBytes(data, Path.Combine(work, "back.bin"));
        Assert.Equal("some notes\n", await File.ReadAllTextAsync(Path.Combine(Home, dir, "notes.txt")));
        // put sends the local file's permission bits with the OPEN.
        Assert.Equal(File.GetUnixFileMode(Path.Combine(work, "notes.txt")), File.GetUnixFileMode(Path.Combine(Home, dir, "notes.txt")));

        var listing = SftpTestSupport.ParseLongListing(result.Output);
        Assert.Equal(["copy.bin", "data.bin", "notes.txt"], listing.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1_500_000, listing["data.bin"].Size);
        Assert.Equal(11, listing["notes.txt"].Size);
        Assert.Equal("-rw-r-----", listing["notes.txt"].Mode);
        Assert.StartsWith("-", listing["copy.bin"].Mode, StringComparison.Ordinal);

        // lls lists the client's directory, where get has just put back.bin.
        string lls = result.Output[result.Output.LastIndexOf("sftp> lls", StringComparison.Ordinal)..];
        Assert.Contains("back.bin", lls, StringComparison.Ordinal);
        Assert.Contains("data.bin", lls, StringComparison.Ordinal);
        Assert.Empty(SftpTestSupport.UploadTemporaries(Home));
    }

    /// <summary>
    /// reget and reput continue from the length of the partial copy: the partial copies hold zeros, so only a real
    /// continuation (not a fresh transfer) leaves those zeros in front of the original's tail.
    /// </summary>
    [ClientFact("sftp")]
    public async Task Reget_and_reput_continue_truncated_copies()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("resume");
        Directory.CreateDirectory(Path.Combine(Home, dir));
        byte[] remote = SshTestSupport.RandomBytes(2_000_000);
        byte[] local = SshTestSupport.RandomBytes(1_800_000);
        const int LocalPartial = 700_000, RemotePartial = 900_001;
        await File.WriteAllBytesAsync(Path.Combine(Home, dir, "down.bin"), remote);
        await File.WriteAllBytesAsync(Path.Combine(work, "down.bin"), new byte[LocalPartial]);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), local);
        await File.WriteAllBytesAsync(Path.Combine(Home, dir, "up.bin"), new byte[RemotePartial]);

        AssertOk(await BatchAsync(work, $"cd {dir}", "reget down.bin", "reput up.bin"));

        SftpTestSupport.AssertFileBytes([.. new byte[LocalPartial], .. remote.AsSpan(LocalPartial)], Path.Combine(work, "down.bin"));
        SftpTestSupport.AssertFileBytes([.. new byte[RemotePartial], .. local.AsSpan(RemotePartial)], Path.Combine(Home, dir, "up.bin"));
        // written in place, not through a replacing upload
        Assert.Contains($"open for modify /{dir}/up.bin", await Server.WaitForLogAsync($"open for modify /{dir}/up.bin"), StringComparison.Ordinal);
    }

    [ClientFact("sftp")]
    public async Task Mkdir_rename_ln_chmod_rm_and_rmdir_work()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("tree");
        await File.WriteAllTextAsync(Path.Combine(work, "f.txt"), "linked content\n");

        var build = await BatchAsync(work, $"mkdir {dir}", $"mkdir {dir}/sub", $"put f.txt {dir}/f.txt", $"rename {dir}/f.txt {dir}/sub/g.txt",
            $"ln {dir}/sub/g.txt {dir}/hard.txt", $"ln -s sub/g.txt {dir}/soft.txt", $"chmod 600 {dir}/sub/g.txt", $"chmod 750 {dir}/sub",
            $"ls -l {dir}", $"-rmdir {dir}/sub", $"-mkdir {dir}/sub");
        AssertOk(build);

        string root = Path.Combine(Home, dir);
        Assert.False(File.Exists(Path.Combine(root, "f.txt")));
        Assert.Equal("linked content\n", await File.ReadAllTextAsync(Path.Combine(root, "sub", "g.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, "sub", "g.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(Path.Combine(root, "sub")));
        var hard = await SftpTestSupport.InodeAsync(Path.Combine(root, "hard.txt"));
        var original = await SftpTestSupport.InodeAsync(Path.Combine(root, "sub", "g.txt"));
        Assert.Equal(original.Inode, hard.Inode);
        Assert.Equal(2, hard.Links);
        Assert.Equal("sub/g.txt", new FileInfo(Path.Combine(root, "soft.txt")).LinkTarget);
        Assert.Equal("linked content\n", await File.ReadAllTextAsync(Path.Combine(root, "soft.txt")));

        var listing = SftpTestSupport.ParseLongListing(build.Output);
        Assert.Equal(["hard.txt", "soft.txt", "sub"], listing.Keys.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("-rw-------", listing[$"{dir}/hard.txt"].Mode);
        Assert.StartsWith("l", listing[$"{dir}/soft.txt"].Mode, StringComparison.Ordinal);
        Assert.Equal("drwxr-x---", listing[$"{dir}/sub"].Mode);
        // a directory with a file in it is not removed, and an existing one is not made again (version 3 says FAILURE)
        Assert.Contains($"remote rmdir \"/{dir}/sub\": Failure", build.Error, StringComparison.Ordinal);
        Assert.Contains($"remote mkdir \"/{dir}/sub\": Failure", build.Error, StringComparison.Ordinal);

        var remove = await BatchAsync(work, $"rm {dir}/hard.txt", $"rm {dir}/soft.txt", $"rm {dir}/sub/g.txt", $"rmdir {dir}/sub",
            $"-rm {dir}/missing", $"ls -la {dir}");
        AssertOk(remove);
        Assert.Empty(Directory.GetFileSystemEntries(root));
        Assert.Contains($"remote delete /{dir}/missing: No such file or directory", remove.Error, StringComparison.Ordinal);
        Assert.Equal([".", ".."], SftpTestSupport.ParseLongListing(remove.Output).Keys.Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// put over an existing file replaces the content only: a private (0600) file does not take the uploader's
    /// local mode (0644), as with OpenSSH's sftp-server, where the OPEN's mode only applies to a file it creates.
    /// </summary>
    [ClientFact("sftp")]
    public async Task Put_over_an_existing_file_keeps_its_permissions()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("overwrite");
        string remote = Path.Combine(Home, dir, "private.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(remote)!);
        await File.WriteAllTextAsync(remote, "old secret\n");
        File.SetUnixFileMode(remote, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Combine(work, "private.txt"), "new secret\n");
        File.SetUnixFileMode(Path.Combine(work, "private.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        AssertOk(await BatchAsync(work, $"put private.txt {dir}/private.txt"));

        Assert.Equal("new secret\n", await File.ReadAllTextAsync(remote));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(remote));
    }

    /// <summary>put to a name that is a symbolic link writes the link's target and leaves the link a link.</summary>
    [ClientFact("sftp")]
    public async Task Put_to_a_symlink_writes_through_to_its_target()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("through-link");
        string root = Path.Combine(Home, dir);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "target.txt"), "old\n");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "target.txt");
        await File.WriteAllTextAsync(Path.Combine(work, "new.txt"), "new content\n");

        var result = await BatchAsync(work, $"put new.txt {dir}/link");
        AssertOk(result);

        Assert.Equal("target.txt", new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("new content\n", await File.ReadAllTextAsync(Path.Combine(root, "target.txt")));
    }

    /// <summary>".." after a symbolic link to a directory leads to the parent of the link's target (POSIX path resolution).</summary>
    [ClientFact("sftp")]
    public async Task Dot_dot_after_a_symlink_leads_to_the_targets_parent()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("dotdot");
        string root = Path.Combine(Home, dir);
        Directory.CreateDirectory(Path.Combine(root, "deep", "inner"));
        await File.WriteAllTextAsync(Path.Combine(root, "deep", "marker"), "deep\n");
        await File.WriteAllTextAsync(Path.Combine(root, "marker"), "top\n");
        File.CreateSymbolicLink(Path.Combine(root, "link"), "deep/inner");

        var result = await BatchAsync(work, $"get {dir}/link/../marker got.txt");
        AssertOk(result);
        Assert.Equal("deep\n", await File.ReadAllTextAsync(Path.Combine(work, "got.txt")));
    }

    /// <summary>Files belong to the server's account: chown/chgrp to what they already are succeeds, anything else is refused.</summary>
    [ClientFact("sftp")]
    public async Task Chown_to_the_current_owner_is_allowed_and_to_another_uid_refused()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("owner");
        Directory.CreateDirectory(Path.Combine(Home, dir));
        string file = Path.Combine(Home, dir, "owned.txt");
        await File.WriteAllTextAsync(file, "mine");
        var (uid, gid) = await SftpTestSupport.OwnerAsync(file);

        var same = await BatchAsync(work, $"chown {uid} {dir}/owned.txt", $"chgrp {gid} {dir}/owned.txt");
        AssertOk(same);
        Assert.DoesNotContain("denied", same.Error, StringComparison.OrdinalIgnoreCase);

        var other = await BatchAsync(work, $"chown {uid + 4242} {dir}/owned.txt");
        Assert.Equal(1, other.ExitCode);
        Assert.Contains($"remote setstat \"/{dir}/owned.txt\": Permission denied", other.Error, StringComparison.Ordinal);

        var otherGroup = await BatchAsync(work, $"chgrp {gid + 4242} {dir}/owned.txt");
        Assert.Equal(1, otherGroup.ExitCode);
        Assert.Contains($"remote setstat \"/{dir}/owned.txt\": Permission denied", otherGroup.Error, StringComparison.Ordinal);

        Assert.Equal((uid, gid), await SftpTestSupport.OwnerAsync(file));
        Assert.Equal("mine", await File.ReadAllTextAsync(file));
    }

    /// <summary>df (statvfs@openssh.com) describes the file system the data root is on, as coreutils' df does.</summary>
    [ClientFact("sftp", "df")]
    public async Task Df_reports_the_data_roots_file_system()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        var result = await BatchAsync(work, "df", "df -i");
        AssertOk(result);
        long[][] rows = Regex.Matches(result.Output, @"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s*$", RegexOptions.Multiline)
            .Select(m => Enumerable.Range(1, 5).Select(i => long.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.True(rows.Length == 2, result.ToString());
        long[] blocks = rows[0], inodes = rows[1];

        // Size, Used, Avail, (root) in KiB: Used is what is not free, "(root)" is the free space root may use.
        long size = await CoreutilsDfAsync("size", "--block-size=1K");
        Assert.Equal(size, blocks[0]);
        Assert.Equal(blocks[0], blocks[1] + blocks[3]);
        Assert.InRange(blocks[2], 0, blocks[3]);
        long available = await CoreutilsDfAsync("avail", "--block-size=1K");
        Assert.InRange(blocks[2], available - 65536, available + 65536);

        long inodeTotal = await CoreutilsDfAsync("itotal", "--block-size=1K");
        Assert.Equal(inodeTotal, inodes[0]);
        Assert.InRange(inodes[1], 1, inodes[0]);
    }

    private async Task<long> CoreutilsDfAsync(string field, string blockSize)
    {
        var df = await ProcessRunner.RunAsync("df", [blockSize, $"--output={field}", Server.DataRoot]);
        Assert.True(df.ExitCode == 0, df.ToString());
        return long.Parse(df.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>scp without -O speaks SFTP: one SFTP session per run, files byte for byte both ways.</summary>
    [ClientFact("scp")]
    public async Task Scp_uploads_and_downloads_over_sftp()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("scp");
        Directory.CreateDirectory(Path.Combine(Home, dir));
        byte[] data = SshTestSupport.RandomBytes(3_000_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "scp.bin"), data);
        int sessionsBefore = SftpTestSupport.CountLogLines(Server, "SFTP session started");

        var up = await ScpAsync(work, "scp.bin", $"alice@127.0.0.1:{dir}/uploaded.bin");
        AssertOk(up);
        SftpTestSupport.AssertFileBytes(data, Path.Combine(Home, dir, "uploaded.bin"));

        var down = await ScpAsync(work, $"alice@127.0.0.1:{dir}/uploaded.bin", "downloaded.bin");
        AssertOk(down);
        SftpTestSupport.AssertFileBytes(data, Path.Combine(work, "downloaded.bin"));

        Assert.Equal(sessionsBefore + 2, await SftpTestSupport.WaitForLogLinesAsync(Server, "SFTP session started", sessionsBefore + 2));
    }

    [ClientFact("scp")]
    public async Task Scp_r_copies_a_tree_both_ways()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("scp-r");
        Directory.CreateDirectory(Path.Combine(Home, dir));
        string source = Path.Combine(work, "source");
        SftpTestSupport.MakeTree(source);

        AssertOk(await ScpAsync(work, "-r", "source", $"alice@127.0.0.1:{dir}/"));
        SftpTestSupport.AssertSameTree(source, Path.Combine(Home, dir, "source"));

        AssertOk(await ScpAsync(work, "-r", $"alice@127.0.0.1:{dir}/source", "back"));
        SftpTestSupport.AssertSameTree(source, Path.Combine(work, "back"));
        Assert.Empty(SftpTestSupport.UploadTemporaries(Path.Combine(Home, dir)));
    }

    private Task<ProcessResult> ScpAsync(string work, params string[] arguments) =>
        ProcessRunner.RunAsync("scp", [.. SftpTestSupport.OpenSshOptions(Server, fixture.Client), .. arguments], TimeSpan.FromSeconds(60), work);
}
