using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// A server for SFTP client tests: alice may do everything (links included), and "limited" (alice's ed25519 key)
/// gets SFTP version 4 at most and neither copy-data nor posix-rename@openssh.com.
/// </summary>
public sealed class SftpServer : IAsyncLifetime
{
    public const string LimitedUser = "limited";

    public static readonly string[] LimitedUserRemovedExtensions = ["copy-data", "posix-rename@openssh.com"];

    public TestServer Server { get; private set; } = null!;

    public OpenSshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(settings =>
        {
            settings["Users:alice:Permissions:/"] = "*";
            settings[$"Users:{LimitedUser}:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ed25519");
            settings[$"Users:{LimitedUser}:Sftp:MaxVersion"] = "4";
            SshTestSupport.SetList(settings, $"Users:{LimitedUser}:Sftp:Extensions", LimitedUserRemovedExtensions.Select(e => "-" + e));
        });
        Directory.CreateDirectory(Server.HomeOf(LimitedUser));
        Client = new OpenSshClient(Server);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A theory that needs real client programs; skipped only under the explicit local switch, as <see cref="ClientFactAttribute"/>.</summary>
public sealed class ClientTheoryAttribute : TheoryAttribute
{
    public ClientTheoryAttribute(params string[] clients)
    {
        if (Environment.GetEnvironmentVariable(ClientTools.SkipSwitch) == "1" && clients.FirstOrDefault(c => ClientTools.Find(c) is null) is { } missing)
        {
            Skip = $"{missing} is not installed and {ClientTools.SkipSwitch}=1";
        }
    }
}

/// <summary>Helpers the SFTP interop tests share: client invocations with key login, trees, listings, hashes.</summary>
internal static partial class SftpTestSupport
{
    /// <summary>The key every SFTP test logs in with (authorized for alice and the limited user).</summary>
    public static string Key => SshTestKeys.ClientKey("id_ed25519");

    /// <summary>A fresh directory for the client's side of the files of one test.</summary>
    public static string NewWorkDirectory(TestServer server) =>
        Directory.CreateDirectory(Path.Combine(server.RootDirectory, "client-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    /// <summary>A name unique to one test, for its files in the shared home.</summary>
    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// ssh options for sftp and scp (which take the port as -P): no user configuration, the server's host keys
    /// pinned, key login only.
    /// </summary>
    public static List<string> OpenSshOptions(TestServer server, OpenSshClient client) =>
    [
        "-F", "/dev/null", "-P", server.SshPort.ToString(CultureInfo.InvariantCulture),
        "-o", $"UserKnownHostsFile={client.KnownHostsFile}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20",
        "-o", "LogLevel=ERROR", "-i", Key,
    ];

    /// <summary>Runs OpenSSH's sftp with a batch file (-b) in <paramref name="workDirectory"/>.</summary>
    public static async Task<ProcessResult> SftpBatchAsync(TestServer server, OpenSshClient client, string workDirectory,
        IEnumerable<string> commands, string user = "alice", params string[] options)
    {
        string batch = Path.Combine(workDirectory, "..", Path.GetFileName(workDirectory) + ".batch");
        await File.WriteAllLinesAsync(batch, commands);
        return await ProcessRunner.RunAsync("sftp", [.. OpenSshOptions(server, client), .. options, "-b", batch, $"{user}@127.0.0.1"],
            TimeSpan.FromSeconds(60), workDirectory);
    }

    /// <summary>The ssh command lftp runs to reach the server (lftp adds -p PORT -l USER HOST -s sftp).</summary>
    public static string LftpConnectProgram(OpenSshClient client) =>
        $"ssh -a -x -F /dev/null -i {Key} -o UserKnownHostsFile={client.KnownHostsFile} -o GlobalKnownHostsFile=/dev/null " +
        "-o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR";

    /// <summary>Runs lftp over sftp with SFTP protocol version <paramref name="version"/>; commands stop at the first failure.</summary>
    public static Task<ProcessResult> LftpAsync(TestServer server, OpenSshClient client, string workDirectory, int version, string commands,
        string user = "alice") =>
        ProcessRunner.RunAsync("lftp",
        [
            "-u", user + ",unused",
            "-e", $"set sftp:protocol-version {version}; set sftp:connect-program '{LftpConnectProgram(client)}'; set cmd:fail-exit yes; " +
                  "set net:max-retries 1; set net:timeout 15; set xfer:clobber on; " + commands + "; quit",
            $"sftp://127.0.0.1:{server.SshPort}",
        ], TimeSpan.FromSeconds(90), workDirectory);

    /// <summary>The server binary's apphost, built beside this test assembly's configuration (src/MultiXfer.Server/bin/CONFIG/FRAMEWORK).</summary>
    public static string ServerApphost
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            string framework = output.Name, configuration = output.Parent!.Name;
            string path = RepositoryRoot.Combine("src", "MultiXfer.Server", "bin", configuration, framework, "MultiXfer.Server");
            return File.Exists(path) ? path : throw new FileNotFoundException("build the server first", path);
        }
    }

