using System.Globalization;
using System.Text;
using System.Text.Json;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// One test server per test class instance, a local work directory, and the ways the SCP tests reach the server:
/// OpenSSH's scp (legacy -O or its default SFTP mode) with alice's ed25519 key and the host key pinned, and
/// Clients/paramiko_scp.py for hand-written protocol exchanges.
/// </summary>
public abstract class ScpTestBase : IAsyncLifetime
{
    protected TestServer Server { get; private set; } = null!;

    protected OpenSshClient Ssh { get; private set; } = null!;

    /// <summary>The local side: files to upload, directories to download into.</summary>
    protected string Work { get; private set; } = null!;

    /// <summary>A string no other test uses, for names whose absence is checked in shared places (/tmp, /etc).</summary>
    protected string Id { get; } = Guid.NewGuid().ToString("N")[..12];

    protected static string KeyFile => SshTestKeys.ClientKey("id_ed25519");

    /// <summary>Where alice's files are on disk.</summary>
    protected virtual string Home => Server.HomeOf("alice");

    /// <summary>Settings for the test server (see <see cref="TestServer.StartAsync"/>).</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    protected virtual string CreateWorkDirectory() => Directory.CreateTempSubdirectory("mx-scp-").FullName;

    public virtual async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(Configure);
        Ssh = new OpenSshClient(Server);
        Work = CreateWorkDirectory();
    }

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected string Remote(string relative) => Path.Combine(Home, relative);

    protected string Local(string relative) => Path.Combine(Work, relative);

    protected static string Target(string path) => "alice@127.0.0.1:" + path;

    /// <summary>A word the remote side reads as <paramref name="text"/> (POSIX single quoting, as a user types it).</summary>
    protected static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary><see cref="Quote"/> only when the text has more than letters, digits and ./_- (so "-x" stays a word scp can put after "--").</summary>
    protected static string QuoteIfNeeded(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '/' or '_' or '-') ? text : Quote(text);

    protected static byte[] RandomBytes(int count) => SshTestSupport.RandomBytes(count);

    protected static void Write(string path, string content) => Write(path, Encoding.UTF8.GetBytes(content));

    protected static void Write(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>Runs OpenSSH's scp: legacy protocol with <paramref name="legacy"/> (-O), else its default (SFTP).</summary>
    protected Task<ProcessResult> ScpAsync(bool legacy, params string[] arguments)
    {
        var all = new List<string>
        {
            "-F", "/dev/null", "-P", SshTestSupport.Port(Server),
            "-o", $"UserKnownHostsFile={Ssh.KnownHostsFile}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey", "-o", "ConnectTimeout=20",
            "-o", "LogLevel=ERROR", "-i", KeyFile,
        };
        if (legacy)
        {
            all.Add("-O");
        }

        all.AddRange(arguments);
        return ProcessRunner.RunAsync("scp", all, TimeSpan.FromSeconds(120), Work);
    }

    /// <summary>Runs OpenSSH's scp as another test user, logging in with that user's password (SSH_ASKPASS).</summary>
    protected Task<ProcessResult> ScpWithPasswordAsync(string user, bool legacy, params string[] arguments)
    {
        var all = new List<string>
        {
            "-F", "/dev/null", "-P", SshTestSupport.Port(Server),
            "-o", $"UserKnownHostsFile={Ssh.KnownHostsFile}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=no", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
            "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
        };
        if (legacy)
        {
            all.Add("-O");
        }

        all.AddRange(arguments);
        return ProcessRunner.RunAsync("scp", all, TimeSpan.FromSeconds(120), Work, environment: Ssh.PasswordEnvironment(TestServer.Passwords[user]));
    }

    protected async Task ScpOkAsync(bool legacy, params string[] arguments)
    {
        var result = await ScpAsync(legacy, arguments);
        Assert.True(result.ExitCode == 0, $"scp {string.Join(' ', arguments)}: {result}");
    }

    /// <summary>Runs OpenSSH's ssh with an exec command line; standard output comes back as bytes.</summary>
    protected Task<BinaryProcessResult> SshExecAsync(string command, byte[]? input = null)
    {
        var arguments = Ssh.BaseArguments("alice", "BatchMode=yes", "IdentitiesOnly=yes", "PreferredAuthentications=publickey");
        arguments.AddRange(["-i", KeyFile, "-T", "127.0.0.1", command]);
        return BinaryProcessRunner.RunAsync("ssh", arguments, input ?? [], TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs Clients/paramiko_scp.py (password login as alice).</summary>
    protected async Task<ParamikoScpResult> ParamikoAsync(string scenario, params string[] options)
    {
        string hostKeys = Path.Combine(Server.RootDirectory, "paramiko_known_hosts.pub");
        if (!File.Exists(hostKeys))
        {
            await File.WriteAllLinesAsync(hostKeys, SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File)));
        }

        var result = new ParamikoScpResult(new ParamikoResult(await SshTestSupport.RunPythonAsync("paramiko_scp.py",
            [scenario, SshTestSupport.Port(Server), hostKeys, "--user", "alice", "--secret", TestServer.Passwords["alice"], .. options],
            TimeSpan.FromSeconds(120))));
        Assert.True(result.Inner.Value("HOSTKEY")?.StartsWith("verified", StringComparison.Ordinal) == true, result.ToString());
        Assert.True(result.Inner.Process.ExitCode == 0, "paramiko scenario did not run to its end: " + result);
        return result;
    }

    /// <summary>Channels on one paramiko connection, each an exec line with scripted steps (see paramiko_scp.py "script").</summary>
    protected Task<ParamikoScpResult> ScriptAsync(IEnumerable<ScpChannelScript> channels, double timeoutSeconds = 10) =>
        ParamikoAsync("script", "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "--script",
            JsonSerializer.Serialize(channels.Select(c => new { command = c.Command, steps = c.Steps })));

    /// <summary>Every entry below <paramref name="directory"/> (relative) with its kind and size, for before/after comparisons.</summary>
    protected static SortedDictionary<string, string> Snapshot(string directory, params string[] except)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return result;
        }

        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*",
                     new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            string relative = Path.GetRelativePath(directory, entry.FullName);
            if (except.Any(e => relative == e || relative.StartsWith(e + "/", StringComparison.Ordinal)))
            {
                continue;
            }

            result[relative] = entry is FileInfo file ? $"file {file.Length} {file.LastWriteTimeUtc.Ticks}" : "dir";
        }

        return result;
    }

    /// <summary>Names an escape from alice's root would create, in the places it would create them.</summary>
    protected void AssertNothingEscaped(params string[] names)
    {
        var places = new[] { "/", "/tmp", "/etc", Server.RootDirectory, Server.DataRoot, Path.GetDirectoryName(Server.RootDirectory)!, Work };
        foreach (string place in places)
        {
            foreach (string name in names)
            {
                string path = Path.Combine(place, name);
                Assert.False(File.Exists(path) || Directory.Exists(path), $"{path} exists");
            }
        }
    }

    protected static UnixFileMode Mode(int octal) => (UnixFileMode)octal;
}

