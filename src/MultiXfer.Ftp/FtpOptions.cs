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
}
