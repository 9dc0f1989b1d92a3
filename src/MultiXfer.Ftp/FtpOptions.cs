namespace MultiXfer.Ftp;

/// <summary>The <c>Ftp</c> configuration section.</summary>
public sealed class FtpOptions
{
    public const string Section = "Ftp";

    /// <summary>Ports for passive data connections, "FIRST-LAST"; empty lets the system pick any free port.</summary>
    public string PassivePorts { get; set; } = "50000-50199";

    /// <summary>The address advertised in PASV replies (NAT, containers); empty uses the control connection's.</summary>
    public string PassiveAddress { get; set; } = "";

    /// <summary>PORT/EPRT; they only ever connect back to the control connection's client, on ports >= 1024.</summary>
    public bool AllowActive { get; set; } = true;

    public bool AllowAnonymous { get; set; }

    /// <summary>Root of anonymous users inside Server:DataRoot; read-only.</summary>
    public string AnonymousRoot { get; set; } = "/pub";

    /// <summary>
    /// CCC (RFC 4217 section 6): let a client drop TLS on the control connection after login, for NAT devices
    /// that must read PORT commands. Off: it exposes the rest of the session.
    /// </summary>
    public bool AllowCcc { get; set; }

    /// <summary>
    /// Over TLS, commit an upload only when the client ended it with close_notify: without it, the end of the data
    /// cannot be told from a connection cut by someone on the path (vsftpd's strict_ssl_read_eof). Turn off only
    /// for clients that close TLS data connections abruptly.
    /// </summary>
    public bool TlsUploadsRequireCloseNotify { get; set; } = true;

    /// <summary>Passive ports one client (IPv6: one prefix) may hold at once; each PASV/EPSV holds one until used.</summary>
    public int MaxPassivePortsPerClient { get; set; } = 20;

    /// <summary>
    /// How long to wait for a data connection to be opened (passive accept or active connect); also how long an
    /// unused PASV/EPSV port stays open.
    /// </summary>
    public int DataConnectTimeoutSeconds { get; set; } = 15;

    /// <summary>A transfer that moves no byte for this long is aborted.</summary>
    public int DataStallTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// A client that has not read a reply within this time is gone or hostile: the connection is dropped (the
    /// login and idle timers only run while the server waits for a command, not while it waits to write).
    /// </summary>
    public int ReplyTimeoutSeconds { get; set; } = 60;

    /// <summary>Unknown or refused commands tolerated before login; then the connection is closed.</summary>
    public int MaxBadCommandsBeforeLogin { get; set; } = 10;

    /// <summary>
    /// HASH and X* checksums computed at once across the server; one more is refused with 450 (a transient reply the
    /// client may retry), so checksum requests cannot take every core and every disk read.
    /// </summary>
    public int MaxConcurrentChecksums { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Digests kept to answer a repeated HASH or X* of an unchanged file without reading it again.</summary>
    public FtpDigestCacheOptions DigestCache { get; set; } = new();

    /// <summary>MODE Z: compressed data connections.</summary>
    public FtpModeZOptions ModeZ { get; set; } = new();
}

/// <summary>The <c>Ftp:DigestCache</c> section, ProFTPD's <c>DigestCache</c> with its defaults.</summary>
public sealed class FtpDigestCacheOptions
{
    /// <summary>Digests kept across the server, the oldest given up first; 0 turns the cache off.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>How long a digest is answered from the cache, however unchanged its file looks.</summary>
    public int MaxAgeSeconds { get; set; } = 30;
}

/// <summary>The <c>Ftp:ModeZ</c> section: MODE Z (draft-preston-ftpext-deflate), zlib streams on data connections.</summary>
public sealed class FtpModeZOptions
{
    /// <summary>
    /// Offer MODE Z (and announce it in FEAT). Off by default, as ProFTPD's DeflateEngine: lftp switches to MODE Z by
    /// itself whenever FEAT lists it, and compressing text at level 6 runs at about 120 MB/s of a core, where MODE S
    /// moves gigabytes a second. Off: MODE Z gets 504, as any unsupported mode.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>zlib's level for downloads and listings until OPTS MODE Z LEVEL changes it (0 stores, 9 is smallest).</summary>
    public int DefaultLevel { get; set; } = 6;

    /// <summary>
    /// A compressed upload whose data grows more than this many times (once past 1 MiB) is refused with 552 and not
    /// stored: a decompression bomb costs little to send and much to write. Text compresses 3-20 times, zlib can
    /// reach about 1,000. 0: no limit (the account's quota still holds).
    /// </summary>
    public int MaxRatio { get; set; } = 200;

    /// <summary>The most bytes one compressed upload may decompress to; 0: no limit beyond the quota.</summary>
    public long MaxInflatedBytes { get; set; }
}
