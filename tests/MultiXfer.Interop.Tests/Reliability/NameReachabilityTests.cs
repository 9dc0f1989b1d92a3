using System.Globalization;
using System.Text.Json;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>
/// Every name a listing shows is reachable by the same protocol: '/' is the only separator everywhere ('\' is a
/// character, as OpenSSH, ProFTPD and vsftpd treat it), names may hold quotes, spaces, a leading '-', glob characters,
/// UTF-8 and control characters; FTP, which cannot carry a line break in a command, leaves such names out of its
/// listings, and SFTP reaches them.
/// </summary>
public sealed class NameReachabilityTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private const string Content = "content of a name\n";

    /// <summary>Names as OpenSSH's regression tests and real users create them.</summary>
    private static readonly string[] Everywhere =
    [
        "a\\b", "..\\..\\x", "q'uote\"s", " lead space", "trail space ", "-dash", "star*name", "q?mark", "[br]acket",
        "ünïcødé 名前", "tab\there", "esc\u001b[31mred", "bell\u0007",
    ];

    /// <summary>Names FTP cannot carry in a command line (and so does not list); SFTP reaches them.</summary>
    private static readonly string[] SftpOnly = ["new\nline", "carriage\rreturn"];

    private TestServer Server => fixture.Server;

    private string MakeDirectory(string prefix, IEnumerable<string> names)
    {
        string dir = SftpTestSupport.UniqueName(prefix);
        string path = Path.Combine(Server.HomeOf("alice"), dir);
        Directory.CreateDirectory(path);
        foreach (string name in names)
        {
            File.WriteAllText(Path.Combine(path, name), Content);
        }

        return dir;
    }

    private static List<JsonElement> Report(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static void AssertEveryNameWorked(List<JsonElement> report, IEnumerable<string> expected)
    {
        var failures = report.Where(r => r.TryGetProperty("ok", out var ok) && !ok.GetBoolean()).Select(r => r.ToString()).ToList();
        Assert.True(failures.Count == 0, "names not reachable:\n" + string.Join('\n', failures));
        Assert.Equal(expected.Order(StringComparer.Ordinal), report.Where(r => r.TryGetProperty("ok", out _)).Select(r => r.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Sftp_lists_every_name_and_reaches_each()
    {
        string dir = MakeDirectory("names-sftp", [.. Everywhere, .. SftpOnly]);
        string hostKeys = Path.Combine(Server.RootDirectory, "names_known_hosts.pub");
        await File.WriteAllLinesAsync(hostKeys, SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File)));
        var report = Report(await SshTestSupport.RunPythonAsync("names.py",
            ["sftp", SshTestSupport.Port(Server), hostKeys, "alice", SftpTestSupport.Key, dir]));

        Assert.Equal([.. Everywhere.Concat(SftpOnly).Order(StringComparer.Ordinal)], Strings(report[0].GetProperty("listed")));
        AssertEveryNameWorked(report, Everywhere.Concat(SftpOnly));
        Assert.Equal(Everywhere.Length + SftpOnly.Length, Directory.GetFiles(Path.Combine(Server.HomeOf("alice"), dir)).Length);
    }

    [ClientFact(ClientTools.Python)]
    public async Task Ftp_lists_every_name_it_can_carry_and_reaches_each()
    {
        string dir = MakeDirectory("names-ftp", [.. Everywhere, .. SftpOnly]);
        var report = Report(await SshTestSupport.RunPythonAsync("names.py",
            ["ftp", Server.FtpPort.ToString(CultureInfo.InvariantCulture), "alice", TestServer.Passwords["alice"], dir]));

        string[] expected = [.. Everywhere.Order(StringComparer.Ordinal)];
        Assert.Equal(expected, Strings(report[0].GetProperty("listed")));
        Assert.Equal(expected, Strings(report[0].GetProperty("mlsd")));
        AssertEveryNameWorked(report, Everywhere);
    }

    /// <summary>OpenSSH's sftp: its own quoting (backslash escapes, globbing in get) reaches the awkward names.</summary>
    [ClientFact("sftp")]
    public async Task OpenSsh_sftp_gets_and_puts_awkward_names()
    {
        string dir = MakeDirectory("names-openssh", ["a\\b", "-dash", "star*name", "q'uote\"s", "new\nline"]);
        string work = SftpTestSupport.NewWorkDirectory(Server);
        File.WriteAllText(Path.Combine(work, "local.txt"), "uploaded\n");
        var result = await SftpTestSupport.SftpBatchAsync(Server, fixture.Client, work,
        [
            $"cd {dir}",
            "get \"a\\\\b\" got-backslash",
            "get ./-dash got-dash",
            "get star*name got-star",
            "get \"q'uote\\\"s\" got-quote",
            "put local.txt \"up\\\\load\"",
            "rename \"a\\\\b\" \"a\\\\c\"",
            "rm \"a\\\\c\"",
        ]);
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string got in new[] { "got-backslash", "got-dash", "got-star", "got-quote" })
        {
            Assert.Equal(Content, File.ReadAllText(Path.Combine(work, got)));
        }

        string remote = Path.Combine(Server.HomeOf("alice"), dir);
        Assert.Equal("uploaded\n", File.ReadAllText(Path.Combine(remote, "up\\load")));
        Assert.False(File.Exists(Path.Combine(remote, "a\\b")));
        Assert.False(File.Exists(Path.Combine(remote, "a\\c")));
    }

    /// <summary>scp -O: the remote path is read as a shell would read it (quotes and backslashes), never run by one.</summary>
    [ClientFact("scp")]
    public async Task Scp_legacy_downloads_and_uploads_awkward_names()
    {
        string dir = MakeDirectory("names-scp", ["a\\b", "-dash", "star*name", "sp ace", "q?mark"]);
        string work = SftpTestSupport.NewWorkDirectory(Server);
        File.WriteAllText(Path.Combine(work, "local.txt"), "uploaded\n");
        foreach (string name in new[] { "a\\b", "-dash", "star*name", "sp ace", "q?mark" })
        {
            // POSIX single quotes, as a user quotes the remote name for the remote side.
            string quoted = "'" + dir + "/" + name.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
            // scp checks each received name against the request as typed (quotes included) with fnmatch(3): against
            // OpenSSH's own sshd too, a quoted remote name needs -T (no strict filename checking).
            var get = await ProcessRunner.RunAsync("scp",
                [.. SftpTestSupport.OpenSshOptions(Server, fixture.Client), "-O", "-T", "alice@127.0.0.1:" + quoted, Path.Combine(work, "got")],
                TimeSpan.FromSeconds(60), work);
            Assert.True(get.ExitCode == 0, $"{name}: {get}");
            Assert.Equal(Content, File.ReadAllText(Path.Combine(work, "got")));
        }

        // Unquoted, a glob is expanded by the server as a shell would, and the strict check passes.
        var glob = await ProcessRunner.RunAsync("scp",
            [.. SftpTestSupport.OpenSshOptions(Server, fixture.Client), "-O", $"alice@127.0.0.1:{dir}/star*", Path.Combine(work, "globbed")],
            TimeSpan.FromSeconds(60), work);
        Assert.True(glob.ExitCode == 0, glob.ToString());
        Assert.Equal(Content, File.ReadAllText(Path.Combine(work, "globbed")));

        var put = await ProcessRunner.RunAsync("scp",
            [.. SftpTestSupport.OpenSshOptions(Server, fixture.Client), "-O", Path.Combine(work, "local.txt"), $"alice@127.0.0.1:'{dir}/up\\load'"],
            TimeSpan.FromSeconds(60), work);
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal("uploaded\n", File.ReadAllText(Path.Combine(Server.HomeOf("alice"), dir, "up\\load")));
    }
}
