using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Scp;
using MultiXfer.Sftp;
using MultiXfer.Ssh;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.HostKeys;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// What the SSH harnesses share for the life of the process: options with every implemented algorithm enabled (so an
/// input can negotiate any of them), the fixed host keys, and the HostKeyManager the SshServer constructor wants
/// (its store is not what sessions use: a session is given <see cref="HostKeys"/> directly, as the listener does).
/// </summary>
internal static class SshFixture
{
    public static SshOptions Options { get; } = new()
    {
        KexAlgorithms = [.. SshAlgorithms.KeyExchanges.Select(k => k.Name)],
        HostKeyAlgorithms = ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        Ciphers = [.. SshAlgorithms.Ciphers.Select(c => c.Name)],
        Macs = [.. SshAlgorithms.Macs.Select(m => m.Name)],
        Compression = [.. SshAlgorithms.Compressions],
        Banner = "MultiXfer fuzz banner",
        EchoSubsystem = true,
        MaxChannelsPerConnection = 4,
    };

    public static AlgorithmPolicy Policy { get; } = ResolvePolicy();

    public static HostKeyStore HostKeys { get; } = CreateHostKeyStore();

    private static readonly Lazy<HostKeyManager> Manager = new(CreateManager);

    /// <summary>A server for one run: its own application registry and loggers, over memory storage.</summary>
    public static SshServer CreateServer(TripwireLoggerFactory logs, IFileSystemProvider files)
    {
        var applications = new SshApplicationRegistry();
        applications.AddSubsystem(SftpSubsystem.Name, Protocols.Sftp,
            new SftpSubsystem(new SftpOptions(), new Dictionary<string, SftpOverrideOptions>(), files, logs));
        applications.AddCommand(ScpApplication.Program, Protocols.Scp, new ScpApplication(files, logs));
        return new SshServer(Options, new ServerOptions { IdleTimeoutSeconds = 60 }, new Dictionary<string, ListenerOptions>(),
            Manager.Value, new Dictionary<string, HostKeyManager>(), applications, TimeProvider.System, logs);
    }

    private static AlgorithmPolicy ResolvePolicy()
    {
        var problems = new List<string>();
        var policy = AlgorithmPolicy.Resolve(Options, null, SshOptions.Section, problems);
        return problems.Count == 0 ? policy : throw new InvalidOperationException(string.Join("; ", problems));
    }

    private static HostKeyStore CreateHostKeyStore()
    {
        var store = new HostKeyStore();
        store.Replace(new HostKeySet(FuzzKeys.Hosts, []));
        return store;
    }

    private static HostKeyManager CreateManager()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"multixfer-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        string file = Path.Combine(directory, "host_ed25519");
        File.WriteAllText(file, FuzzKeys.Text("host_ed25519"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var options = new SshOptions { HostKeys = [file] };
        var manager = HostKeyManager.Create(options, directory, new Dictionary<string, ListenerOptions>(), NullLogger.Instance);
        return manager.LoadAtStart(directory) is { } problem ? throw new InvalidOperationException(problem) : manager;
    }
}
