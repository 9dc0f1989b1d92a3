namespace MultiXfer.Connections;

/// <summary>The <c>Server</c> configuration section: settings every protocol shares.</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>
    /// The directory relative paths in the configuration resolve against (data, keys, state, certificates, logs).
    /// Unset: the directory of the --config file, or the working directory when the embedded default is used.
    /// </summary>
    public string PathBase { get; set; } = "";

    /// <summary>Root of all user homes; a relative path resolves against <see cref="PathBase"/>.</summary>
    public string DataRoot { get; set; } = "./data";

    /// <summary>"local" (disk under DataRoot) or "memory" (nothing persists; for trials and tests).</summary>
    public string Storage { get; set; } = "local";

    public string Banner { get; set; } = "MultiXfer ready";

    public int MaxConnections { get; set; } = 1000;

    public int MaxConnectionsPerIp { get; set; } = 100;

    /// <summary>Connections that have not logged in yet, in total (each protocol's costly login work happens in these).</summary>
    public int MaxUnauthenticated { get; set; } = 256;

    /// <summary>Connections from one address (IPv6: prefix) that have not logged in yet (OpenSSH's PerSourceMaxStartups).</summary>
    public int MaxUnauthenticatedPerIp { get; set; } = 10;

    /// <summary>Connections over the limits above wait, accepted and unanswered, up to this many in total...</summary>
    public int MaxQueued { get; set; } = 4096;

    /// <summary>...and this many per address; beyond that they are refused.</summary>
    public int MaxQueuedPerIp { get; set; } = 256;

    /// <summary>How long a connection may wait for a slot before it is refused.</summary>
    public int QueueTimeoutSeconds { get; set; } = 30;

    /// <summary>IPv6 clients are counted per prefix of this length for limits and throttling (see ClientNetwork).</summary>
    public int Ipv6PrefixLength { get; set; } = 64;

    public int IdleTimeoutSeconds { get; set; } = 600;

    public int LoginTimeoutSeconds { get; set; } = 60;

    /// <summary>On SIGTERM, how long transfers in flight may run before connections are closed.</summary>
    public int ShutdownGraceSeconds { get; set; } = 30;

    /// <summary>Uploads replacing a whole file go to a hidden temporary name and are renamed into place on success.</summary>
    public bool AtomicUploads { get; set; } = true;

    /// <summary>
    /// Flush a crash-safe upload to disk before it replaces the target, so a power loss cannot leave an empty or
    /// partial file under the final name. Off by default: it costs upload throughput, and process crashes and
    /// dropped connections are covered without it.
    /// </summary>
    public bool FsyncUploads { get; set; }

    /// <summary>
    /// The sweep (at start and hourly) removes every hidden upload temporary no upload holds locked, whatever its age;
    /// on storage that cannot lock files, only those not written to for this long. 0 turns the sweep off. Keep it
    /// well above Ftp:DataStallTimeoutSeconds.
    /// </summary>
    public int StaleUploadMinutes { get; set; } = 60;

    /// <summary>Directory for host keys and the TLS certificate: generated here on first start when absent.</summary>
    public string KeysDirectory { get; set; } = "./keys";

    /// <summary>
    /// The server's own data: the embedded account database and the first start's state. Beside the data root,
    /// never inside it, so no user's root can reach it.
    /// </summary>
    public string StateDirectory { get; set; } = "./state";
}

/// <summary>One entry of the <c>Listeners</c> section, keyed by name.</summary>
public sealed class ListenerOptions
{
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; }

    /// <summary>"ftp", "ftps-implicit", "ssh", or "auto": each connection goes to the protocol its first bytes show.</summary>
    public string Protocol { get; set; } = "";

    /// <summary>"auto" listeners: the protocols detection may route to; unset, all of them.</summary>
    public List<string>? Protocols { get; set; }

    /// <summary>
    /// "auto": a client silent this long is an FTP client waiting for the greeting (RFC 959 §5.4). With an optional
    /// PROXY policy, also how long a trusted peer may stay silent before it counts as a direct client.
    /// </summary>
    public int DetectionSilenceMilliseconds { get; set; } = 300;

    /// <summary>"auto": a client whose first bytes do not settle the protocol within this is closed; on any listener,
    /// also the time a trusted proxy has for its PROXY header.</summary>
    public int DetectionTimeoutMilliseconds { get; set; } = 3000;

    /// <summary>"off", "optional" (trusted proxies may send a PROXY header) or "required" (only trusted proxies, each with one).</summary>
    public string ProxyProtocol { get; set; } = "off";

    /// <summary>Networks (CIDR, or single addresses) whose PROXY headers are believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>FTP: USER/PASS only after AUTH TLS (implicit FTPS listeners always are).</summary>
    public bool RequireTlsForLogin { get; set; }

    /// <summary>FTP: data connections only with PROT P.</summary>
    public bool RequireTlsForData { get; set; }

    /// <summary>SSH listeners: algorithm lists that replace the global <c>Ssh</c> ones for this listener.</summary>
    public SshAlgorithmOptions? Ssh { get; set; }

    /// <summary>For "ssh" listeners: SFTP version and extensions for connections on this listener.</summary>
    public SftpOverrideOptions? Sftp { get; set; }

    /// <summary>Every protocol an "auto" listener can detect.</summary>
    public static readonly IReadOnlyList<string> DetectableProtocols = ["ftp", "ftps-implicit", "ssh"];

    /// <summary>The protocols connections on this listener may speak.</summary>
    public IReadOnlyList<string> ServedProtocols() =>
        Protocol == "auto" ? Protocols ?? (IReadOnlyList<string>)DetectableProtocols : [Protocol];

    public bool Serves(string protocol) => ServedProtocols().Contains(protocol);
}
