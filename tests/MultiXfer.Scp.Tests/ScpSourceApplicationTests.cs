using System.Text;

namespace MultiXfer.Scp.Tests;

/// <summary>
/// "scp -f" end to end through <see cref="ScpApplication"/>: files seeded on disk in alice's root, a scripted client
/// that acknowledges everything, and the server's output read back as the records a sink sees.
/// </summary>
public sealed class ScpSourceApplicationTests : IDisposable
{
    private static readonly byte[] Acks = new byte[500];

    private readonly ScpHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private string Put(string relative, string content, int mode = 0x1A4)
    {
        string path = _harness.OnDisk(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }

    [Fact]
    public async Task One_file()
    {
        Put("a.txt", "hello");
        var run = await _harness.RunAsync("scp -f a.txt", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["C0644 5 a.txt", "DATA hello", "OK"], Records(run));
    }

    [Theory]
    [InlineData("scp -f /a.txt")]
    [InlineData("scp -f ~/a.txt")]
    [InlineData("scp -f ./a.txt")]
    [InlineData("scp -f -- a.txt")]
    [InlineData("scp -f sub/../a.txt")]
    [InlineData("scp -f ../../a.txt")]
    [InlineData("scp -f 'a.txt'")]
    public async Task Path_forms(string command)
    {
        Put("a.txt", "hello");
        var run = await _harness.RunAsync(command, Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["C0644 5 a.txt", "DATA hello", "OK"], Records(run));
    }

    [Fact]
    public async Task Mode_and_unusual_names_are_sent_as_they_are()
    {
        Put("dir/it's \"quoted\" Grüße 日本.txt", "x", 0x180);
        var run = await _harness.RunAsync("scp -f \"dir/it's \\\"quoted\\\" Grüße 日本.txt\"", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["C0600 1 it's \"quoted\" Grüße 日本.txt", "DATA x", "OK"], Records(run));
    }

    [Fact]
    public async Task Empty_and_large_files()
    {
        Put("empty", "");
        byte[] big = new byte[ScpChannel.BufferSize * 2 + 777];
        new Random(3).NextBytes(big);
        File.WriteAllBytes(_harness.OnDisk("big"), big);
        File.SetUnixFileMode(_harness.OnDisk("big"), (UnixFileMode)0x1A4);
        var run = await _harness.RunAsync("scp -f empty big", Acks);
        Assert.Equal(0, run.Status);
        string expectedStart = $"C0644 0 empty\n\0C0644 {big.Length} big\n";
        Assert.Equal(expectedStart, Encoding.UTF8.GetString(run.Output, 0, expectedStart.Length));
        Assert.Equal(big, run.Output.AsSpan(expectedStart.Length, big.Length).ToArray());
        Assert.Equal(expectedStart.Length + big.Length + 1, run.Output.Length);
    }

    [Fact]
    public async Task Preserve_sends_times_first()
    {
        string path = Put("t.txt", "times");
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1400000000));
        File.SetLastAccessTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1400000005));
        var run = await _harness.RunAsync("scp -p -f t.txt", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["T1400000000 0 1400000005 0", "C0644 5 t.txt", "DATA times", "OK"], Records(run));
    }

    /// <summary>
    /// A file dated before 1970 (touch -d 1960-01-01): OpenSSH's source sends "T0 0 ..." (it clamps negative times),
    /// because its sink refuses a T line that does not start with a digit and ends the whole transfer
    /// ("protocol error: mtime.sec not present").
    /// </summary>
    [Fact]
    public async Task Preserve_never_sends_negative_times()
    {
        string path = Put("old.txt", "old");
        File.SetLastWriteTimeUtc(path, new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastAccessTimeUtc(path, new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var run = await _harness.RunAsync("scp -p -f old.txt", Acks);
        var records = Records(run);
        Assert.StartsWith("T", records[0], StringComparison.Ordinal);
        Assert.True(char.IsAsciiDigit(records[0][1]), "negative time sent: " + records[0]);
    }

    [Fact]
    public async Task Recursive_tree_with_times()
    {
        Put("tree/a.txt", "a");
        Put("tree/sub/b.txt", "bb");
        Directory.CreateDirectory(_harness.OnDisk("tree/empty"));
        File.SetUnixFileMode(_harness.OnDisk("tree/sub"), (UnixFileMode)0x1C0);
        var run = await _harness.RunAsync("scp -r -p -f tree", Acks);
        Assert.Equal(0, run.Status);
        var tree = Tree(Records(run));
        Assert.Equal(
            ["D0700 tree/sub", "D0755 tree", "D0755 tree/empty", "F0644 tree/a.txt=a", "F0644 tree/sub/b.txt=bb"],
            tree.Order(StringComparer.Ordinal));
        // Every D and C is preceded by its T line with -p.
        var records = Records(run);
        for (int i = 0; i < records.Count; i++)
        {
            if (records[i][0] is 'C' or 'D' && !records[i].StartsWith("DATA ", StringComparison.Ordinal))
            {
                Assert.StartsWith("T", records[i - 1], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_link_back_up_the_tree_is_not_followed_round_again()
    {
        Put("tree/a.txt", "a");
        File.CreateSymbolicLink(_harness.OnDisk("tree/loop"), "..");
        var run = await _harness.RunAsync("scp -r -f tree", Acks);
        Assert.Equal(1, run.Status);
        var records = Records(run);
        // tree is sent once, through "tree/loop" its parent once more, and tree (reached again) is refused.
        Assert.Contains("WARN scp: /tree/loop/tree: symbolic link loop, not sent again", records);
        Assert.Single(records, r => r == "DATA a");
    }

    [Fact]
    public async Task Several_paths_with_a_missing_one_go_on_after_the_warning()
    {
        Put("a", "1");
        Put("b", "2");
        var run = await _harness.RunAsync("scp -f a missing b", Acks);
        Assert.Equal(1, run.Status);
        Assert.Equal(["C0644 1 a", "DATA 1", "OK", "WARN scp: /missing: No such file or directory", "C0644 1 b", "DATA 2", "OK"], Records(run));
    }

    [Fact]
    public async Task A_directory_without_r_is_refused_with_a_warning()
    {
        Directory.CreateDirectory(_harness.OnDisk("d"));
        var run = await _harness.RunAsync("scp -f d", Acks);
        Assert.Equal(1, run.Status);
        Assert.Equal(["WARN scp: /d: not a regular file"], Records(run));
    }

    [Theory]
    [InlineData("scp -r -f .")]
    [InlineData("scp -r -f /")]
    [InlineData("scp -r -f ~")]
    [InlineData("scp -r -f ..")]
    public async Task The_root_itself_is_not_sent(string command)
    {
        Put("a", "1");
        var run = await _harness.RunAsync(command, Acks);
        Assert.Equal(1, run.Status);
        var record = Assert.Single(Records(run));
        Assert.StartsWith("WARN scp: /: ", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wildcards_expand_in_the_last_segment_sorted_without_dot_files()
    {
        Put("w/b.txt", "b");
        Put("w/a.txt", "a");
        Put("w/c.log", "c");
        Put("w/.hidden.txt", "h");
        Put("w/ab.txt", "ab");
        var run = await _harness.RunAsync("scp -f w/*.txt", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["C0644 1 a.txt", "DATA a", "OK", "C0644 2 ab.txt", "DATA ab", "OK", "C0644 1 b.txt", "DATA b", "OK"], Records(run));

        run = await _harness.RunAsync("scp -f 'w/?.txt' w/.h*", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["a.txt", "b.txt", ".hidden.txt"], Records(run).Where(r => r[0] == 'C').Select(r => r.Split(' ', 3)[2]));
    }

    [Fact]
    public async Task A_wildcard_without_match_is_a_warning()
    {
        Put("w/a.txt", "a");
        var run = await _harness.RunAsync("scp -f w/*.none nowhere/*", Acks);
        Assert.Equal(1, run.Status);
        Assert.Equal(["WARN scp: /w/*.none: No such file or directory", "WARN scp: /nowhere/*: No such file or directory"], Records(run));
    }

    [Fact]
    public async Task A_name_with_a_wildcard_that_exists_is_sent_literally()
    {
        Put("w/star*", "literal");
        Put("w/starlet", "other");
        var run = await _harness.RunAsync("scp -f 'w/star*'", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["C0644 7 star*", "DATA literal", "OK"], Records(run));
    }

    [Fact]
    public async Task Wildcards_in_directories_are_not_expanded()
    {
        Put("dir1/a", "a");
        var run = await _harness.RunAsync("scp -f 'dir*/a'", Acks);
        Assert.Equal(1, run.Status);
        Assert.StartsWith("WARN scp: /dir*/a: ", Assert.Single(Records(run)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recursive_download_skips_upload_temporaries()
    {
        Put("d/real", "r");
        Put("d/.mxpart-0011223344556677", "in flight");
        var run = await _harness.RunAsync("scp -r -f d", Acks);
        Assert.Equal(0, run.Status);
        Assert.Equal(["D0755 d", "F0644 d/real=r"], Tree(Records(run)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Upload_temporaries_cannot_be_downloaded_by_name()
    {
        Put(".mxpart-0011223344556677", "in flight");
        var run = await _harness.RunAsync("scp -f .mxpart-0011223344556677", Acks);
        Assert.Equal(1, run.Status);
        Assert.DoesNotContain("in flight", run.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_the_client_refuses_skips_that_file_only()
    {
        Put("a", "1");
        Put("b", "2");
        var client = new Script().Ok().Error("a: Permission denied").Ok(10);
        var run = await _harness.RunAsync("scp -f a b", client);
        Assert.Equal(1, run.Status);
        Assert.Equal(["C0644 1 a", "C0644 1 b", "DATA 2", "OK"], Records(run, skipDataFor: "a"));
    }

    [Fact]
    public async Task A_client_that_refuses_to_start_gets_nothing()
    {
        Put("a", "1");
        var run = await _harness.RunAsync("scp -f a", new Script().Error("cannot write here"));
        Assert.Equal(1, run.Status);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_client_that_hangs_up_early_ends_the_transfer()
    {
        Put("a", "1");
        var run = await _harness.RunAsync("scp -f a", new Script().Ok());
        Assert.Equal(1, run.Status);
    }

    [Fact]
    public async Task A_client_fatal_reply_ends_the_transfer()
    {
        Put("a", "1");
        Put("b", "2");
        var run = await _harness.RunAsync("scp -f a b", new Script().Ok().Data([2]).Line("scp: no"));
        Assert.Equal(1, run.Status);
        Assert.Equal("C0644 1 a\n", run.Text);
    }

    /// <summary>Links inside the root that point out of it resolve inside it: nothing outside is ever read.</summary>
    [Theory]
    [InlineData("up", "../..")]
    [InlineData("abs", "ABS")]
    public async Task Links_out_of_the_root_read_nothing_outside(string link, string target)
    {
        File.CreateSymbolicLink(_harness.OnDisk(link), target == "ABS" ? _harness.Top : target);
        var run = await _harness.RunAsync($"scp -f {link}/sentinel.txt", Acks);
        Assert.Equal(1, run.Status);
        Assert.Equal($"WARN scp: /{link}/sentinel.txt: No such file or directory", Assert.Single(Records(run)));
        run = await _harness.RunAsync($"scp -r -f {link}/data", Acks);
        Assert.Equal(1, run.Status);
        Assert.DoesNotContain("outside every root", run.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", run.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A name with a newline (made on disk by someone else) cannot go into a control line. It must be skipped with a
    /// warning, and the rest of the directory still sent: one bad name must not hide its siblings.
    /// </summary>
    [Fact]
    public async Task A_name_with_a_newline_is_skipped_and_its_siblings_still_sent()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"f{i:D2}").ToList();
        // Created in the middle, so that siblings come after it whether a listing runs in creation order, in
        // reverse, or by hash.
        foreach (string name in names.Take(10))
        {
            Put("d/" + name, name);
        }

        Put("d/bad\nC0644 5 evil", "evil!");
        foreach (string name in names.Skip(10))
        {
            Put("d/" + name, name);
        }

        var run = await _harness.RunAsync("scp -r -f d", Acks);
        var tree = Tree(Records(run));
        Assert.DoesNotContain(tree, t => t.Contains("evil", StringComparison.Ordinal));
        Assert.Equal(names.Select(n => $"F0644 d/{n}={n}").Prepend("D0755 d"), tree.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_name_with_a_newline_does_not_hide_other_wildcard_matches()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"f{i:D2}").ToList();
        // Created in the middle, so that siblings come after it whether a listing runs in creation order, in
        // reverse, or by hash.
        foreach (string name in names.Take(10))
        {
            Put("d/" + name, name);
        }

        Put("d/f-bad\nname", "bad");
        foreach (string name in names.Skip(10))
        {
            Put("d/" + name, name);
        }

        var run = await _harness.RunAsync("scp -f d/f*", Acks);
        Assert.Equal(names, Records(run).Where(r => r[0] == 'C').Select(r => r.Split(' ', 3)[2]));
    }

    /// <summary>
    /// The server's output as a sink reads it: control lines as they are, file data as "DATA text" (after a C line,
    /// exactly its size), status bytes as "OK" / "WARN text" / "FATAL text".
    /// </summary>
    private static List<string> Records(ScpRun run, string? skipDataFor = null)
    {
        var records = new List<string>();
        byte[] output = run.Output;
        int i = 0;
        while (i < output.Length)
        {
            byte b = output[i];
            if (b is 0)
            {
                records.Add("OK");
                i++;
                continue;
            }

            int end = Array.IndexOf(output, (byte)'\n', i);
            Assert.True(end >= 0, $"unterminated record at {i}: {Encoding.UTF8.GetString(output, i, output.Length - i)}");
            string line = Encoding.UTF8.GetString(output, i + (b is 1 or 2 ? 1 : 0), end - i - (b is 1 or 2 ? 1 : 0));
            i = end + 1;
            if (b is 1 or 2)
            {
                records.Add((b == 1 ? "WARN " : "FATAL ") + line);
                continue;
            }

            records.Add(line);
            if (line[0] == 'C' && line.Split(' ', 3)[2] != skipDataFor)
            {
                int size = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                records.Add("DATA " + Encoding.UTF8.GetString(output, i, size));
                i += size;
            }
        }

        return records;
    }

    /// <summary>A recursive transfer as paths: "D0755 dir/sub" and "F0644 dir/file=content".</summary>
    private static List<string> Tree(List<string> records)
    {
        var result = new List<string>();
        var stack = new Stack<string>();
        for (int i = 0; i < records.Count; i++)
        {
            string record = records[i];
            if (record.StartsWith("DATA ", StringComparison.Ordinal))
            {
                continue;
            }

            string prefix = stack.Count > 0 ? stack.Peek() + "/" : "";
            switch (record[0])
            {
                case 'D':
                    string[] d = record.Split(' ', 3);
                    result.Add($"D{d[0][1..]} {prefix}{d[2]}");
                    stack.Push(prefix + d[2]);
                    break;
                case 'E':
                    stack.Pop();
                    break;
                case 'C':
                    string[] c = record.Split(' ', 3);
                    result.Add($"F{c[0][1..]} {prefix}{c[2]}={records[i + 1][5..]}");
                    break;
            }
        }

        return result;
    }
}