/// <summary>One channel of a paramiko_scp.py "script": its exec line and steps.</summary>
public sealed record ScpChannelScript(string Command, List<object[]> Steps)
{
    public ScpChannelScript(string command) : this(command, [])
    {
    }

    public ScpChannelScript Reply()
    {
        Steps.Add(["reply"]);
        return this;
    }

    public ScpChannelScript Send(string text)
    {
        Steps.Add(["send", text]);
        return this;
    }

    public ScpChannelScript Line(string line) => Send(line + "\n");

    /// <summary><paramref name="count"/> bytes of file data ("x"), generated by the client rather than passed in.</summary>
    public ScpChannelScript Fill(int count)
    {
        Steps.Add(["fill", count]);
        return this;
    }

    /// <summary>The TCP connection is closed at once (no EOF, no channel close); the scenario ends there.</summary>
    public ScpChannelScript Drop()
    {
        Steps.Add(["drop"]);
        return this;
    }

    public ScpChannelScript Eof()
    {
        Steps.Add(["eof"]);
        return this;
    }
}

/// <summary>What paramiko_scp.py printed, with per-channel lookups for the "script" scenario.</summary>
public sealed class ParamikoScpResult
{
    internal ParamikoScpResult(ParamikoResult inner) => Inner = inner;

    internal ParamikoResult Inner { get; }

    public string? Value(string key) => Inner.Value(key);

    public IEnumerable<string> Values(string key) => Inner.Values(key);

    /// <summary>The status replies channel <paramref name="index"/> read: "0", "1 message", "2 message", "eof", "timeout".</summary>
    public List<string> Replies(int index) => Values("REPLY").Where(v => v.StartsWith($"{index} ", StringComparison.Ordinal))
        .Select(v => v[(v.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();

    public string Exit(int index) => Of("EXIT", index);

    public byte[] Rest(int index) => Convert.FromBase64String(Of("REST", index));

    public string Stderr(int index) => Encoding.UTF8.GetString(Convert.FromBase64String(Of("STDERR", index)));

    private string Of(string key, int index)
    {
        string? value = Values(key).FirstOrDefault(v => v == $"{index}" || v.StartsWith($"{index} ", StringComparison.Ordinal));
        Assert.True(value is not null, $"no {key} for channel {index}: {this}");
        int space = value.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? "" : value[(space + 1)..];
    }

    public override string ToString() => Inner.ToString();
}