    /// <summary>A small tree with binary, empty, nested and non-ASCII files.</summary>
    public static void MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(root, "with space"));
        File.WriteAllBytes(Path.Combine(root, "binary.bin"), SshTestSupport.RandomBytes(700_000));
        File.WriteAllText(Path.Combine(root, "sub", "text.txt"), "text\n");
        File.WriteAllBytes(Path.Combine(root, "sub", "deeper", "empty"), []);
        File.WriteAllText(Path.Combine(root, "with space", "ünïcødé name.txt"), "utf-8");
        for (int i = 0; i < 30; i++)
        {
            File.WriteAllBytes(Path.Combine(root, "sub", $"small{i}.dat"), SshTestSupport.RandomBytes(3000 + i));
        }
    }

    /// <summary>The same files (relative names) with the same bytes; empty directories count too unless <paramref name="filesOnly"/>.</summary>
    public static void AssertSameTree(string expected, string actual, bool filesOnly = false)
    {
        Assert.True(Directory.Exists(actual), $"{actual} does not exist");
        Assert.Equal(RelativeEntries(expected, directories: !filesOnly), RelativeEntries(actual, directories: !filesOnly));
        foreach (string file in RelativeEntries(expected, directories: false))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))),
                $"{file} differs between {expected} and {actual}");
        }
    }

    private static List<string> RelativeEntries(string root, bool directories) =>
        (directories ? Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories) : Directory.GetFiles(root, "*", SearchOption.AllDirectories))
        .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();

    public static void AssertFileBytes(byte[] expected, string path)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        byte[] actual = File.ReadAllBytes(path);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"{path}: {actual.Length} bytes, expected {expected.Length}; first difference at {expected.AsSpan().CommonPrefixLength(actual)}");
    }

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

#pragma warning disable CA5351 // MD5 is what the client prints, not a security measure here
    public static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351

    /// <summary>One "ls -l" line as OpenSSH's sftp prints it: mode, user, group, size, name.</summary>
    public sealed record ListingEntry(string Mode, string User, string Group, long Size, string Name);

    [GeneratedRegex(@"^(?<mode>[-dlcbps][-rwxsStT]{9})\s+\S+\s+(?<user>\S+)\s+(?<group>\S+)\s+(?<size>\d+)\s+\w{3}\s+\d{1,2}\s+[\d:]{4,5}\s+(?<name>.+)$")]
    private static partial Regex LongListingLine();

    /// <summary>The "ls -l" lines of sftp's output, by name (other lines are skipped).</summary>
    public static Dictionary<string, ListingEntry> ParseLongListing(string output)
    {
        var entries = new Dictionary<string, ListingEntry>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n'))
        {
            var match = LongListingLine().Match(line.TrimEnd('\r'));
            if (match.Success)
            {
                entries[match.Groups["name"].Value] = new ListingEntry(match.Groups["mode"].Value, match.Groups["user"].Value,
                    match.Groups["group"].Value, long.Parse(match.Groups["size"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value);
            }
        }

        return entries;
    }

    /// <summary>"uid:gid" of a file on disk (the account the test server runs as owns every file it makes).</summary>
    public static async Task<(long Uid, long Gid)> OwnerAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", path]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] parts = result.Output.Trim().Split(':');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Inode number and link count of a file on disk (for hard links).</summary>
    public static async Task<(long Inode, int Links)> InodeAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("stat", ["-c", "%i:%h", path]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] parts = result.Output.Trim().Split(':');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Server log lines that contain <paramref name="text"/>.</summary>
    public static int CountLogLines(TestServer server, string text) =>
        server.ReadLog().Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits until at least <paramref name="count"/> log lines contain <paramref name="text"/>; returns how many do.</summary>
    public static async Task<int> WaitForLogLinesAsync(TestServer server, string text, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            int lines = CountLogLines(server, text);
            if (lines >= count || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Upload temporaries (".mxpart-*") anywhere under <paramref name="directory"/>.</summary>
    public static string[] UploadTemporaries(string directory) =>
        Directory.GetFiles(directory, ".mxpart-*", SearchOption.AllDirectories);
}
