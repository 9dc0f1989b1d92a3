using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// OpenSSH's scp (9.2) both ways: -O speaks the legacy protocol to this server's "scp -t"/"scp -f" (what is under
/// test); without it scp uses SFTP, which every user gets by default and must behave the same. Each theory runs in
/// both modes.
/// </summary>
public sealed class OpenSshScpTests : ScpTestBase
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task One_file_up_and_down(bool legacy)
    {
        byte[] content = RandomBytes(1_234_567);
        Write(Local("one.bin"), content);
        await ScpOkAsync(legacy, Local("one.bin"), Target(""));
        Assert.Equal(content, File.ReadAllBytes(Remote("one.bin")));

        await ScpOkAsync(legacy, Local("one.bin"), Target("renamed.bin"));
        Assert.Equal(content, File.ReadAllBytes(Remote("renamed.bin")));

        await ScpOkAsync(legacy, Target("renamed.bin"), Local("back.bin"));
        Assert.Equal(content, File.ReadAllBytes(Local("back.bin")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Several_files_up_and_down(bool legacy)
    {
        var files = new Dictionary<string, byte[]> { ["a.txt"] = RandomBytes(10), ["b.bin"] = RandomBytes(300_000), ["c"] = RandomBytes(1) };
        foreach (var (name, content) in files)
        {
            Write(Local("src/" + name), content);
        }

        Directory.CreateDirectory(Remote("multi"));
        await ScpOkAsync(legacy, [.. files.Keys.Select(n => Local("src/" + n)), Target("multi/")]);
        foreach (var (name, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(Remote("multi/" + name)));
        }

        Directory.CreateDirectory(Local("down"));
        await ScpOkAsync(legacy, [.. files.Keys.Select(n => Target("multi/" + n)), Local("down")]);
        foreach (var (name, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(Local("down/" + name)));
        }
    }

    /// <summary>
    /// Several sources to a target that does not exist: legacy scp asks for a directory (-d) and fails. (In SFTP mode
    /// OpenSSH 9's scp creates the directory itself.)
    /// </summary>
    [ClientFact("scp")]
    public async Task Several_files_to_a_missing_directory_fail_in_legacy_mode()
    {
        Write(Local("a"), "a");
        Write(Local("b"), "b");
        var result = await ScpAsync(true, Local("a"), Local("b"), Target("nowhere"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.False(File.Exists(Remote("nowhere")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Wildcard_download(bool legacy)
    {
        Write(Remote("w/a.txt"), "a");
        Write(Remote("w/b.txt"), "b");
        Write(Remote("w/c.log"), "c");
        Directory.CreateDirectory(Local("w"));
        await ScpOkAsync(legacy, Target("w/*.txt"), Local("w"));
        Assert.Equal(["a.txt", "b.txt"], Directory.GetFiles(Local("w")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Recursive_tree_up_and_down(bool legacy)
    {
        byte[] big = RandomBytes(700_000);
        Write(Local("tree/a.txt"), "a");
        Write(Local("tree/sub/b.bin"), big);
        Write(Local("tree/sub/deeper/c"), "");
        Write(Local("tree/sp ace/d é.txt"), "d");
        Directory.CreateDirectory(Local("tree/empty"));

        await ScpOkAsync(legacy, "-r", Local("tree"), Target(""));
        Assert.Equal("a", File.ReadAllText(Remote("tree/a.txt")));
        Assert.Equal(big, File.ReadAllBytes(Remote("tree/sub/b.bin")));
        Assert.Equal(0, new FileInfo(Remote("tree/sub/deeper/c")).Length);
        Assert.Equal("d", File.ReadAllText(Remote("tree/sp ace/d é.txt")));
        Assert.True(Directory.Exists(Remote("tree/empty")));

        // Into a new name, and back.
        await ScpOkAsync(legacy, "-r", Local("tree"), Target("copy"));
        Assert.Equal(big, File.ReadAllBytes(Remote("copy/sub/b.bin")));
        await ScpOkAsync(legacy, "-r", Target("copy"), Local("back"));
        Assert.Equal(Snapshot(Local("tree")).Keys, Snapshot(Local("back")).Keys);
        Assert.Equal(big, File.ReadAllBytes(Local("back/sub/b.bin")));
        Assert.Equal("d", File.ReadAllText(Local("back/sp ace/d é.txt")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Preserve_keeps_times_and_modes_both_ways(bool legacy)
    {
        var mtime = DateTime.UnixEpoch.AddSeconds(1_000_000_000);
        Write(Local("p/file.txt"), "times");
        File.SetUnixFileMode(Local("p/file.txt"), Mode(0x1A0)); // 0640
        File.SetLastWriteTimeUtc(Local("p/file.txt"), mtime);
        File.SetUnixFileMode(Local("p"), Mode(0x1E8)); // 0750
        Directory.SetLastWriteTimeUtc(Local("p"), mtime.AddDays(1));

        await ScpOkAsync(legacy, "-p", Local("p/file.txt"), Target(""));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(Remote("file.txt")));
        Assert.Equal(Mode(0x1A0), File.GetUnixFileMode(Remote("file.txt")));

        await ScpOkAsync(legacy, "-r", "-p", Local("p"), Target(""));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(Remote("p/file.txt")));
        Assert.Equal(mtime.AddDays(1), Directory.GetLastWriteTimeUtc(Remote("p")));
        Assert.Equal(Mode(0x1E8), File.GetUnixFileMode(Remote("p")));

        var remoteTime = DateTime.UnixEpoch.AddSeconds(1_200_000_000);
        Write(Remote("r.txt"), "remote");
        File.SetUnixFileMode(Remote("r.txt"), Mode(0x180)); // 0600
        File.SetLastWriteTimeUtc(Remote("r.txt"), remoteTime);
        await ScpOkAsync(legacy, "-p", Target("r.txt"), Local("r.txt"));
        Assert.Equal(remoteTime, File.GetLastWriteTimeUtc(Local("r.txt")));
        Assert.Equal(Mode(0x180), File.GetUnixFileMode(Local("r.txt")));
    }

    /// <summary>-p preserves mode bits exactly, group and other write included (OpenSSH's sink ignores its umask with -p).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Preserve_keeps_group_and_other_write_bits(bool legacy)
    {
        Write(Local("shared/f"), "x");
        File.SetUnixFileMode(Local("shared/f"), Mode(0x1B6)); // 0666
        File.SetUnixFileMode(Local("shared"), Mode(0x1FF)); // 0777
        await ScpOkAsync(legacy, "-r", "-p", Local("shared"), Target(""));
        Assert.Equal(Mode(0x1B6), File.GetUnixFileMode(Remote("shared/f")));
        Assert.Equal(Mode(0x1FF), File.GetUnixFileMode(Remote("shared")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_preserve_times_are_new(bool legacy)
    {
        Write(Local("old.txt"), "x");
        File.SetLastWriteTimeUtc(Local("old.txt"), DateTime.UnixEpoch.AddSeconds(1_000_000_000));
        await ScpOkAsync(legacy, Local("old.txt"), Target(""));
        Assert.True(File.GetLastWriteTimeUtc(Remote("old.txt")) > DateTime.UtcNow.AddHours(-1));
    }

    [Theory]
    [InlineData(true, "with space.txt")]
    [InlineData(false, "with space.txt")]
    [InlineData(true, "it's \"quoted\".txt")]
    [InlineData(false, "it's \"quoted\".txt")]
    [InlineData(true, "Grüße 日本 ✓.txt")]
    [InlineData(false, "Grüße 日本 ✓.txt")]
    [InlineData(true, "-dash")]
    [InlineData(false, "-dash")]
    public async Task Unusual_names_up_and_down(bool legacy, string name)
    {
        byte[] content = RandomBytes(5000);
        Write(Local("up/" + name), content);
        await ScpOkAsync(legacy, Local("up/" + name), Target("")); // the name travels in the C line, no quoting
        Assert.Equal(content, File.ReadAllBytes(Remote(name)));

        Directory.CreateDirectory(Local("down"));
        // Legacy: the path is part of an exec line, quoted as a user quotes it for the remote side; OpenSSH's scp then
        // needs -T, because it checks the names it receives against the quoted text itself ("filename does not match
        // request"). SFTP: the path is literal.
        string[] download = legacy ? ["-T", Target(QuoteIfNeeded(name)), Local("down")] : [Target(name), Local("down")];
        await ScpOkAsync(legacy, download);
        Assert.Equal(content, File.ReadAllBytes(Local("down/" + name)));

        // Into a quoted directory with spaces.
        Directory.CreateDirectory(Remote("dir with space"));
        await ScpOkAsync(legacy, Local("up/" + name), Target(legacy ? Quote("dir with space/") : "dir with space/"));
        Assert.Equal(content, File.ReadAllBytes(Remote("dir with space/" + name)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Zero_byte_file_up_and_down(bool legacy)
    {
        Write(Local("empty"), "");
        await ScpOkAsync(legacy, Local("empty"), Target(""));
        Assert.True(File.Exists(Remote("empty")));
        Assert.Equal(0, new FileInfo(Remote("empty")).Length);
        await ScpOkAsync(legacy, Target("empty"), Local("empty-back"));
        Assert.Equal(0, new FileInfo(Local("empty-back")).Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Overwrite_replaces_content(bool legacy)
    {
        Write(Remote("f.txt"), "old content, longer than the new one");
        Write(Local("f.txt"), "new");
        await ScpOkAsync(legacy, Local("f.txt"), Target(""));
        Assert.Equal("new", File.ReadAllText(Remote("f.txt")));
        Assert.Equal(["f.txt"], Directory.GetFileSystemEntries(Home).Select(Path.GetFileName));
    }

    /// <summary>
    /// Without -p, overwriting keeps the existing file's mode (OpenSSH's sink and sftp-server both do: the mode of the
    /// local file applies to new files only). A private 0600 file stays private when a 0644 copy is uploaded over it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Overwrite_without_preserve_keeps_the_remote_mode(bool legacy)
    {
        Write(Remote("private.txt"), "v1");
        File.SetUnixFileMode(Remote("private.txt"), Mode(0x180)); // 0600
        Write(Local("private.txt"), "v2");
        File.SetUnixFileMode(Local("private.txt"), Mode(0x1A4)); // 0644
        await ScpOkAsync(legacy, Local("private.txt"), Target(""));
        Assert.Equal("v2", File.ReadAllText(Remote("private.txt")));
        Assert.Equal(Mode(0x180), File.GetUnixFileMode(Remote("private.txt")));
    }

    /// <summary>
    /// scp -p of a file dated before 1970: OpenSSH's sink refuses a "T-..." line ("protocol error: mtime.sec not
    /// present") and the whole download fails; OpenSSH's own source sends such times as 0.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Preserve_download_of_a_file_from_before_1970(bool legacy)
    {
        Write(Remote("old.txt"), "old");
        File.SetLastWriteTimeUtc(Remote("old.txt"), new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var result = await ScpAsync(legacy, "-p", Target("old.txt"), Local("old.txt"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("old", File.ReadAllText(Local("old.txt")));
    }

    /// <summary>
    /// Legacy scp puts the remote path into the exec line unquoted; a path with shell syntax is refused there (no
    /// shell runs it), and scp reports the server's message. SFTP carries paths as data: the same name works.
    /// </summary>
    [ClientFact("scp")]
    public async Task Shell_syntax_in_a_legacy_path_is_refused_and_works_over_sftp()
    {
        Write(Local("f.txt"), "x");
        var result = await ScpAsync(true, Local("f.txt"), Target($"x;touch /tmp/p-{Id}"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("shell syntax", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Home));
        AssertNothingEscaped("p-" + Id);

        await ScpOkAsync(false, Local("f.txt"), Target("x;y $(z)"));
        Assert.Equal("x", File.ReadAllText(Remote("x;y $(z)")));
        var back = await ScpAsync(true, Target(Quote("x;y $(z)")), Local("back"));
        Assert.NotEqual(0, back.ExitCode);
        Assert.False(File.Exists(Local("back")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Missing_remote_file_fails_cleanly(bool legacy)
    {
        var result = await ScpAsync(legacy, Target("missing.txt"), Local("x"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("No such file", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Local("x")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Read_only_user_cannot_upload(bool legacy)
    {
        // reader shares alice's home, read-only.
        Write(Local("f"), "x");
        var result = await ScpWithPasswordAsync("reader", legacy, Local("f"), "reader@127.0.0.1:");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ermission denied", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Home));

        Write(Remote("r.txt"), "readable");
        await ScpOkAsync(legacy, Target("r.txt"), Local("r.txt"));
        var read = await ScpWithPasswordAsync("reader", legacy, "reader@127.0.0.1:r.txt", Local("r2.txt"));
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("readable", File.ReadAllText(Local("r2.txt")));
    }
}
