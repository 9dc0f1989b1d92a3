using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.UserAuth;

namespace MultiXfer.Ssh;

/// <summary>
/// The SSH service as the host composes it: host keys, the shared authenticator, the application registry, and
/// one connection handler per SSH listener with that listener's algorithms.
/// </summary>
public sealed class SshServer
{
    private readonly Dictionary<string, AlgorithmPolicy> _policies;
    private readonly IReadOnlyDictionary<string, HostKeyManager> _listenerHostKeys;

    /// <param name="listenerHostKeys">Listeners with host keys of their own (a virtual host's); the others use
    /// <paramref name="hostKeys"/>.</param>
    /// <param name="metrics">Where key exchanges and disconnects are counted; null: nowhere.</param>
    public SshServer(SshOptions options, ServerOptions server, IReadOnlyDictionary<string, ListenerOptions> sshListeners,
        HostKeyManager hostKeys, IReadOnlyDictionary<string, HostKeyManager> listenerHostKeys, SshApplicationRegistry applications,
        TimeProvider time, ILoggerFactory loggers, SshMetrics? metrics = null)
    {
        Options = options;
        Metrics = metrics;
        _listenerHostKeys = listenerHostKeys;
        Applications = applications;
        Time = time;
        Loggers = loggers;
        SessionLogger = loggers.CreateLogger("MultiXfer.Ssh");
        IdleTimeoutSeconds = server.IdleTimeoutSeconds;
        _policies = sshListeners.ToDictionary(l => l.Key, l => AlgorithmPolicy.Resolve(options, l.Value.Ssh, $"Listeners:{l.Key}:Ssh", []),
            StringComparer.OrdinalIgnoreCase);
        HostKeyStore = hostKeys.Store;
        KeyPolicy = new UserKeyPolicy(options, time, loggers.CreateLogger("MultiXfer.Ssh.Auth"));
        if (options.EchoSubsystem)
        {
            applications.AddSubsystem(EchoSubsystem.Name, Protocols.Ssh, new EchoSubsystem());
        }
    }

    public SshOptions Options { get; }

    internal SshApplicationRegistry Applications { get; }

    internal TimeProvider Time { get; }

    internal SshMetrics? Metrics { get; }

    /// <summary>Server:IdleTimeoutSeconds: an authenticated connection that sends nothing for this long is closed.</summary>
    internal int IdleTimeoutSeconds { get; }

    internal ILoggerFactory Loggers { get; }

    /// <summary>The sessions' logger, made once (a Serilog-backed factory builds a new one on every call).</summary>
    internal ILogger SessionLogger { get; }

    internal HostKeyStore HostKeyStore { get; }

    internal UserKeyPolicy KeyPolicy { get; }

    /// <summary>
    /// Checks the Ssh section and every SSH listener's overrides; each problem names its configuration key.
    /// </summary>
    public static List<string> Validate(SshOptions options, IReadOnlyDictionary<string, ListenerOptions> sshListeners)
    {
        var problems = new List<string>();
        AlgorithmPolicy.Resolve(options, null, SshOptions.Section, problems);
        foreach (var (name, listener) in sshListeners)
        {
            if (listener.Ssh is not null)
            {
                AlgorithmPolicy.Resolve(options, listener.Ssh, $"Listeners:{name}:Ssh", problems);
            }
        }

        Require(options.LoginGraceSeconds is >= 1 and <= 3600, "LoginGraceSeconds", "must be 1-3600");
        Require(options.IdentificationTimeoutSeconds is >= 1 and <= 600, "IdentificationTimeoutSeconds", "must be 1-600");
        Require(options.MaxAuthTries is >= 1 and <= 100, "MaxAuthTries", "must be 1-100");
        Require(options.MaxChannelsPerConnection is >= 1 and <= 1000, "MaxChannelsPerConnection", "must be 1-1000");
        Require(options.RekeyLimitBytes >= 1024 * 1024, "RekeyLimitBytes", "must be at least 1 MiB");
        Require(options.RekeyIntervalSeconds >= 0, "RekeyIntervalSeconds", "must not be negative (0: no time limit)");
        Require(options.MinimumRsaKeyBits is >= 1024 and <= 16384, "MinimumRsaKeyBits", "must be 1024-16384");
        Require(options.Banner.Length <= 4096, "Banner", "must be at most 4096 characters");
        Require(options.HostKeys is null || options.HostKeys.Count > 0, "HostKeys", "must list at least one file (or be left out for the defaults)");
        problems.AddRange(UserKeyPolicy.Validate(options));
        foreach (string algorithm in options.CASignatureAlgorithms ?? [])
        {
            Require(SshAlgorithms.SignatureAlgorithms.Contains(algorithm), "CASignatureAlgorithms",
                $"unknown signature algorithm '{algorithm}' (known: {string.Join(", ", SshAlgorithms.SignatureAlgorithms)})");
        }

        Require(options.CASignatureAlgorithms is null || options.CASignatureAlgorithms.Count > 0, "CASignatureAlgorithms", "must name at least one algorithm");
        return problems;

        void Require(bool condition, string key, string message)
        {
            if (!condition)
            {
                problems.Add($"{SshOptions.Section}:{key}: {message}");
            }
        }
    }

    /// <summary>Why an authorized_keys line from configuration cannot be used, or null when it can.</summary>
    public static string? CheckAuthorizedKeyLine(string line, int minimumRsaBits)
    {
        var result = Keys.AuthorizedKeys.Parse(line, minimumRsaBits);
        return result.Problems.Count > 0 ? result.Problems[0].Reason : result.Keys.Count == 0 ? "no key on the line" : null;
    }

    /// <summary>
    /// An authorized_keys line as the admin API lists it (type, SHA256 fingerprint, comment), or the reason it
    /// cannot be used. Without <paramref name="minimumRsaBits"/>, any RSA size a key may have is described (to name
    /// a key, not to accept it).
    /// </summary>
    public static AuthorizedKeyDescription DescribeAuthorizedKeyLine(string line, int minimumRsaBits = Keys.SshPublicKey.LowestMinimumRsaBits) =>
        Keys.AuthorizedKeys.TryParseLine(line, minimumRsaBits, out var key, out string problem)
            ? new AuthorizedKeyDescription(line.Trim(), key.Key.KeyType, key.Key.Fingerprint, key.Comment, null)
            : new AuthorizedKeyDescription(line.Trim(), "", "", "", problem);

    public IConnectionHandler CreateHandler(string listenerName) => new SshConnectionHandler(this, _policies[listenerName],
        _listenerHostKeys.TryGetValue(listenerName, out var own) ? own.Store : HostKeyStore);

    /// <summary>Problems with a set of algorithm lists (a virtual host's), each named under <paramref name="key"/>.</summary>
    public static List<string> ValidateAlgorithms(SshOptions options, SshAlgorithmOptions algorithms, string key)
    {
        var problems = new List<string>();
        AlgorithmPolicy.Resolve(options, algorithms, key, problems);
        return problems;
    }
}

/// <summary>One authorized key as people identify it; <see cref="Problem"/> is set when the line is not usable.</summary>
public sealed record AuthorizedKeyDescription(string Line, string Type, string Fingerprint, string Comment, string? Problem);
