using MultiXfer.Connections;

namespace MultiXfer.Ssh;

/// <summary>The <c>Ssh</c> configuration section: algorithms (see <see cref="SshAlgorithmOptions"/>), host keys and limits.</summary>
public sealed class SshOptions : SshAlgorithmOptions
{
    public const string Section = "Ssh";

    /// <summary>These settings with other host key files and their certificates (a virtual host's).</summary>
    public SshOptions WithHostKeys(List<string> hostKeys, List<string> hostCertificates)
    {
        var copy = (SshOptions)MemberwiseClone();
        copy.HostKeys = hostKeys;
        copy.HostCertificates = hostCertificates;
        return copy;
    }

    /// <summary>
    /// Host key files (OpenSSH or PEM private keys). Unset: ssh_host_ed25519_key and ssh_host_rsa_key in
    /// Server:KeysDirectory (plus ssh_host_ecdsa_key when ECDSA host keys are enabled), generated on first start.
    /// </summary>
    public List<string>? HostKeys { get; set; }

    /// <summary>
    /// OpenSSH host certificates (ssh-keygen -s CA -h ... writes KEY-cert.pub), each certifying one of the host keys;
    /// served under the *-cert-v01@openssh.com host key algorithms and reloaded with the host keys.
    /// </summary>
    public List<string> HostCertificates { get; set; } = [];

    /// <summary>
    /// CA public keys (authorized_keys format, no options) whose user certificates log in as any user the certificate
    /// names as a principal (see Users:NAME:AuthorizedPrincipals); sshd's TrustedUserCAKeys.
    /// </summary>
    public List<string> TrustedUserCAKeys { get; set; } = [];

    /// <summary>
    /// Signature algorithms a CA may sign certificates with, user and host (sshd's CASignatureAlgorithms). Unset:
    /// OpenSSH's default, every user signature algorithm but SHA-1 "ssh-rsa", which can be added for an old CA.
    /// </summary>
    public List<string>? CASignatureAlgorithms { get; set; }

    /// <summary>The CA signature algorithms in force.</summary>
    internal IReadOnlySet<string> CaSignatureAlgorithmSet => (CASignatureAlgorithms ?? [.. Algorithms.SshAlgorithms.UserSignatureAlgorithms]).ToHashSet();

    /// <summary>A file of CA keys as in <see cref="TrustedUserCAKeys"/>, read again whenever it changes.</summary>
    public string? TrustedUserCAKeysFile { get; set; }

    /// <summary>
    /// Revoked keys and certificates: an OpenSSH KRL (ssh-keygen -k) or a text file of public keys, read again whenever
    /// it changes. While it is missing or unreadable no public key or certificate logs in (sshd's RevokedKeys).
    /// </summary>
    public string? RevokedKeysFile { get; set; }

    /// <summary>From TCP accept to successful authentication (OpenSSH LoginGraceTime).</summary>
    public int LoginGraceSeconds { get; set; } = 120;

    /// <summary>The client's identification line must arrive within this time.</summary>
    public int IdentificationTimeoutSeconds { get; set; } = 30;

    /// <summary>Failed authentication attempts per connection before it is closed (OpenSSH MaxAuthTries).</summary>
    public int MaxAuthTries { get; set; } = 6;

    /// <summary>Text shown before authentication (SSH_MSG_USERAUTH_BANNER); empty for none.</summary>
    public string Banner { get; set; } = "";

    /// <summary>
    /// Logins as "user@host" pick the virtual host named after the last '@' (SSH carries no server name of its
    /// own). Off by default: with it on, user names containing '@' followed by a host name cannot log in as such.
    /// </summary>
    public bool VirtualHostLogins { get; set; }

    /// <summary>Session channels one connection may have open at once (OpenSSH MaxSessions).</summary>
    public int MaxChannelsPerConnection { get; set; } = 10;

    /// <summary>Keys are renewed after this many bytes in either direction (RFC 4253 §9 recommends 1 GB).</summary>
    public long RekeyLimitBytes { get; set; } = 1L << 30;

    /// <summary>Keys are renewed after this long (RFC 4253 §9 recommends an hour); 0 for no time limit.</summary>
    public int RekeyIntervalSeconds { get; set; } = 3600;

    /// <summary>Offer the "multixfer-echo" test subsystem, which returns what it receives (for tests and benchmarks).</summary>
    public bool EchoSubsystem { get; set; }

    /// <summary>RSA keys below this size are refused, for users and host keys alike.</summary>
    public int MinimumRsaKeyBits { get; set; } = 2048;
}
