using System.Text;

namespace MultiXfer.Scp.Tests;

/// <summary>
/// "scp -t" end to end through <see cref="ScpApplication"/>: a scripted client stream, the real local FSIO backend
/// in a temporary directory. Every refusal is also checked for its side effects: nothing appears outside alice's
/// root (the harness's directory around it is snapshotted), nor in the well-known places an escape would aim at.
/// </summary>
public sealed class ScpSinkApplicationTests : IDisposable
{
    private readonly ScpHarness _harness = new();
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task One_file_into_the_root()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().File("a.txt", "hello"));
        Assert.Equal(["OK", "OK", "OK"], run.Replies());
        Assert.Equal(0, run.Status);
        Assert.Equal("hello", File.ReadAllText(_harness.OnDisk("a.txt")));
    }

    [Theory]
    [InlineData("scp -t .")]
    [InlineData("scp -t /")]
    [InlineData("scp -t ~")]
    [InlineData("scp -t ~/")]
    [InlineData("scp -t ''")]
    [InlineData("scp -t -- .")]
    public async Task Root_target_forms(string command)
    {
        var run = await _harness.RunAsync(command, new Script().File("r.txt", "root"));
        if (command == "scp -t ''")
        {
            // An empty path is a usage error, said on the protocol stream.
            Assert.Equal(1, run.Status);
            Assert.StartsWith("WARN scp: ", run.Replies().Single(), StringComparison.Ordinal);
            Assert.Empty(_harness.Inside());
            return;
        }

        Assert.Equal(0, run.Status);
        Assert.Equal("root", File.ReadAllText(_harness.OnDisk("r.txt")));
    }

    [Fact]
    public async Task A_target_that_is_not_a_directory_names_the_file()
    {
        var run = await _harness.RunAsync("scp -t renamed.txt", new Script().File("local-name.txt", "content"));
        Assert.Equal(0, run.Status);
        Assert.Equal("content", File.ReadAllText(_harness.OnDisk("renamed.txt")));
        Assert.False(File.Exists(_harness.OnDisk("local-name.txt")));
    }

    [Fact]
    public async Task Several_files_into_a_directory()
    {
        Directory.CreateDirectory(_harness.OnDisk("in"));
        var script = new Script().File("one", "1").File("two words", "22").File("Grüße 日本.txt", "333").File("empty", "");
        var run = await _harness.RunAsync("scp -d -t in", script);
        Assert.Equal(0, run.Status);
        Assert.Equal(Enumerable.Repeat("OK", 9), run.Replies());
        Assert.Equal("1", File.ReadAllText(_harness.OnDisk("in/one")));
        Assert.Equal("22", File.ReadAllText(_harness.OnDisk("in/two words")));
        Assert.Equal("333", File.ReadAllText(_harness.OnDisk("in/Grüße 日本.txt")));
        Assert.Equal(0, new FileInfo(_harness.OnDisk("in/empty")).Length);
    }

    [Fact]
    public async Task A_second_file_for_a_target_that_is_not_a_directory_is_refused_alone()
    {
        var run = await _harness.RunAsync("scp -t single", new Script().File("a", "first").File("b", "second"));
        Assert.Equal(1, run.Status);
        var replies = run.Replies();
        Assert.Equal(["OK", "OK", "OK"], replies[..3]);
        Assert.StartsWith("WARN scp: ", replies[3], StringComparison.Ordinal);
        Assert.Equal("first", File.ReadAllText(_harness.OnDisk("single")));
        Assert.False(File.Exists(_harness.OnDisk("b")));
    }

    [Fact]
    public async Task Target_must_be_a_directory_with_d()
    {
        var run = await _harness.RunAsync("scp -d -t missing", new Script().File("a", "x"));
        Assert.Equal(1, run.Status);
        Assert.StartsWith("FATAL scp: /missing", run.Replies().Single(), StringComparison.Ordinal);
        Assert.Empty(_harness.Inside());
    }

    [Fact]
    public async Task Large_file_across_many_reads_arrives_exactly()
    {
        byte[] data = new byte[ScpChannel.BufferSize * 2 + 12345];
        new Random(7).NextBytes(data);
        var script = new Script().Line($"C0644 {data.Length} big.bin").Data(data).Ok();
        var run = await _harness.RunAsync("scp -t .", script);
        Assert.Equal(0, run.Status);
        Assert.Equal(data, File.ReadAllBytes(_harness.OnDisk("big.bin")));
    }

    [Fact]
    public async Task Recursive_tree()
    {
        var script = new Script()
            .Line("D0755 0 tree").Line("C0644 3 a.txt").Data("aaa").Ok()
            .Line("D0700 0 sub").File("b.txt", "bb").Line("D0755 0 empty").Line("E").Line("E")
            .File("c.txt", "c").Line("E");
        var run = await _harness.RunAsync("scp -r -t .", script);
        Assert.Equal(0, run.Status);
        Assert.All(run.Replies(), r => Assert.Equal("OK", r));
        Assert.Equal("aaa", File.ReadAllText(_harness.OnDisk("tree/a.txt")));
        Assert.Equal("bb", File.ReadAllText(_harness.OnDisk("tree/sub/b.txt")));
        Assert.Equal("c", File.ReadAllText(_harness.OnDisk("tree/c.txt")));
        Assert.True(Directory.Exists(_harness.OnDisk("tree/sub/empty")));
    }

    [Fact]
    public async Task Recursive_into_a_new_name_creates_that_directory()
    {
        var script = new Script().Line("D0755 0 localdir").File("f", "x").Line("E");
        var run = await _harness.RunAsync("scp -r -t newdir", script);
        Assert.Equal(0, run.Status);
        Assert.Equal("x", File.ReadAllText(_harness.OnDisk("newdir/f")));
        Assert.False(Directory.Exists(_harness.OnDisk("localdir")));
    }

    [Fact]
    public async Task Preserve_sets_times_of_files_and_directories()
    {
        var script = new Script()
            .Line("T1500000000 0 1500000001 0").Line("D0750 0 d")
            .Line("T1400000000 0 1400000002 0").File("f", "times", "0640")
            .Line("E");
        var run = await _harness.RunAsync("scp -r -p -t .", script);
        Assert.Equal(0, run.Status);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1400000000), File.GetLastWriteTimeUtc(_harness.OnDisk("d/f")));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1400000002), File.GetLastAccessTimeUtc(_harness.OnDisk("d/f")));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1500000000), Directory.GetLastWriteTimeUtc(_harness.OnDisk("d")));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(_harness.OnDisk("d/f")));
        Assert.Equal((UnixFileMode)0x1E8, File.GetUnixFileMode(_harness.OnDisk("d")));
    }

    [Fact]
    public async Task Without_preserve_times_are_ignored()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("T1400000000 0 1400000000 0").File("f", "x"));
        Assert.Equal(0, run.Status);
        Assert.True(File.GetLastWriteTimeUtc(_harness.OnDisk("f")) > DateTime.UtcNow.AddHours(-1));
    }

    [Theory]
    [InlineData("0600", UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData("0755", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
        UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)]
    public async Task A_new_file_gets_the_mode_of_the_C_line(string mode, UnixFileMode expected)
    {
        var run = await _harness.RunAsync("scp -t .", new Script().File("m", "x", mode));
        Assert.Equal(0, run.Status);
        Assert.Equal(expected, File.GetUnixFileMode(_harness.OnDisk("m")));
    }

    [Fact]
    public async Task Overwriting_replaces_the_content()
    {
        File.WriteAllText(_harness.OnDisk("f"), "old content that is longer");
        var run = await _harness.RunAsync("scp -t f", new Script().File("f", "new"));
        Assert.Equal(0, run.Status);
        Assert.Equal("new", File.ReadAllText(_harness.OnDisk("f")));
        Assert.Equal(["f"], _harness.Inside());
    }

    /// <summary>
    /// Without -p, OpenSSH's sink opens an existing file with open(O_CREAT) and leaves its mode alone: the C line's
    /// mode applies only to new files (sink(), "if (!exists &amp;&amp; omode != mode) fchmod"). A private 0600 file
    /// overwritten by a 0644 upload stays private.
    /// </summary>
    [Fact]
    public async Task Overwriting_without_preserve_keeps_the_existing_mode()
    {
        string path = _harness.OnDisk("private.txt");
        File.WriteAllText(path, "secret v1");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var run = await _harness.RunAsync("scp -t .", new Script().File("private.txt", "secret v2", "0644"));
        Assert.Equal(0, run.Status);
        Assert.Equal("secret v2", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    /// <summary>
    /// -p preserves the mode bits exactly: OpenSSH's sink clears its umask with -p ("mask = umask(0); if (!pflag)
    /// umask(mask)") and chmods directories after creating them. A 0666 file and a 0777 directory stay so.
    /// </summary>
    [Fact]
    public async Task Preserve_keeps_group_and_other_write_bits()
    {
        var script = new Script().Line("T1400000000 0 1400000000 0").Line("D0777 0 shared")
            .Line("T1400000000 0 1400000000 0").File("f", "x", "0666").Line("E");
        var run = await _harness.RunAsync("scp -r -p -t .", script);
        Assert.Equal(0, run.Status);
        Assert.Equal((UnixFileMode)0x1B6, File.GetUnixFileMode(_harness.OnDisk("shared/f")));
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(_harness.OnDisk("shared")));
    }

    [Fact]
    public async Task Overwriting_with_preserve_takes_the_mode_of_the_C_line()
    {
        string path = _harness.OnDisk("f");
        File.WriteAllText(path, "v1");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var run = await _harness.RunAsync("scp -p -t .", new Script().Line("T1400000000 0 1400000000 0").File("f", "v2", "0640"));
        Assert.Equal(0, run.Status);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("C0644 10 ../x-{id}")]
    [InlineData("C0644 10 ../../x-{id}")]
    [InlineData("C0644 10 ../../../../../../../../tmp/x-{id}")]
    [InlineData("C0644 10 /etc/x-{id}")]
    [InlineData("C0644 10 /tmp/x-{id}")]
    [InlineData("C0644 10 .")]
    [InlineData("C0644 10 ..")]
    [InlineData("C0644 10 ")]
    [InlineData("C0644 10 a/b")]
    [InlineData("C0644 10 x-{id}/")]
    [InlineData("D0755 0 ..")]
    [InlineData("D0755 0 ../d-{id}")]
    [InlineData("D0755 0 /tmp/d-{id}")]
    public async Task Unsafe_names_are_refused_fatally_and_nothing_is_written(string line)
    {
        line = line.Replace("{id}", _id, StringComparison.Ordinal);
        var outsideBefore = _harness.Outside();
        // A valid file follows: after a fatal refusal nothing more may be taken.
        var script = new Script().Line(line).Data("0123456789").Ok().File("after", "must not arrive");
        var run = await _harness.RunAsync("scp -r -t .", script);

        Assert.Equal(1, run.Status);
        var replies = run.Replies();
        Assert.Equal("OK", replies[0]);
        Assert.StartsWith("FATAL scp: unexpected filename", replies[1], StringComparison.Ordinal);
        Assert.Equal(2, replies.Count);
        Assert.Empty(_harness.Inside());
        Assert.Equal(outsideBefore, _harness.Outside());
        AssertNoEscape();
    }

    /// <summary>
    /// Malformed sizes end the transfer and nothing is written. The client must also be told: OpenSSH's own sink
    /// answers "\x01scp: protocol error: size out of range" (run_err, then exit 1) so that the client prints why; a
    /// silent close leaves it with "lost connection" at best.
    /// </summary>
    [Theory]
    [InlineData("C0644 -10 x-{id}")]
    [InlineData("C0644 -1 x-{id}")]
    [InlineData("C0644 1180591620717411303424 x-{id}")]
    [InlineData("C0644 12345678901234567890 x-{id}")]
    [InlineData("C0644 9223372036854775808 x-{id}")]
    [InlineData("C0644 ten x-{id}")]
    [InlineData("C0999 10 x-{id}")]
    [InlineData("C0644 10")]
    [InlineData("X garbage")]
    public async Task Malformed_entries_end_the_transfer_with_an_error_reply(string line)
    {
        line = line.Replace("{id}", _id, StringComparison.Ordinal);
        var outsideBefore = _harness.Outside();
        var run = await _harness.RunAsync("scp -t .", new Script().Line(line).Data("0123456789").Ok());

        Assert.Equal(1, run.Status);
        Assert.Empty(_harness.Inside());
        Assert.Equal(outsideBefore, _harness.Outside());
        AssertNoEscape();
        var replies = run.Replies();
        Assert.Equal("OK", replies[0]);
        Assert.True(replies.Count == 2 && (replies[1].StartsWith("WARN scp: ", StringComparison.Ordinal) ||
            replies[1].StartsWith("FATAL scp: ", StringComparison.Ordinal)), "no error reply before the end: " + run);
    }

    [Fact]
    public async Task A_directory_without_r_is_refused_fatally()
    {
        var outsideBefore = _harness.Outside();
        var run = await _harness.RunAsync("scp -t .", new Script().Line("D0755 0 d").File("f", "x").Line("E"));
        Assert.Equal(1, run.Status);
        Assert.Equal(["OK", "FATAL scp: received a directory without -r"], run.Replies());
        Assert.Empty(_harness.Inside());
        Assert.Equal(outsideBefore, _harness.Outside());
    }

    [Fact]
    public async Task Data_shorter_than_announced_then_EOF_leaves_no_file()
    {
        File.WriteAllText(_harness.OnDisk("kept.txt"), "old");
        var run = await _harness.RunAsync("scp -t .", new Script().File("whole", "complete").Line("C0644 100 short").Data("only twenty bytes..."));
        Assert.Equal(1, run.Status);
        Assert.Equal("complete", File.ReadAllText(_harness.OnDisk("whole")));
        Assert.False(File.Exists(_harness.OnDisk("short")));

        run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 100 kept.txt").Data("partial"));
        Assert.Equal(1, run.Status);
        // No temporary is left behind either, and an existing file keeps its content.
        Assert.Equal(["kept.txt", "whole"], _harness.Inside().Order(StringComparer.Ordinal));
        Assert.Equal("old", File.ReadAllText(_harness.OnDisk("kept.txt")));
    }

    /// <summary>
    /// libssh2 (curl's scp://, PHP's ssh2, many libraries) sends a file's data and then EOF, never scp's final 0 status
    /// byte; curl then reports success. OpenSSH's sink has written the file by then (its last response() only meets
    /// EOF). All announced bytes arrived: the file must be kept.
    /// </summary>
    [Fact]
    public async Task All_data_then_EOF_without_the_final_status_keeps_the_file()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 5 nostatus").Data("12345"));
        Assert.True(File.Exists(_harness.OnDisk("nostatus")), "all 5 announced bytes arrived, then EOF: nothing kept; " + run);
        Assert.Equal("12345", File.ReadAllText(_harness.OnDisk("nostatus")));
        Assert.Equal(["nostatus"], _harness.Inside());
    }

    [Fact]
    public async Task EOF_inside_a_directory_is_an_error()
    {
        var run = await _harness.RunAsync("scp -r -t .", new Script().Line("D0755 0 d").File("f", "x"));
        Assert.Equal(1, run.Status);
    }

    [Fact]
    public async Task An_E_outside_any_directory_ends_the_transfer_acknowledged()
    {
        // OpenSSH's sink() returns at an E it is not inside a directory for, after acknowledging it; nothing after it
        // is read. SSH.NET relies on this: it closes every directory it uploads with "-d -t", the target's too.
        var run = await _harness.RunAsync("scp -r -t .", new Script().Line("E").File("f", "x"));
        Assert.Equal(0, run.Status);
        Assert.False(File.Exists(_harness.OnDisk("f")));
        Assert.Equal(["OK", "OK"], run.Replies());
    }

    [Fact]
    public async Task An_E_after_the_last_directory_closes_ends_the_transfer()
    {
        var run = await _harness.RunAsync("scp -r -t .", new Script().Line("D0755 0 d").Line("E").Line("E").Line("C0644 1 late"));
        Assert.Equal(0, run.Status);
        Assert.True(Directory.Exists(_harness.OnDisk("d")));
        Assert.False(File.Exists(_harness.OnDisk("late")));
    }

    /// <summary>
    /// A source that could not read its file sends the announced bytes anyway, then "\x01scp: ...: error" instead of its
    /// 0 status, and then waits for the sink's answer: OpenSSH's source() ends every file with "(void) response();", and
    /// OpenSSH's sink() always answers after reading that status. This sink must not commit the file, and must answer;
    /// if it stays silent while waiting for the next control line, both sides wait for each other.
    /// </summary>
    [Fact]
    public async Task A_client_error_after_the_data_is_not_committed_and_is_answered()
    {
        File.WriteAllText(_harness.OnDisk("f"), "old");
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 5 f").Data("\0\0\0\0\0").Error("f: Input/output error"));
        Assert.Equal(1, run.Status);
        Assert.Equal("old", File.ReadAllText(_harness.OnDisk("f")));
        Assert.Equal(["f"], _harness.Inside());
        var replies = run.Replies();
        Assert.True(replies.Count == 3, "the sink must answer the client's status for the file: " + run);
    }

    [Fact]
    public async Task Client_warning_lines_are_noted_and_the_transfer_goes_on()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Error("missing: No such file or directory").File("f", "x"));
        Assert.Equal(1, run.Status);
        Assert.Equal(["OK", "OK", "OK"], run.Replies());
        Assert.Equal("x", File.ReadAllText(_harness.OnDisk("f")));
    }

    [Fact]
    public async Task A_client_fatal_line_ends_the_transfer()
    {
        var script = new Script().Data([2]).Line("scp: giving up").File("f", "x");
        var run = await _harness.RunAsync("scp -t .", script);
        Assert.Equal(1, run.Status);
        Assert.False(File.Exists(_harness.OnDisk("f")));
    }

    [Fact]
    public async Task A_read_only_user_is_refused_per_file_and_nothing_is_written()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 5 f").File("g", "y"), ScpHarness.User(readOnly: true));
        // The client skips a refused file's data: the next control line follows at once.
        Assert.Equal(1, run.Status);
        var replies = run.Replies();
        Assert.Equal("OK", replies[0]);
        Assert.Equal("WARN scp: /f: Permission denied", replies[1]);
        Assert.Equal("WARN scp: /g: Permission denied", replies[2]);
        Assert.Empty(_harness.Inside());
    }

    [Fact]
    public async Task A_read_only_user_cannot_create_directories()
    {
        var run = await _harness.RunAsync("scp -r -t .", new Script().Line("D0755 0 d").Line("C0644 1 f").Line("E"), ScpHarness.User(readOnly: true));
        Assert.Equal(1, run.Status);
        Assert.StartsWith("WARN scp: /d: Permission denied", run.Replies()[1], StringComparison.Ordinal);
        Assert.Empty(_harness.Inside());
    }

    [Fact]
    public async Task Upload_temporary_names_are_reserved()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 1 .mxpart-0011223344556677").File("ok", "x"));
        Assert.Equal(1, run.Status);
        Assert.StartsWith("WARN scp: /.mxpart-0011223344556677: ", run.Replies()[1], StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(_harness.OnDisk("ok")));
    }

    [Fact]
    public async Task A_file_over_a_directory_is_refused_per_file()
    {
        Directory.CreateDirectory(_harness.OnDisk("dir"));
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 1 dir").File("ok", "x"));
        Assert.Equal(1, run.Status);
        Assert.Equal("WARN scp: /dir: Is a directory", run.Replies()[1]);
        Assert.True(Directory.Exists(_harness.OnDisk("dir")));
        Assert.Equal("x", File.ReadAllText(_harness.OnDisk("ok")));
    }

    [Fact]
    public async Task A_control_line_over_the_limit_ends_the_transfer()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("C0644 1 " + new string('a', ScpChannel.MaxLineLength)).Data("x").Ok());
        Assert.Equal(1, run.Status);
        Assert.Empty(_harness.Inside());
        Assert.True(run.Consumed <= ScpChannel.MaxLineLength + 8000, $"read {run.Consumed} bytes of an overlong line");
    }

    [Fact]
    public async Task A_control_line_that_is_not_UTF8_ends_the_transfer()
    {
        var script = new Script().Data(Encoding.ASCII.GetBytes("C0644 1 bad")).Data([0xff, 0xfe, (byte)'\n']).Data("x").Ok();
        var run = await _harness.RunAsync("scp -t .", script);
        Assert.Equal(1, run.Status);
        Assert.Empty(_harness.Inside());
    }

    [Fact]
    public async Task Malformed_times_end_the_transfer()
    {
        var run = await _harness.RunAsync("scp -p -t .", new Script().Line("T-1 0 0 0").File("f", "x"));
        Assert.Equal(1, run.Status);
        Assert.Empty(_harness.Inside());
    }

    [Fact]
    public async Task An_empty_control_line_ends_the_transfer()
    {
        var run = await _harness.RunAsync("scp -t .", new Script().Line("").File("f", "x"));
        Assert.Equal(1, run.Status);
        Assert.Empty(_harness.Inside());
    }

    [Theory]
    [InlineData("scp -t '/x; touch /tmp/p-{id}'")]
    [InlineData("scp -t x-{id}; touch /tmp/p-{id}")]
    [InlineData("scp -t `touch /tmp/p-{id}`")]
    [InlineData("scp -t $(touch /tmp/p-{id})")]
    [InlineData("scp -t ${HOME}")]
    [InlineData("scp -t x | tee /tmp/p-{id}")]
    [InlineData("scp -t x > /tmp/p-{id}")]
    [InlineData("scp -t a b")]
    [InlineData("scp -x -t a")]
    [InlineData("scp x-{id}")]
    public async Task Refused_exec_lines_answer_with_an_scp_error_and_touch_nothing(string command)
    {
        command = command.Replace("{id}", _id, StringComparison.Ordinal);
        var outsideBefore = _harness.Outside();
        var run = await _harness.RunAsync(command, new Script().File("x-" + _id, "data"));
        Assert.Equal(1, run.Status);
        Assert.Equal(0, run.Consumed);
        var reply = Assert.Single(run.Replies());
        Assert.StartsWith("WARN scp: ", reply, StringComparison.Ordinal);
        Assert.Empty(_harness.Inside());
        Assert.Equal(outsideBefore, _harness.Outside());
        AssertNoEscape();
        Assert.False(File.Exists("/tmp/p-" + _id));
    }

    [Theory]
    [InlineData("scp -t ../../..")]
    [InlineData("scp -t ../../../..")]
    [InlineData("scp -t /../..")]
    public async Task Dot_dot_targets_stay_in_the_root(string command)
    {
        var outsideBefore = _harness.Outside();
        var run = await _harness.RunAsync(command, new Script().File("x-" + _id, "data"));
        Assert.Equal(0, run.Status);
        Assert.Equal(["x-" + _id], _harness.Inside());
        Assert.Equal(outsideBefore, _harness.Outside());
    }

    /// <summary>A link in the root pointing outside it leads nowhere outside: FSIO resolves links inside the root.</summary>
    [Theory]
    [InlineData("up", "../..")]
    [InlineData("abs", "/")]
    public async Task Links_out_of_the_root_are_not_followed_out(string link, string target)
    {
        File.CreateSymbolicLink(_harness.OnDisk(link), target == "/" ? _harness.Top : target);
        var outsideBefore = _harness.Outside();
        var run = await _harness.RunAsync($"scp -r -t {link}",
            new Script().File("sentinel.txt", "overwritten?").Line("D0755 0 data").File("x", "y").Line("E"));
        Assert.Equal(outsideBefore, _harness.Outside());
        Assert.Equal("outside every root", File.ReadAllText(Path.Combine(_harness.Top, "sentinel.txt")));
        Assert.True(run.Status is 0 or 1, run.ToString());
    }

    private void AssertNoEscape()
    {
        foreach (string directory in new[] { "/tmp", "/etc", "/", _harness.Top, _harness.DataRoot, Path.GetDirectoryName(_harness.Top)! })
        {
            Assert.False(File.Exists(Path.Combine(directory, "x-" + _id)), $"{directory}/x-{_id} was written");
            Assert.False(Directory.Exists(Path.Combine(directory, "d-" + _id)), $"{directory}/d-{_id} was created");
        }
    }
}
