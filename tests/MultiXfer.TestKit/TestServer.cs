using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MultiXfer.Auth;
using MultiXfer.Server.Certificates;
using MultiXfer.Server.Hosting;

namespace MultiXfer.TestKit;

/// <summary>
/// The real server, composed exactly as Program does, started in-process on loopback ephemeral ports with a
/// temporary data root and known users. Tests talk to it over TCP like any client.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    /// <summary>Users every test server has: name, password.</summary>
    public static readonly IReadOnlyDictionary<string, string> Passwords = new Dictionary<string, string>
    {
        ["alice"] = "alice-secret",
        ["bob"] = "bob-secret",
        ["reader"] = "reader-secret",
    };

    // 10,000 iterations (the minimum accepted) keep tests fast; production hashes use 210,000.
    private static readonly Lazy<Dictionary<string, string>> Hashes = new(() =>
        Passwords.ToDictionary(p => p.Key, p => PasswordHasher.HashPbkdf2(p.Value, 10_000)));

    private readonly IHost _host;
    private readonly DirectoryInfo _root;
    private bool _stopped;

    /// <summary>One self-signed set per test run, copied into each server's keys directory.</summary>
    private static readonly Lazy<string> CertificateTemplate = new(() =>
    {
        string directory = Directory.CreateTempSubdirectory("mx-test-keys-").FullName;
        SelfSignedCertificates.CreateEcdsa(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"), "localhost").Dispose();
        SelfSignedCertificates.CreateRsa(Path.Combine(directory, "tls-rsa.crt"), Path.Combine(directory, "tls-rsa.key"), "localhost").Dispose();
        return directory;
    });

    private TestServer(IHost host, DirectoryInfo root, int ftpPort, int ftpsPort, int sshPort, int autoPort)
    {
        AutoPort = autoPort;
        _host = host;
        _root = root;
        FtpPort = ftpPort;
        FtpsPort = ftpsPort;
        SshPort = sshPort;
    }

    public int FtpPort { get; }

    /// <summary>The implicit FTPS listener.</summary>
    public int FtpsPort { get; }

    /// <summary>The "auto" listener, which detects the protocol per connection (0 when a test configured it away).</summary>
    public int AutoPort { get; }

    /// <summary>The SSH listener (0 when a test configured it away).</summary>
    public int SshPort { get; }

    /// <summary>The server's temporary directory: data, keys, log; removed with the server.</summary>
    public string RootDirectory => _root.FullName;

    public string KeysDirectory => Path.Combine(_root.FullName, "keys");

    /// <summary>The certificate the server presents by default.</summary>
    public string CertificateFile => Path.Combine(KeysDirectory, "tls.crt");

    public string DataRoot => Path.Combine(_root.FullName, "data");

    /// <summary>Where a user's files are on disk.</summary>
    public string HomeOf(string user) => Path.Combine(DataRoot, user);

    /// <param name="configure">Overrides configuration keys before the host is built.</param>
    /// <param name="ecdsaHostKeys">
    /// Also puts the test run's ECDSA host keys (P-256, P-384, P-521) into the keys directory, so a server configured
    /// with ECDSA host key algorithms loads the keys OpenSshClient's known_hosts pins instead of generating new ones.
    /// </param>
    /// <param name="faults">Storage faults to slide under every user's session layer (nothing is injected until armed).</param>
    public static async Task<TestServer> StartAsync(Action<Dictionary<string, string?>>? configure = null, bool ecdsaHostKeys = false,
        StorageFaults? faults = null)
    {
        var root = Directory.CreateTempSubdirectory("mx-test-");
        string keys = Path.Combine(root.FullName, "keys");
        Directory.CreateDirectory(keys);
        foreach (string file in Directory.GetFiles(CertificateTemplate.Value))
        {
            File.Copy(file, Path.Combine(keys, Path.GetFileName(file)));
        }

        SshTestKeys.CopyHostKeys(keys, includeEcdsa: ecdsaHostKeys);

        var settings = new Dictionary<string, string?>
        {
            ["Server:DataRoot"] = Path.Combine(root.FullName, "data"),
            ["Server:KeysDirectory"] = keys,
            ["Tls:CertificateFile"] = Path.Combine(keys, "tls.crt"),
            ["Tls:KeyFile"] = Path.Combine(keys, "tls.key"),
            ["Listeners:ftps:Address"] = "127.0.0.1",
            ["Listeners:ftps:Port"] = "0",
            ["Server:ShutdownGraceSeconds"] = "2",
            ["Listeners:ftp:Address"] = "127.0.0.1",
            ["Listeners:ftp:Port"] = "0",
            ["Listeners:ssh:Address"] = "127.0.0.1",
            ["Listeners:ssh:Port"] = "0",
            ["Listeners:ssh:Protocol"] = "ssh",
            ["Listeners:auto:Address"] = "127.0.0.1",
            ["Listeners:auto:Port"] = "0",
            ["Ssh:EchoSubsystem"] = "true",
            ["Ftp:PassivePorts"] = "",
            ["Auth:FailureDelayMilliseconds"] = "20",
            ["Auth:MaxFailuresPerAddress"] = "1000",
            // Tests connect from 127.0.0.1 all the time, often without logging in; penalty tests use other loopback addresses.
            ["Penalties:Exempt:0"] = "127.0.0.1",
            ["Logging:Level"] = "Information",
            ["Logging:File"] = Path.Combine(root.FullName, "server.log"),
            // Every test server writes both tool logs, so every interop test runs them.
            ["Logging:TransferLog"] = Path.Combine(root.FullName, "xferlog"),
            ["Logging:AuditLog"] = Path.Combine(root.FullName, "audit.json"),
            ["Server:StateDirectory"] = Path.Combine(root.FullName, "state"),
            ["Admin:Port"] = "0",
            ["Users:alice:PasswordHash"] = Hashes.Value["alice"],
            ["Users:bob:PasswordHash"] = Hashes.Value["bob"],
            ["Users:reader:PasswordHash"] = Hashes.Value["reader"],
            ["Users:reader:ReadOnly"] = "true",
            ["Users:reader:Home"] = "/alice",
        };
        for (int i = 0; i < SshTestKeys.ClientKeys.Count; i++)
        {
            settings[$"Users:alice:AuthorizedKeys:{i}"] = SshTestKeys.ClientPublicKey(SshTestKeys.ClientKeys[i].File);
        }

        configure?.Invoke(settings);
        var (host, problems) = MultiXferHost.Build([], settings, TextWriter.Null, faults is null ? null : faults.Wrap);
        if (host is null)
        {
            throw new InvalidOperationException("test configuration rejected: " + string.Join("; ", problems));
        }

        await host.StartAsync();
        foreach (string user in new[] { "alice", "bob" })
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "data", user));
        }

        var listeners = host.Services.GetRequiredService<ListenerService>().Listeners;
        int ftpPort = listeners.Single(l => l.Name == "ftp").BoundEndPoint.Port;
        int ftpsPort = listeners.SingleOrDefault(l => l.Protocol == "ftps-implicit")?.BoundEndPoint.Port ?? 0;
        int sshPort = listeners.SingleOrDefault(l => l.Protocol == "ssh")?.BoundEndPoint.Port ?? 0;
        int autoPort = listeners.SingleOrDefault(l => l.Name == "auto")?.BoundEndPoint.Port ?? 0;
        return new TestServer(host, root, ftpPort, ftpsPort, sshPort, autoPort);
    }

    /// <summary>The admin API's base address (Admin:Port 0 binds a free port), when the API is enabled.</summary>
    public Uri AdminUri => new($"http://127.0.0.1:{_host.Services.GetRequiredService<MultiXfer.Server.Admin.AdminApiService>().BoundPort}/");

    /// <summary>The server's account database, for tests that arrange accounts and tokens directly.</summary>
    public MultiXfer.Accounts.AccountDatabase Accounts => _host.Services.GetRequiredService<MultiXfer.Accounts.AccountDatabase>();

    /// <summary>Creates an admin token directly in the store and returns its bearer string.</summary>
    public async Task<string> CreateAdminTokenAsync(MultiXfer.Accounts.TokenScope scope = MultiXfer.Accounts.TokenScope.Admin) =>
        (await Accounts.Admin.CreateTokenAsync("test", scope, null, CancellationToken.None)).Presented;

    /// <summary>Runs the crash-leftover sweep over the data root now (the server runs it at start and hourly).</summary>
    public Task<int> SweepUploadLeftoversAsync() =>
        _host.Services.GetRequiredService<MultiXfer.Fsio.FileSystemProvider>().SweepStaleUploadsAsync(DateTime.UtcNow, CancellationToken.None);

    /// <summary>What the server logged so far (the daily-rolling file sink puts the date in the file name).</summary>
    public string ReadLog()
    {
        var text = new System.Text.StringBuilder();
        foreach (string file in Directory.GetFiles(_root.FullName, "server*.log").Order())
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            text.Append(new StreamReader(stream).ReadToEnd());
        }

        return text.ToString();
    }

    /// <summary>The xferlog's lines so far.</summary>
    public string[] ReadTransferLog() => ReadShared(Path.Combine(_root.FullName, "xferlog")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The audit log's lines so far (the daily-rolling sink puts the date in the file name).</summary>
    public string[] ReadAuditLog() => Directory.GetFiles(_root.FullName, "audit*.json").Order()
        .SelectMany(f => ReadShared(f).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds (the tool logs are written off the session's path).</summary>
    public static async Task<string[]> WaitForLinesAsync(Func<string[]> read, Func<string[], bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var lines = read();
            if (done(lines) || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(50);
        }
    }

    private static string ReadShared(string file)
    {
        if (!File.Exists(file))
        {
            return "";
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>
    /// Waits until the log contains <paramref name="fragment"/>: the effect a test observes (a file removed, a reply
    /// sent) can come just before the line that reports it.
    /// </summary>
    public async Task<string> WaitForLogAsync(string fragment, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            string log = ReadLog();
            if (log.Contains(fragment, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return log;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Stops the server as SIGTERM would (drain, grace period), keeping its files for inspection.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
