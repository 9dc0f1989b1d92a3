using System.Text.RegularExpressions;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// lftp, the one common client that speaks SFTP versions 4 to 6 too, with each protocol version in turn: listing,
/// mirror both ways, get -c/put -c, mkdir, rm. The server's log proves which version the session ran.
/// </summary>
public sealed class LftpSftpTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private static readonly DateTime FixedTime = new(2020, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    [ClientTheory("lftp")]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Ls_mirror_resume_mkdir_and_rm_work(int version)
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName($"lftp{version}");
        string remote = Path.Combine(Home, dir);
        Directory.CreateDirectory(remote);
        string source = Path.Combine(work, "source");
        SftpTestSupport.MakeTree(source);
        File.SetLastWriteTimeUtc(Path.Combine(source, "binary.bin"), FixedTime);

        byte[] down = SshTestSupport.RandomBytes(2_000_000);
        byte[] up = SshTestSupport.RandomBytes(1_600_000);
        const int LocalPartial = 600_000, RemotePartial = 900_001;
        await File.WriteAllBytesAsync(Path.Combine(remote, "down.bin"), down);
        await File.WriteAllBytesAsync(Path.Combine(work, "down.bin"), new byte[LocalPartial]);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), up);
        await File.WriteAllBytesAsync(Path.Combine(remote, "up.bin"), new byte[RemotePartial]);
        await File.WriteAllTextAsync(Path.Combine(remote, "gone.txt"), "to be removed");

        var result = await SftpTestSupport.LftpAsync(Server, fixture.Client, work, version,
            $"mirror -R source {dir}/tree; mirror {dir}/tree back; cd {dir}; get -c down.bin; put -c up.bin; mkdir made; " +
            "mkdir -p made/deeper/deepest; rm gone.txt; ls");
        Assert.True(result.ExitCode == 0, result.ToString());

        SftpTestSupport.AssertSameTree(source, Path.Combine(remote, "tree"));
        SftpTestSupport.AssertSameTree(source, Path.Combine(work, "back"));
        // mirror carries modification times (whole seconds) both ways
        Assert.Equal(FixedTime, File.GetLastWriteTimeUtc(Path.Combine(remote, "tree", "binary.bin")));
        Assert.Equal(FixedTime, File.GetLastWriteTimeUtc(Path.Combine(work, "back", "binary.bin")));

        // get -c and put -c continue after the partial copies' zeros
        SftpTestSupport.AssertFileBytes([.. new byte[LocalPartial], .. down.AsSpan(LocalPartial)], Path.Combine(work, "down.bin"));
        SftpTestSupport.AssertFileBytes([.. new byte[RemotePartial], .. up.AsSpan(RemotePartial)], Path.Combine(remote, "up.bin"));
        Assert.True(Directory.Exists(Path.Combine(remote, "made", "deeper", "deepest")));
        Assert.False(File.Exists(Path.Combine(remote, "gone.txt")));
        Assert.Empty(SftpTestSupport.UploadTemporaries(remote));

        // Version 3 listings are the server's ls -l long names; from version 4 on lftp formats the attributes itself.
        string size = down.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string pattern = version == 3
            ? $@"^-rw\S{{7}}\s+1\s+\S+\s+\S+\s+{size} \w{{3}} [ \d]\d +[\d:]{{4,5}} down\.bin$"
            : $@"^-rw\S{{7}}\s+\S+/\S+\s+{size} \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d down\.bin$";
        Assert.Matches(new Regex(pattern, RegexOptions.Multiline), result.Output);
        foreach (string name in new[] { "tree", "made", "up.bin" })
        {
            Assert.Matches(new Regex($@"\s{Regex.Escape(name)}$", RegexOptions.Multiline), result.Output);
        }

        Assert.DoesNotMatch(new Regex(@"\sgone\.txt$", RegexOptions.Multiline), result.Output);
        string started = $"SFTP session started: version {version} (client offered {version})";
        Assert.Contains(started, await Server.WaitForLogAsync(started), StringComparison.Ordinal);
    }

    /// <summary>
    /// lftp's "ln -s EXISTING NEW" must make NEW a symbolic link to EXISTING, whatever the protocol version, and
    /// nothing else. lftp sends SSH_FXP_SYMLINK in OpenSSH's argument order (target as typed, then the link's
    /// absolute path) for versions 3 to 5, and the version 6 LINK request otherwise.
    /// </summary>
    [ClientTheory("lftp")]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Ln_s_creates_the_link_where_asked(int version)
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName($"lftp-ln{version}");
        string target = $"target-{dir}.txt";
        Directory.CreateDirectory(Path.Combine(Home, dir));
        await File.WriteAllTextAsync(Path.Combine(Home, dir, target), "pointed at");

        // (no "cat link" here: lftp 4.9 hangs after a failed cat even with cmd:fail-exit, against any server)
        var result = await SftpTestSupport.LftpAsync(Server, fixture.Client, work, version, $"cd {dir}; ln -s {target} link; ls");
        Assert.True(result.ExitCode == 0, result.ToString());

        // The link path was relative to lftp's directory: nothing may appear at the home's top level.
        var stray = new FileInfo(Path.Combine(Home, target));
        Assert.False(stray.Exists || stray.LinkTarget is not null, $"a stray {target} appeared in the home, a link to {stray.LinkTarget}");
        Assert.Equal("pointed at", await File.ReadAllTextAsync(Path.Combine(Home, dir, target)));
        var link = new FileInfo(Path.Combine(Home, dir, "link"));
        Assert.True(link.LinkTarget == target, $"{dir}/link: {(link.LinkTarget is null ? "no link" : "a link to " + link.LinkTarget)}\n{result}");
        Assert.Equal("pointed at", await File.ReadAllTextAsync(link.FullName));
    }
}
