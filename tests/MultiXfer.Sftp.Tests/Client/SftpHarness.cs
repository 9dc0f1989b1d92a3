using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Sftp;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Engine;

namespace MultiXfer.Sftp.Tests.Client;

/// <summary>
/// A temporary data root on disk with one user ("alice", home /alice) served through the real FSIO provider, so
/// confinement is the kernel's. Beside the data root lies <see cref="Outside"/> with a secret file: nothing a
/// session does may read or change it.
/// </summary>
internal sealed class SftpHarness : IAsyncDisposable
{
    public const string UserName = "alice";
    public const string SecretContent = "outside-the-root-secret";

    private readonly FileSystemProvider _provider;
    private readonly List<SftpTestClient> _clients = [];

    public SftpHarness(bool atomicUploads = true)
    {
        TempRoot = Path.Combine(Path.GetTempPath(), "mx-sftp-" + Guid.NewGuid().ToString("N"));
        DataRoot = Path.Combine(TempRoot, "data");
        UserRoot = Path.Combine(DataRoot, UserName);
        Outside = Path.Combine(TempRoot, "outside");
        Directory.CreateDirectory(UserRoot);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), SecretContent);
        _provider = new FileSystemProvider(new ServerOptions { DataRoot = DataRoot, AtomicUploads = atomicUploads },
            NullLoggerFactory.Instance);
        User = new UserAccount
        {
            Name = UserName,
            Home = VirtualPath.Resolve(VirtualPath.Root, "/" + UserName),
            Protocols = new HashSet<string> { Protocols.Sftp },
            // Everything, links included (they are off by default), so that link confinement is what is tested.
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
        };
    }

    public string TempRoot { get; }

    public string DataRoot { get; }

    /// <summary>The user's root on disk ("/" in the session).</summary>
    public string UserRoot { get; }

    public string Outside { get; }

    public UserAccount User { get; }

    public static SftpPolicy DefaultPolicy => new() { UserName = UserName };

    /// <summary>The host path of a session path.</summary>
    public string Host(string relative) => Path.Combine(UserRoot, relative.TrimStart('/'));

    public void Put(string relative, string content) => File.WriteAllText(Host(relative), content);

    public void Put(string relative, byte[] content) => File.WriteAllBytes(Host(relative), content);

    /// <summary>Starts a session; with <paramref name="version"/> set, INIT is sent and VERSION read.</summary>
    public async Task<SftpTestClient> ConnectAsync(uint? version = 6, SftpPolicy? policy = null, SftpMetrics? metrics = null)
    {
        // No back-pressure inside the test: a test that sends many requests before reading must not deadlock.
        var toServer = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var fromServer = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var files = await _provider.OpenAsync(User, CancellationToken.None);
        var stream = new DuplexStream(toServer.Reader.AsStream(), fromServer.Writer.AsStream());
        var session = new SftpSession(stream, files, policy ?? DefaultPolicy, OwnerNames.System, NullLogger.Instance,
            waitWithoutBuffer: false, metrics: metrics);
        var task = Task.Run(async () =>
        {
            try
            {
                return await session.RunAsync(CancellationToken.None);
            }
            finally
            {
                await files.DisposeAsync();
                await fromServer.Writer.CompleteAsync();
                await toServer.Reader.CompleteAsync();
            }
        });
        var client = new SftpTestClient(toServer, fromServer, task);
        _clients.Add(client);
        if (version is { } v)
        {
            await client.InitAsync(v);
        }

        return client;
    }

    /// <summary>Every entry under the temporary folder but the data root, with content, to compare before and after.</summary>
    public SortedDictionary<string, string> SnapshotOutside()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in Walk(TempRoot))
        {
            if (entry == DataRoot || entry.StartsWith(DataRoot + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var info = new FileInfo(entry);
            result[entry] = info.LinkTarget is { } target ? "link:" + target
                : Directory.Exists(entry) ? "dir:" + File.GetUnixFileMode(entry)
                : File.GetUnixFileMode(entry) + ":" + File.ReadAllText(entry);
        }

        return result;
    }

    /// <summary>Removes a directory tree, unlinking symbolic links rather than following them (tests run as root).</summary>
    public static void DeleteTree(string directory)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
            {
                DeleteTree(entry);
            }
            else
            {
                File.Delete(entry);
            }
        }

        Directory.Delete(directory);
    }

    /// <summary>Every entry below <paramref name="directory"/>, never following a symbolic link.</summary>
    public static IEnumerable<string> Walk(string directory)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            yield return entry;
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
            {
                foreach (string inner in Walk(entry))
                {
                    yield return inner;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        _provider.Dispose();
        try
        {
            DeleteTree(TempRoot);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Each test class instance gets its own harness (xunit creates one instance per test).</summary>
public abstract class SftpTestBase : IAsyncLifetime
{
    private SftpHarness? _harness;

    internal SftpHarness Harness => _harness!;

    public Task InitializeAsync()
    {
        _harness = new SftpHarness();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    internal Task<SftpTestClient> ConnectAsync(uint? version = 6, SftpPolicy? policy = null, SftpMetrics? metrics = null) =>
        Harness.ConnectAsync(version, policy, metrics);
}
