using System.Security.Cryptography;
using System.Text;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// The legacy protocol spoken by hand through paramiko's exec channels (Clients/paramiko_scp.py), over real SSH:
/// ordinary transfers, then everything a hostile or sloppy client may send. Refusals are checked for their effects:
/// alice's root stays as it was, nothing appears outside it (in the server's directory, the data root, /tmp, /etc),
/// and the server goes on serving new connections.
/// </summary>
public sealed class ScpProtocolTests : ScpTestBase
{
    private const string Refusal = "This server offers file transfer only (SFTP and SCP); there is no shell or command execution.";

    [ClientFact(ClientTools.Python)]
    public async Task Hand_written_upload_and_download()
    {
        var up = await ParamikoAsync("upload", "--command", "scp -t .", "--name", "Grüße 日本.bin", "--size", "300000");
        Assert.Equal("0", up.Value("READY"));
        Assert.Equal("0", up.Value("HEADER"));
        Assert.Equal("0", up.Value("FILE"));
        Assert.Equal("0", up.Value("EXIT"));
        byte[] stored = File.ReadAllBytes(Remote("Grüße 日本.bin"));
        Assert.Equal(up.Value("SHA256"), Convert.ToHexStringLower(SHA256.HashData(stored)));

        var down = await ParamikoAsync("download", "--command", "scp -f 'Grüße 日本.bin'");
        Assert.Equal("C0644 300000 Grüße 日本.bin", down.Value("RECORD"));
        Assert.Equal("300000 " + up.Value("SHA256"), down.Value("DATA"));
        Assert.Equal("0", down.Value("STATUS"));
        Assert.Equal("0", down.Value("EXIT"));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Hand_written_recursive_download()
    {
        Write(Remote("r/a.txt"), "a");
        Write(Remote("r/s/b.txt"), "bb");
        var down = await ParamikoAsync("download", "--command", "scp -r -f r");
        Assert.Equal("0", down.Value("EXIT"));
        var records = down.Values("RECORD").ToList();
        Assert.Equal("D0755 0 r", records[0]);
        Assert.Contains("C0644 1 a.txt", records);
        Assert.Contains("D0755 0 s", records);
        Assert.Contains("C0644 2 b.txt", records);
        Assert.Equal(2, records.Count(r => r == "E"));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Exec_lines_with_shell_syntax_are_refused_and_run_nothing()
    {
        string p = "/tmp/p-" + Id;
        string[] lines =
        [
            $"scp -t '/x; touch {p}'", $"scp -t x; touch {p}", $"scp -t `touch {p}`", $"scp -t '`touch {p}`'", $"scp -t $(touch {p})",
            $"scp -t \"$(touch {p})\"", "scp -t ${IFS}x", "scp -t $HOME", $"scp -f x | tee {p}", $"scp -f x > {p}", $"scp -t x && touch {p}",
            $"scp -t x || touch {p}", $"scp -t x\ntouch {p}", $"scp -t x < {p}", "scp -t a b", "scp -Z -t x", "scp x",
        ];
        var before = Snapshot(Server.DataRoot);
        var result = await ScriptAsync(lines.Select(l => new ScpChannelScript(l)));

        var problems = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            string rest = Encoding.UTF8.GetString(result.Rest(i));
            if (result.Exit(i) != "1" || !rest.StartsWith("\u0001scp: ", StringComparison.Ordinal))
            {
                problems.Add($"{lines[i]}: exit {result.Exit(i)}, stdout {rest}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(before, Snapshot(Server.DataRoot));
        AssertNothingEscaped("p-" + Id);
    }

    [ClientFact(ClientTools.Python)]
    public async Task Other_programs_get_the_refusal_and_status_127()
    {
        string p = "/tmp/p-" + Id;
        string[] lines =
        [
            $"sh -c 'touch {p}'", $"touch {p}", $"/bin/sh -c 'scp -t .'", "bash", "scpx -t .", $"rsync --server . {p}",
            "scp\t-t .", $"'scp' -t .", $" sh -c 'scp -t .'", $"/usr/bin/env scp -t .", $"sftp-server",
        ];
        var result = await ScriptAsync(lines.Select(l => new ScpChannelScript(l)));
        var problems = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (result.Exit(i) != "127" || result.Stderr(i).Trim() != Refusal || result.Rest(i).Length != 0)
            {
                problems.Add($"{lines[i]}: exit {result.Exit(i)}, stderr {result.Stderr(i).Trim()}, {result.Rest(i).Length} bytes out");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(Directory.GetFileSystemEntries(Home));
        AssertNothingEscaped("p-" + Id);
    }

    [ClientFact("ssh")]
    public async Task OpenSsh_exec_of_a_shell_line_is_refused()
    {
        var result = await SshExecAsync($"scp -t '/x; touch /tmp/p-{Id}'");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("\u0001scp: shell syntax", Encoding.UTF8.GetString(result.Output), StringComparison.Ordinal);
        AssertNothingEscaped("p-" + Id);

        var other = await SshExecAsync($"touch /tmp/p-{Id}");
        Assert.Equal(127, other.ExitCode);
        Assert.Equal(Refusal, other.Error.Trim());
        AssertNothingEscaped("p-" + Id);
    }

    /// <summary>Each name on a channel of its own, then data as if accepted: every one must be refused fatally, before any data.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task Unsafe_names_in_the_sink_stream_are_refused()
    {
        string x = "x-" + Id, d = "d-" + Id;
        (string Command, string Line)[] cases =
        [
            ("scp -t .", $"C0644 10 ../{x}"), ("scp -t .", $"C0644 10 ../../../../../../../../tmp/{x}"), ("scp -t .", $"C0644 10 /etc/{x}"),
            ("scp -t .", $"C0644 10 /tmp/{x}"), ("scp -t .", "C0644 10 ."), ("scp -t .", "C0644 10 .."), ("scp -t .", "C0644 10 a/b"),
            ("scp -t .", $"C0644 10 {x}/"), ("scp -t .", "C0644 10 "), ("scp -t .", $"D0755 0 {d}"), ("scp -r -t .", $"D0755 0 ../{d}"),
            ("scp -r -t .", "D0755 0 .."), ("scp -r -t .", $"D0755 0 /tmp/{d}"),
        ];
        var before = Snapshot(Server.DataRoot, "alice");
        var result = await ScriptAsync(cases.Select(c => new ScpChannelScript(c.Command).Reply().Line(c.Line).Reply().Send("0123456789\0").Reply()));

        var problems = new List<string>();
        for (int i = 0; i < cases.Length; i++)
        {
            var replies = result.Replies(i);
            if (replies[0] != "0" || !replies[1].StartsWith("2 scp: ", StringComparison.Ordinal) || result.Exit(i) != "1")
            {
                problems.Add($"{cases[i].Command} / {cases[i].Line}: replies [{string.Join(" | ", replies)}], exit {result.Exit(i)}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(Directory.GetFileSystemEntries(Home));
        Assert.Equal(before, Snapshot(Server.DataRoot, "alice"));
        AssertNothingEscaped(x, d);
        await AssertStillServingAsync();
    }

    /// <summary>
    /// Malformed sizes and modes end the transfer without writing anything, and the client is told why (OpenSSH's sink
    /// answers "\x01scp: protocol error: ..." before it exits, so scp and libraries can report the cause).
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task Malformed_sizes_in_the_sink_stream_are_refused_with_a_message()
    {
        string x = "x-" + Id;
        string[] lines =
        [
            $"C0644 -10 {x}", $"C0644 -1 {x}", $"C0644 1180591620717411303424 {x}", $"C0644 12345678901234567890 {x}",
            $"C0644 9223372036854775808 {x}", $"C0644 1e9 {x}", $"C0944 10 {x}", $"Z0644 10 {x}",
        ];
        var result = await ScriptAsync(lines.Select(l => new ScpChannelScript("scp -t .").Reply().Line(l).Reply().Send("0123456789\0").Reply()));

        var problems = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var replies = result.Replies(i);
            if (result.Exit(i) != "1")
            {
                problems.Add($"{lines[i]}: exit {result.Exit(i)}");
            }

            if (replies[0] != "0" || !(replies[1].StartsWith("1 scp: ", StringComparison.Ordinal) || replies[1].StartsWith("2 scp: ", StringComparison.Ordinal)))
            {
                problems.Add($"{lines[i]}: no error message, replies [{string.Join(" | ", replies)}]");
            }
        }

        Assert.Empty(Directory.GetFileSystemEntries(Home));
        AssertNothingEscaped(x);
        await AssertStillServingAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Data_shorter_than_announced_then_EOF_leaves_nothing()
    {
        Write(Remote("kept.txt"), "old");
        var result = await ScriptAsync(
        [
            new ScpChannelScript("scp -t .").Reply().Line("C0644 100 short.txt").Reply().Send("only a few bytes").Eof(),
            new ScpChannelScript("scp -t .").Reply().Line("C0644 100 kept.txt").Reply().Send("partial").Eof(),
        ]);
        Assert.Equal("1", result.Exit(0));
        Assert.Equal("1", result.Exit(1));
        Assert.Equal(["kept.txt"], Directory.GetFileSystemEntries(Home).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(Remote("kept.txt")));
    }

    /// <summary>The connection drops in the middle of a file: nothing is kept, no temporary is left, the old file stays.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task A_connection_dropped_mid_upload_leaves_nothing()
    {
        Write(Remote("kept.bin"), "old");
        var result = await ScriptAsync(
            [new ScpChannelScript("scp -t .").Reply().Line("C0644 1000000 kept.bin").Reply().Fill(300_000).Drop()]);
        Assert.Equal("0", result.Value("DROPPED"));
        Assert.True(await SshTestSupport.WaitForLogAsync(Server, "upload abandoned /kept.bin", TimeSpan.FromSeconds(10)), Server.ReadLog());
        Assert.Equal(["kept.bin"], Directory.GetFileSystemEntries(Home).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(Remote("kept.bin")));
        await AssertStillServingAsync();
    }

    [ClientFact(ClientTools.Python)]
    public async Task E_without_D_and_unknown_records_end_the_transfer()
    {
        var result = await ScriptAsync(
        [
            new ScpChannelScript("scp -r -t .").Reply().Line("E").Reply(),
            new ScpChannelScript("scp -t .").Reply().Line("Q what").Reply(),
            new ScpChannelScript("scp -t .").Reply().Line("C0644 1 " + new string('n', 5000)).Reply(),
        ]);
        // An E outside any directory is the end of the transfer, acknowledged, as OpenSSH's sink takes it (SSH.NET sends
        // one); the unknown record and the overlong name are errors.
        Assert.Equal("0", result.Exit(0));
        Assert.Equal("1", result.Exit(1));
        Assert.Equal("1", result.Exit(2));

        Assert.Empty(Directory.GetFileSystemEntries(Home));
        await AssertStillServingAsync();
    }

    /// <summary>
    /// libssh2 (curl, PHP, many libraries) ends an upload with the data and EOF, never sending scp's final 0 byte.
    /// OpenSSH's sink has the file written by then (its last response() just sees EOF); the file must be kept.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task Upload_ended_by_EOF_right_after_all_its_data_is_kept()
    {
        var result = await ScriptAsync([new ScpChannelScript("scp -t .").Reply().Line("C0644 5 eof.txt").Reply().Send("hello").Eof()]);
        Assert.True(File.Exists(Remote("eof.txt")), $"all 5 bytes arrived, then EOF: nothing kept (exit {result.Exit(0)})");
        Assert.Equal("hello", File.ReadAllText(Remote("eof.txt")));
    }

    /// <summary>
    /// A source that failed to read its file sends the announced bytes anyway, then "\x01scp: name: error" as its
    /// status, then waits for the sink's answer (OpenSSH source(): "(void) response();"). The sink must not keep the
    /// file and must answer; otherwise both sides wait for each other until a timeout.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task A_client_error_status_after_the_data_is_answered()
    {
        var result = await ScriptAsync(
            [new ScpChannelScript("scp -t .").Reply().Line("C0644 5 f.txt").Reply().Send("\0\0\0\0\0\u0001scp: f.txt: Input/output error\n").Reply()],
            timeoutSeconds: 3);
        Assert.False(File.Exists(Remote("f.txt")));
        var replies = result.Replies(0);
        Assert.True(replies[2] is not ("timeout" or "eof"), $"no answer to the client's status: [{string.Join(" | ", replies)}]");
    }

    [ClientFact(ClientTools.Python)]
    public async Task Download_refusals_are_warnings_and_the_rest_is_sent()
    {
        Write(Remote("a"), "a");
        Directory.CreateDirectory(Remote("dir"));
        var down = await ParamikoAsync("download", "--command", "scp -f missing dir / a");
        Assert.Equal("1", down.Value("EXIT"));
        Assert.Equal(["/missing: No such file or directory", "/dir: not a regular file", "/: the root has no name to send; name the entries inside it"],
            down.Values("WARN").Select(w => w["scp: ".Length..]));
        Assert.Equal("C0644 1 a", down.Value("RECORD"));
    }

    private async Task AssertStillServingAsync()
    {
        var up = await ParamikoAsync("upload", "--command", "scp -t .", "--name", "after.bin", "--size", "1000");
        Assert.Equal("0", up.Value("FILE"));
        Assert.Equal(1000, new FileInfo(Remote("after.bin")).Length);
        File.Delete(Remote("after.bin"));
    }
}
