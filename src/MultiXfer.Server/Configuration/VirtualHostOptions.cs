using MultiXfer.Auth;
using MultiXfer.Connections;

namespace MultiXfer.Server.Configuration;

/// <summary>
/// One entry of the <c>VirtualHosts</c> section: a site with its own names, greeting, storage, users, certificate,
/// SSH keys and algorithms, and FTP and SFTP settings. Unset members keep the top-level configuration's.
/// </summary>
public sealed class VirtualHostOptions
{
    public const string Section = "VirtualHosts";

    /// <summary>Names (and "*.domain" wildcards) that select it: TLS SNI, FTP HOST, SSH user@name.</summary>
    public List<string> HostNames { get; set; } = [];

    /// <summary>Listeners whose connections start on this host (a listener belongs to at most one).</summary>
    public List<string> Listeners { get; set; } = [];

    /// <summary>The FTP greeting; unset, Server:Banner.</summary>
    public string? Banner { get; set; }

    /// <summary>Root of this host's user homes; unset, Server:DataRoot.</summary>
    public string? DataRoot { get; set; }

    /// <summary>This host's own users (same shape as the top-level Users); unset, it shares the top-level ones.</summary>
    public Dictionary<string, UserOptions>? Users { get; set; }

    /// <summary>The certificate served to clients that name this host (SNI, or FTP HOST before AUTH TLS).</summary>
    public CertificateOptions? Tls { get; set; }

    public VirtualHostSshOptions? Ssh { get; set; }

    public VirtualHostFtpOptions? Ftp { get; set; }

    public SftpOverrideOptions? Sftp { get; set; }

    /// <summary>This host's limits section (account defaults, session and host caps); unset, the top-level Limits.</summary>
    public MultiXfer.Limits.LimitOptions? Limits { get; set; }
}

/// <summary>
/// SSH settings of a virtual host. SSH has no server name before the key exchange, so host keys and algorithms
/// apply on the host's own listeners, and so does the banner (it is sent before any user name, and so before a
/// user@host login, is known).
/// </summary>
public sealed class VirtualHostSshOptions : SshAlgorithmOptions
{
    /// <summary>Host key files for this host's listeners; unset, Ssh:HostKeys.</summary>
    public List<string>? HostKeys { get; set; }

    /// <summary>Certificates for this host's own host keys (see Ssh:HostCertificates); used only with <see cref="HostKeys"/>.</summary>
    public List<string> HostCertificates { get; set; } = [];

    /// <summary>Pre-authentication banner; unset, Ssh:Banner.</summary>
    public string? Banner { get; set; }
}

/// <summary>FTP settings of a virtual host.</summary>
public sealed class VirtualHostFtpOptions
{
    public bool? AllowAnonymous { get; set; }

    public string? AnonymousRoot { get; set; }

    /// <summary>The address PASV advertises for this host (its public address behind NAT).</summary>
    public string? PassiveAddress { get; set; }
}
