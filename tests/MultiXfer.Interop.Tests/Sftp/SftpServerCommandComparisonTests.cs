using System.Text.RegularExpressions;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// "MultiXfer.Server sftp-server" as a drop-in for OpenSSH's sftp-server: the same sftp batch run against each
/// (sftp -D, over stdio, each in a directory of its own) prints the same, fails the same and leaves the same files
/// on both sides, once the directory names and times are made alike.
/// </summary>
public sealed partial class SftpServerCommandComparisonTests : IDisposable
{
    private const string OpenSshSftpServer = "/usr/lib/openssh/sftp-server";

    private readonly string _root = Directory.CreateTempSubdirectory("mx-sftp-compare-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Batch commands; a leading '-' lets sftp go on after that command fails.</summary>
    private static readonly string[] Commands =
    [
        "pwd",
        "put f.txt",
        "put b.bin",
        "put -p f.txt preserved.txt",
        "ls -l",
        "mkdir dir",
        "rename f.txt dir/g.txt",
        "ln -s dir/g.txt sym",
        "ln -s nowhere dangling",
        "ln dir/g.txt hard.txt",
        "chmod 640 dir/g.txt",
        "chmod 700 dir",
        "ls -l dir",
        "ls -la",
        "ls -l sym",
        "ls -l dangling",
        "ls -1",
        "ls -S",
        "get dir/g.txt back.txt",
        "get sym via-link.txt",
        "get -p preserved.txt back-preserved.txt",
        "reget b.bin part.bin",
        "reput b.bin existing-part.bin",
        "cp b.bin copy.bin",
        "-get missing",
        "-get dangling",
        "-put missing-local",
        "-rm missing",
        "-rmdir missing",
        "-mkdir dir",
        "-mkdir dir/sub/deeper",
        "-rename nothere other",
        "-ls nothere",
        "-cd b.bin",
        "-cd nothere",
        "-rmdir dir",
        "-rm dir",
        "-chmod 600 nothere",
        "-ln -s b.bin sym",
        "-ln missing hard2",
        "rename copy.bin dir/g.txt",
        "cd dir",
        "pwd",
        "ls -l",
        "rm g.txt",
        "cd ..",
        "rm sym",
        "rm dangling",
        "rm hard.txt",
        "rmdir dir",
        "mkdir kept",
        "chmod 711 kept",
        "ls -la",
    ];

    [ClientFact("sftp", OpenSshSftpServer)]
    public async Task A_batch_gives_the_same_output_and_files_as_openssh_sftp_server()
    {
        var (openSsh, multiXfer) = await RunBothAsync(Commands, []);

        Assert.True(openSsh.Result.ExitCode == 0, openSsh.Result.ToString());
        AssertSameRun(openSsh, multiXfer);
        // the errors are there, in both
        Assert.Contains("File \"REMOTE/missing\" not found.", Normalize(multiXfer.Result.Error, multiXfer.Remote), StringComparison.Ordinal);
    }

    /// <summary>-R (read-only) and -P (denied requests) refuse the same requests the same way.</summary>
    [ClientTheory("sftp", OpenSshSftpServer)]
    [InlineData("-R")]
    [InlineData("-P remove,mkdir,symlink")]
    public async Task Restricted_servers_refuse_alike(string options)
    {
        string[] commands =
        [
            "-put f.txt", "-mkdir x", "-rm existing-part.bin", "-rename existing-part.bin renamed.bin", "-chmod 600 renamed.bin",
            "-ln -s f.txt link", "-rmdir subdir", "ls -l", "-get existing-part.bin got.bin", "-get renamed.bin got.bin",
        ];
        var (openSsh, multiXfer) = await RunBothAsync(commands, options.Split(' '));

        Assert.Contains("Permission denied", openSsh.Result.Error, StringComparison.Ordinal);
        AssertSameRun(openSsh, multiXfer);
    }

    /// <summary>
    /// Uploading over an existing file replaces its content, not its permissions: OpenSSH's sftp-server opens it with
    /// O_TRUNC, where the mode sent with the OPEN only applies to a file being created.
    /// </summary>
    [ClientFact("sftp", OpenSshSftpServer)]
    public async Task Put_over_an_existing_file_keeps_its_permissions_as_openssh_does()
    {
        var (openSsh, multiXfer) = await RunBothAsync(["put private.txt", "ls -l private.txt"], [], async remote =>
        {
            await File.WriteAllTextAsync(Path.Combine(remote, "private.txt"), "old secret\n");
            File.SetUnixFileMode(Path.Combine(remote, "private.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }, local => File.WriteAllTextAsync(Path.Combine(local, "private.txt"), "new secret\n"));

        Assert.True(openSsh.Result.ExitCode == 0, openSsh.Result.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(openSsh.Remote, "private.txt")));
        AssertSameRun(openSsh, multiXfer);
    }

    /// <summary>
    /// Uploading to a name that is a symbolic link writes the file the link points to (open(2) follows it); the
    /// link stays a link. A dangling link gets its target created.
    /// </summary>
    [ClientFact("sftp", OpenSshSftpServer)]
    public async Task Put_to_a_symlink_writes_its_target_as_openssh_does()
    {
        var (openSsh, multiXfer) = await RunBothAsync(["put new.txt link", "put new.txt dangling", "ls -l"], [], async remote =>
        {
            await File.WriteAllTextAsync(Path.Combine(remote, "target.txt"), "old\n");
            File.CreateSymbolicLink(Path.Combine(remote, "link"), "target.txt");
            File.CreateSymbolicLink(Path.Combine(remote, "dangling"), "created-through-link.txt");
        }, local => File.WriteAllTextAsync(Path.Combine(local, "new.txt"), "new content\n"));

        Assert.True(openSsh.Result.ExitCode == 0, openSsh.Result.ToString());
        Assert.Equal("new content\n", await File.ReadAllTextAsync(Path.Combine(openSsh.Remote, "target.txt")));
        Assert.Equal("new content\n", await File.ReadAllTextAsync(Path.Combine(openSsh.Remote, "created-through-link.txt")));
        AssertSameRun(openSsh, multiXfer);
    }

    /// <summary>
    /// ".." after a symbolic link leads to the parent of the link's target, as the kernel resolves it, and ".." after
    /// a regular file is an error (ENOTDIR); paths are not shortened as text before links are followed.
    /// </summary>
    [ClientFact("sftp", OpenSshSftpServer)]
    public async Task Dot_dot_after_a_symlink_or_file_resolves_as_the_kernel_does()
    {
        var (openSsh, multiXfer) = await RunBothAsync(
            ["-get link/../marker-deep got-deep.txt", "-get file.txt/../marker-top got-top.txt", "-ls link/..", "-ls file.txt/.."], [], async remote =>
            {
                Directory.CreateDirectory(Path.Combine(remote, "deep", "inner"));
                await File.WriteAllTextAsync(Path.Combine(remote, "deep", "marker-deep"), "deep\n");
                await File.WriteAllTextAsync(Path.Combine(remote, "marker-top"), "top\n");
                await File.WriteAllTextAsync(Path.Combine(remote, "file.txt"), "file\n");
                File.CreateSymbolicLink(Path.Combine(remote, "link"), "deep/inner");
            });

        Assert.Equal("deep\n", await File.ReadAllTextAsync(Path.Combine(openSsh.Local, "got-deep.txt")));
        Assert.False(File.Exists(Path.Combine(openSsh.Local, "got-top.txt")));
        AssertSameRun(openSsh, multiXfer);
    }

    /// <summary>Same output, errors and exit status (directory names and times made alike), same files on both sides.</summary>
    private static void AssertSameRun(Run openSsh, Run multiXfer)
    {
        Assert.Equal(Normalize(openSsh.Result.Output, openSsh.Remote), Normalize(multiXfer.Result.Output, multiXfer.Remote));
        Assert.Equal(Normalize(openSsh.Result.Error, openSsh.Remote), Normalize(multiXfer.Result.Error, multiXfer.Remote));
        Assert.Equal(openSsh.Result.ExitCode, multiXfer.Result.ExitCode);
        AssertSameFiles(openSsh.Remote, multiXfer.Remote);
        AssertSameFiles(openSsh.Local, multiXfer.Local);
    }

    private sealed record Run(ProcessResult Result, string Remote, string Local);

    /// <summary>
    /// Runs the batch against OpenSSH's sftp-server and then MultiXfer's, each with a remote and a local directory of
    /// its own, both prepared alike: the default files, then <paramref name="prepareRemote"/> and <paramref name="prepareLocal"/>.
    /// </summary>
    private async Task<(Run OpenSsh, Run MultiXfer)> RunBothAsync(string[] commands, string[] options, Func<string, Task>? prepareRemote = null,
        Func<string, Task>? prepareLocal = null)
    {
        string batch = Path.Combine(_root, "batch");
        await File.WriteAllLinesAsync(batch, commands);
        byte[] binary = SshTestSupport.RandomBytes(400_000);
        byte[] existingPart = SshTestSupport.RandomBytes(150_000);
        var runs = new List<Run>();
        foreach (var (name, server) in new[] { ("openssh", OpenSshSftpServer), ("multixfer", SftpTestSupport.ServerApphost + " sftp-server") })
        {
            string remote = Directory.CreateDirectory(Path.Combine(_root, name + "-remote")).FullName;
            string local = Directory.CreateDirectory(Path.Combine(_root, name + "-local")).FullName;
            await File.WriteAllTextAsync(Path.Combine(local, "f.txt"), "hello\n");
            await File.WriteAllBytesAsync(Path.Combine(local, "b.bin"), binary);
            await File.WriteAllBytesAsync(Path.Combine(local, "part.bin"), new byte[1234]);
            await File.WriteAllBytesAsync(Path.Combine(remote, "existing-part.bin"), existingPart);
            Directory.CreateDirectory(Path.Combine(remote, "subdir"));
            await (prepareRemote?.Invoke(remote) ?? Task.CompletedTask);
            await (prepareLocal?.Invoke(local) ?? Task.CompletedTask);
            string command = string.Join(' ', [server, .. options, "-d", remote]);
            var result = await ProcessRunner.RunAsync("sftp", ["-b", batch, "-D", command], TimeSpan.FromSeconds(60), local);
            runs.Add(new Run(result, remote, local));
        }

        return (runs[0], runs[1]);
    }

    [GeneratedRegex(@"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d +(\d\d:\d\d|\d{4})\b")]
    private static partial Regex ListingDate();

    private static string Normalize(string text, string remote) =>
        ListingDate().Replace(text.Replace(remote, "REMOTE", StringComparison.Ordinal), "DATE");

    /// <summary>The same entries (files, directories, links with their targets) with the same bytes and permission bits.</summary>
    private static void AssertSameFiles(string expected, string actual)
    {
        static List<string> Entries(string root) =>
            Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(root, e)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(Entries(expected), Entries(actual));
        foreach (string entry in Entries(expected))
        {
            var left = new FileInfo(Path.Combine(expected, entry));
            var right = new FileInfo(Path.Combine(actual, entry));
            Assert.True(left.LinkTarget == right.LinkTarget, $"{entry}: link to {left.LinkTarget} vs {right.LinkTarget}");
            if (left.LinkTarget is null)
            {
                Assert.True(File.GetUnixFileMode(left.FullName) == File.GetUnixFileMode(right.FullName),
                    $"{entry}: mode {File.GetUnixFileMode(left.FullName)} vs {File.GetUnixFileMode(right.FullName)}");
                if (!left.Attributes.HasFlag(FileAttributes.Directory))
                {
                    Assert.True(File.ReadAllBytes(left.FullName).AsSpan().SequenceEqual(File.ReadAllBytes(right.FullName)), $"{entry} differs");
                }
            }
        }
    }
}
