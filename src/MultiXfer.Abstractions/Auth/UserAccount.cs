using MultiXfer.Fsio;

namespace MultiXfer.Auth;

/// <summary>An authenticated user: where their root is and what they may do there.</summary>
public sealed record UserAccount
{
    public required string Name { get; init; }

    /// <summary>The user's root, a path inside the storage root (Server:DataRoot). The user sees it as '/'.</summary>
    public required VirtualPath Home { get; init; }

    public bool ReadOnly { get; init; }

    public bool IsAnonymous { get; init; }

    /// <summary>A stored account (not one from configuration): an admin's change to it can end its sessions.</summary>
    public bool FromAccountStore { get; init; }

    public required IReadOnlySet<string> Protocols { get; init; }

    public required PermissionRules Permissions { get; init; }

    /// <summary>SSH public keys in authorized_keys line format, from configuration.</summary>
    public IReadOnlyList<string> AuthorizedKeys { get; init; } = [];

    /// <summary>An OpenSSH authorized_keys file for this user, if configured.</summary>
    public string? AuthorizedKeysFile { get; init; }

    /// <summary>
    /// Principals a user certificate from a trusted CA (Ssh:TrustedUserCAKeys) must name, one of them, to log in as
    /// this user; null: the user name (sshd's AuthorizedPrincipalsFile).
    /// </summary>
    public IReadOnlyList<string>? AuthorizedPrincipals { get; init; }

    /// <summary>
    /// The storage this account lives in: its virtual host's data root. Null: the server's (Server:DataRoot).
    /// </summary>
    public IFileSystemProvider? Storage { get; init; }

    /// <summary>The account's own limits (unset ones come from its virtual host's defaults when a session opens).</summary>
    public MultiXfer.Limits.AccountLimits Limits { get; init; } = new();

    /// <summary>
    /// Which usage (disk, daily transfer, sessions) this account shares: its name, or name@host for a virtual host's
    /// own configured user, whose name may repeat on another host.
    /// </summary>
    public string UsageKey
    {
        get => _usageKey ?? Name;
        init => _usageKey = value;
    }

    private readonly string? _usageKey;

    /// <summary>The account's live usage, attached when a session opens (null before, and in tools without limits).</summary>
    public MultiXfer.Limits.AccountUsage? Usage { get; init; }

    /// <summary>SFTP version and extension overrides for this user, if configured.</summary>
    public MultiXfer.Connections.SftpOverrideOptions? Sftp { get; init; }

    /// <summary>
    /// This account limited to the given protocols, for one login: a certificate's force-command or a key's command=
    /// "internal-sftp" allows SFTP only, whatever else the account may do.
    /// </summary>
    public UserAccount RestrictedTo(IReadOnlySet<string> protocols) =>
        this with { Protocols = Protocols.Intersect(protocols).ToHashSet(StringComparer.Ordinal) };

    /// <summary>Whether the user may use a protocol (<see cref="MultiXfer.Auth.Protocols.Allow"/>).</summary>
    public bool MayUse(string protocol) => MultiXfer.Auth.Protocols.Allow(Protocols, protocol);
}
