using System.Security.Cryptography;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// paramiko's SFTPClient (protocol version 3), an independent client implementation: every public method of
/// SFTPClient and SFTPFile, then the files it left checked on disk.
/// </summary>
public sealed class ParamikoSftpTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    [ClientFact(ClientTools.Python)]
    public async Task Every_sftp_client_and_file_method_works()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("paramiko");
        byte[] data = SshTestSupport.RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "upload.bin"), data);
        string sha = SftpTestSupport.Sha256Hex(data);

        var result = await ParamikoSftp.RunAsync(Server, "methods", "alice", "--local", work, "--dir", dir);
        var steps = ParamikoSftp.Steps(result);
        Assert.True(result.Process.ExitCode == 0 && result.Lines.Contains("DONE"), result.ToString());
        string root = Path.Combine(Home, dir);
        string defaultMode = LongMode(File.GetUnixFileMode(Path.Combine(root, "put.bin")));

        var expected = new Dictionary<string, string?>
        {
            // null: the step must fail; otherwise its result
            ["normalize_dot"] = "/",
            ["mkdir"] = "",
            ["mkdir_again"] = null,
            ["chdir"] = "",
            ["getcwd"] = "/" + dir,
            ["normalize_rel"] = $"/{dir}/x",
            ["put"] = "300000",
            ["get"] = "",
            ["get_sha"] = sha,
            ["putfo"] = "14",
            ["getfo"] = "300000",
            ["getfo_sha"] = sha,
            ["getfo_noprefetch"] = sha,
            ["open_w"] = "10",
            ["open_a"] = "0123456789abc",
            ["open_rplus"] = "01XY456789abc",
            ["open_x_new"] = "0",
            ["open_x_existing"] = null,
            ["open_wx_new"] = "only once",
            ["open_wx_existing"] = null,
            ["open_r_missing"] = null,
            ["open_w_truncates"] = "new",
            ["seek_read"] = "True True True 20",
            ["readv"] = "True",
            ["prefetch"] = sha,
            ["file_stat"] = "300000 " + Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "put.bin")), 8),
            ["readline_iter"] = "TrueFalseTrue first second|third 3",
            ["pipelined"] = sha,
            ["file_flush"] = "flushed",
            ["file_attrs"] = "4 640 1200000000",
            ["chmod"] = "",
            ["stat_mode"] = "600",
            ["utime"] = "",
            ["stat_times"] = "1500000000 1600000000",
            ["truncate"] = "",
            ["stat_size"] = "1000",
            ["chown_same"] = "",
            ["chown_other"] = null,
            ["symlink"] = "",
            ["readlink"] = "putfo.txt",
            ["lstat_link"] = "link",
            ["stat_link"] = "14 reg",
            ["read_via_link"] = @"putfo content\n",
            ["rename"] = "",
            ["rename_onto_existing"] = null,
            ["posix_rename"] = "",
            ["mkdir_sub"] = "",
            ["rmdir_nonempty"] = null,
            ["remove"] = "",
            ["unlink"] = "",
            ["rmdir"] = "",
            ["remove_missing"] = null,
            ["listdir"] = "exclusive.txt,exclusive2.txt,fattr.txt,flush.txt,pipelined.bin,put.bin,putfo.txt",
            ["listdir_attr"] = $"exclusive.txt:3:{defaultMode},exclusive2.txt:9:{defaultMode},fattr.txt:4:-rw-r-----,flush.txt:13:{defaultMode}," +
                               $"pipelined.bin:300000:{defaultMode},put.bin:1000:{defaultMode},putfo.txt:14:-rw-------",
            ["listdir_iter"] = "exclusive.txt,exclusive2.txt,fattr.txt,flush.txt,pipelined.bin,put.bin,putfo.txt",
            ["chdir_up"] = "",
            ["getcwd_after"] = "/",
            ["chdir_file"] = null,
            ["stat_missing"] = null,
            ["listdir_many"] = "250 250 250",
        };
        var problems = new List<string>();
        foreach (var (name, want) in expected)
        {
            if (!steps.TryGetValue(name, out var got))
            {
                problems.Add($"{name}: did not run");
            }
            else if (want is null && got.Ok)
            {
                problems.Add($"{name}: succeeded ({got.Detail}) but must fail");
            }
            else if (want is not null && (!got.Ok || got.Detail != want))
            {
                problems.Add($"{name}: expected '{want}', got {(got.Ok ? "" : "error ")}'{got.Detail}'");
            }
        }

        // The kinds of failure paramiko maps the status codes to.
        Assert.StartsWith("FileNotFoundError errno=2", steps["open_r_missing"].Detail, StringComparison.Ordinal);
        Assert.StartsWith("FileNotFoundError errno=2", steps["remove_missing"].Detail, StringComparison.Ordinal);
        Assert.StartsWith("FileNotFoundError errno=2", steps["stat_missing"].Detail, StringComparison.Ordinal);
        Assert.StartsWith("PermissionError errno=13", steps["chown_other"].Detail, StringComparison.Ordinal);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + result);

        // What is on disk.
        SftpTestSupport.AssertFileBytes(data, Path.Combine(work, "get.bin"));
        SftpTestSupport.AssertFileBytes(data, Path.Combine(root, "pipelined.bin"));
        SftpTestSupport.AssertFileBytes(data[..1000], Path.Combine(root, "put.bin"));
        Assert.Equal("putfo content\n", await File.ReadAllTextAsync(Path.Combine(root, "putfo.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, "putfo.txt")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000).UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(root, "putfo.txt")));
        Assert.Equal("0123", await File.ReadAllTextAsync(Path.Combine(root, "fattr.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(root, "fattr.txt")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_200_000_000).UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(root, "fattr.txt")));
        // posix_rename replaced flush.txt with the renamed modes file
        Assert.Equal("01XY456789abc", await File.ReadAllTextAsync(Path.Combine(root, "flush.txt")));
        Assert.Equal("new", await File.ReadAllTextAsync(Path.Combine(root, "exclusive.txt")));
        Assert.Equal("only once", await File.ReadAllTextAsync(Path.Combine(root, "exclusive2.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(root));
        Assert.Equal(250, Directory.GetFiles(Path.Combine(root, "many")).Length);
        Assert.Equal(["exclusive.txt", "exclusive2.txt", "fattr.txt", "flush.txt", "many", "pipelined.bin", "put.bin", "putfo.txt"],
            Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(SftpTestSupport.UploadTemporaries(root));
    }

    /// <summary>The draft's check-file-handle and check-file-name requests: whole file, a range, blocks, the client's algorithm list.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task Check_file_handle_and_name_hash_the_file()
    {
        string name = SftpTestSupport.UniqueName("hashed") + ".bin";
        byte[] data = SshTestSupport.RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(Home, name), data);

        var steps = ParamikoSftp.Steps((await ParamikoSftp.RunAsync(Server, "check", "alice", "--remote", name)).Ok());

        Assert.Equal((true, "check-file sha256 " + SftpTestSupport.Sha256Hex(data)), steps["check_file_handle_sha256"]);
        // the first algorithm of the client's list that the server has
        Assert.Equal((true, "check-file sha512 " + Convert.ToHexStringLower(SHA512.HashData(data))), steps["check_file_handle_list"]);
        Assert.Equal((true, "check-file md5 " + SftpTestSupport.Md5Hex(data[1000..6000])), steps["check_file_handle_range"]);
        Assert.Equal((true, "check-file sha256 " + BlockHashes(data, 131072, SHA256.HashData)), steps["check_file_handle_blocks"]);
#pragma warning disable CA5350 // SHA-1 is what the client asked for, not a security measure here
        Assert.Equal((true, "check-file sha1 " + Convert.ToHexStringLower(SHA1.HashData(data))), steps["check_file_name_sha1"]);
#pragma warning restore CA5350
        Assert.False(steps["check_file_name_unknown"].Ok, steps["check_file_name_unknown"].Detail);
    }

    /// <summary>
    /// paramiko's SFTPFile.check sends its request under the name the server announces in VERSION, "check-file"
    /// (handle, algorithm list, offset, length, block size: the check-file-handle layout); the hash must come back.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task Paramiko_file_check_gets_the_hash()
    {
        string name = SftpTestSupport.UniqueName("checked") + ".bin";
        byte[] data = SshTestSupport.RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(Home, name), data);

        var steps = ParamikoSftp.Steps((await ParamikoSftp.RunAsync(Server, "check", "alice", "--remote", name)).Ok());

        Assert.Equal((true, SftpTestSupport.Sha256Hex(data)), steps["file_check_sha256"]);
        Assert.Equal((true, SftpTestSupport.Md5Hex(data)), steps["file_check_md5"]);
#pragma warning disable CA5350
        Assert.Equal((true, BlockHashes(data, 131072, SHA1.HashData)), steps["file_check_sha1_blocks"]);
#pragma warning restore CA5350
    }

    private static string BlockHashes(byte[] data, int block, Func<byte[], byte[]> hash) =>
        string.Concat(data.Chunk(block).Select(c => Convert.ToHexStringLower(hash(c))));

    /// <summary>The permission part of ls -l for a regular file.</summary>
    private static string LongMode(UnixFileMode mode)
    {
        const string Letters = "rwxrwxrwx";
        var chars = new char[10];
        chars[0] = '-';
        for (int i = 0; i < 9; i++)
        {
            chars[i + 1] = ((int)mode & (1 << (8 - i))) != 0 ? Letters[i] : '-';
        }

        return new string(chars);
    }
}
