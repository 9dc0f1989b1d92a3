namespace MultiXfer.Auth;

/// <summary>The <c>Auth</c> configuration section: login delays and per-address throttling.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Every failed login is answered after this delay, so guessing is slow even on one connection.</summary>
    public int FailureDelayMilliseconds { get; set; } = 1000;

    /// <summary>This many failures from one address within <see cref="FailureWindowSeconds"/> ban that address.</summary>
    public int MaxFailuresPerAddress { get; set; } = 10;

    public int FailureWindowSeconds { get; set; } = 300;

    public int BanSeconds { get; set; } = 900;

    /// <summary>The throttle remembers at most this many addresses, so a spray of sources cannot exhaust memory.</summary>
    public int MaxTrackedAddresses { get; set; } = 65536;

    /// <summary>
    /// Remember successful password checks for this long (keyed by an HMAC under a per-process key), so clients
    /// that log in often do not pay the full PBKDF2 cost each time; 0 turns it off. Wrong passwords always pay it.
    /// </summary>
    public int PasswordCacheSeconds { get; set; } = 300;
}

/// <summary>One entry of the <c>Users</c> section, keyed by user name.</summary>
public sealed class UserOptions
{
    /// <summary>A hash from the hash-password command; empty for a user who logs in with keys only.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>SSH public keys in authorized_keys line format ("ssh-ed25519 AAAA... comment", options allowed).</summary>
    public List<string> AuthorizedKeys { get; set; } = [];

    /// <summary>An OpenSSH authorized_keys file, read again whenever it changes.</summary>
    public string? AuthorizedKeysFile { get; set; }

    /// <summary>
    /// Principals a certificate from a trusted CA (Ssh:TrustedUserCAKeys) must name to log in as this user; unset:
    /// the user name.
    /// </summary>
    public List<string>? AuthorizedPrincipals { get; set; }

    /// <summary>The user's root inside Server:DataRoot; defaults to /NAME.</summary>
    public string? Home { get; set; }

    public bool ReadOnly { get; set; }

    public List<string> Protocols { get; set; } = [.. MultiXfer.Auth.Protocols.All];

    /// <summary>Per-path rules: path to a comma-separated list of permission names ("*" for all).</summary>
    public Dictionary<string, string> Permissions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>SFTP version and extension overrides for this user.</summary>
    public MultiXfer.Connections.SftpOverrideOptions? Sftp { get; set; }

    /// <summary>Quotas, rates and sessions; unset ones come from the virtual host's Limits section.</summary>
    public MultiXfer.Limits.AccountLimits Limits { get; set; } = new();
}
