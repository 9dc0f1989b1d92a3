using MultiXfer.Limits;
using MultiXfer.Connections;

namespace MultiXfer.Auth.Accounts;

/// <summary>
/// A stored account: everything a configured user has, plus its lifecycle and limits. This is the data; the
/// protocols see the <see cref="UserAccount"/> built from it where a login needs one (seams §4).
/// </summary>
public sealed record Account
{
    public required string Name { get; init; }

    /// <summary>An encoded hash (<see cref="PasswordHasher"/>); empty for an account that logs in with keys only.</summary>
    public string PasswordHash { get; init; } = "";

    /// <summary>The account's root inside its storage; null: /NAME.</summary>
    public string? Home { get; init; }

    public bool ReadOnly { get; init; }

    public IReadOnlyList<string> Protocols { get; init; } = [.. MultiXfer.Auth.Protocols.All];

    /// <summary>Per-path rules: path to a comma-separated list of permission names, as in configuration.</summary>
    public IReadOnlyDictionary<string, string> Permissions { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>SSH public keys in authorized_keys line format, options allowed.</summary>
    public IReadOnlyList<string> AuthorizedKeys { get; init; } = [];

    public string? AuthorizedKeysFile { get; init; }

    public IReadOnlyList<string>? AuthorizedPrincipals { get; init; }

    public SftpOverrideOptions? Sftp { get; init; }

    /// <summary>The virtual host whose users this account belongs to; null: the default host's.</summary>
    public string? VirtualHost { get; init; }

    /// <summary>A disabled account cannot log in; its live sessions end when it is disabled.</summary>
    public bool Disabled { get; init; }

    /// <summary>From this instant on the account cannot log in.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>CIDR networks logins must come from; empty: anywhere.</summary>
    public IReadOnlyList<string> AllowedNetworks { get; init; } = [];

    public string Description { get; init; } = "";

    public AccountLimits Limits { get; init; } = new();

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? LastLoginAt { get; init; }

    /// <summary>Incremented by every change; the API's ETag, so two admins cannot silently overwrite each other.</summary>
    public long Version { get; init; }

    /// <summary>The same account as configuration would have described it, for validation and the protocol view.</summary>
    public UserOptions ToUserOptions() => new()
    {
        PasswordHash = PasswordHash,
        AuthorizedKeys = [.. AuthorizedKeys],
        AuthorizedKeysFile = AuthorizedKeysFile,
        AuthorizedPrincipals = AuthorizedPrincipals is null ? null : [.. AuthorizedPrincipals],
        Home = Home,
        ReadOnly = ReadOnly,
        Protocols = [.. Protocols],
        Permissions = new Dictionary<string, string>(Permissions, StringComparer.Ordinal),
        Sftp = Sftp,
        Limits = Limits,
    };

    /// <summary>A configured user as an account (the import from a configuration's Users section).</summary>
    public static Account FromUserOptions(string name, UserOptions options) => new()
    {
        Name = name,
        PasswordHash = options.PasswordHash,
        AuthorizedKeys = [.. options.AuthorizedKeys],
        AuthorizedKeysFile = options.AuthorizedKeysFile,
        AuthorizedPrincipals = options.AuthorizedPrincipals,
        Home = options.Home,
        ReadOnly = options.ReadOnly,
        Protocols = [.. options.Protocols],
        Permissions = new Dictionary<string, string>(options.Permissions, StringComparer.Ordinal),
        Sftp = options.Sftp,
        Limits = options.Limits,
    };
}
