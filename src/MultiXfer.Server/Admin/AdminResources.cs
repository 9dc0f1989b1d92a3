using MultiXfer.Limits;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;
using MultiXfer.Connections;
using MultiXfer.Ssh;

namespace MultiXfer.Server.Admin;

/// <summary>
/// An account as a client sends it: to create one (with a password or an imported hash) or to replace one (PUT,
/// with If-Match). Unknown fields are refused, so a typo cannot silently leave a setting out.
/// </summary>
public sealed class AccountSpec
{
    public string? Name { get; set; }

    /// <summary>Plain text, only on creation over TLS or loopback; hashed on receipt, never stored or logged.</summary>
    public string? Password { get; set; }

    /// <summary>A hash made elsewhere (hash-password, an import): kept as it is, upgraded at the next login.</summary>
    public string? PasswordHash { get; set; }

    public string? Home { get; set; }

    public bool ReadOnly { get; set; }

    public List<string>? Protocols { get; set; }

    public Dictionary<string, string>? Permissions { get; set; }

    public List<string>? AuthorizedKeys { get; set; }

    public string? AuthorizedKeysFile { get; set; }

    public List<string>? AuthorizedPrincipals { get; set; }

    public SftpOverrideOptions? Sftp { get; set; }

    public string? VirtualHost { get; set; }

    public bool Disabled { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public List<string>? AllowedNetworks { get; set; }

    public string? Description { get; set; }

    public AccountLimits? Limits { get; set; }

    /// <summary>The spec that recreates <paramref name="a"/>, its name and hash included: for imports.</summary>
    public static AccountSpec From(Account a)
    {
        var spec = From(AccountResource.From(a));
        spec.Name = a.Name;
        spec.PasswordHash = a.PasswordHash.Length == 0 ? null : a.PasswordHash;
        return spec;
    }

    /// <summary>The spec a PUT sends back for an account read from the API (keys as their lines).</summary>
    public static AccountSpec From(AccountResource a) => new()
    {
        Home = a.Home,
        ReadOnly = a.ReadOnly,
        Protocols = [.. a.Protocols],
        Permissions = new Dictionary<string, string>(a.Permissions, StringComparer.Ordinal),
        AuthorizedKeys = [.. a.AuthorizedKeys.Select(k => k.Line)],
        AuthorizedKeysFile = a.AuthorizedKeysFile,
        AuthorizedPrincipals = a.AuthorizedPrincipals is null ? null : [.. a.AuthorizedPrincipals],
        Sftp = a.Sftp,
        VirtualHost = a.VirtualHost,
        Disabled = a.Disabled,
        ExpiresAt = a.ExpiresAt,
        AllowedNetworks = [.. a.AllowedNetworks],
        Description = a.Description,
        Limits = a.Limits,
    };

    /// <summary>The account this spec describes, keeping what a spec does not carry (the hash) from <paramref name="current"/>.</summary>
    public Account ToAccount(string name, Account? current) => new()
    {
        Name = name,
        PasswordHash = current?.PasswordHash ?? PasswordHash ?? "",
        Home = Home,
        ReadOnly = ReadOnly,
        Protocols = Protocols ?? [.. MultiXfer.Auth.Protocols.All],
        Permissions = Permissions ?? new Dictionary<string, string>(StringComparer.Ordinal),
        AuthorizedKeys = AuthorizedKeys ?? [],
        AuthorizedKeysFile = AuthorizedKeysFile,
        AuthorizedPrincipals = AuthorizedPrincipals,
        Sftp = Sftp,
        VirtualHost = string.IsNullOrEmpty(VirtualHost) ? null : VirtualHost,
        Disabled = Disabled,
        ExpiresAt = ExpiresAt,
        AllowedNetworks = AllowedNetworks ?? [],
        Description = Description ?? "",
        Limits = Limits ?? new AccountLimits(),
    };
}

public sealed record PasswordChange(string Password);

public sealed record KeyAddition(string Key);

public sealed record TokenCreation(string Name, string Scope, DateTimeOffset? ExpiresAt);

/// <summary>An account as the API returns it: never the hash, only which scheme it is in.</summary>
public sealed record AccountResource(
    string Name, bool HasPassword, string? PasswordScheme, string? Home, bool ReadOnly, IReadOnlyList<string> Protocols,
    IReadOnlyDictionary<string, string> Permissions, IReadOnlyList<AuthorizedKeyDescription> AuthorizedKeys, string? AuthorizedKeysFile,
    IReadOnlyList<string>? AuthorizedPrincipals, SftpOverrideOptions? Sftp, string? VirtualHost, bool Disabled, DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> AllowedNetworks, string Description, AccountLimits Limits, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? LastLoginAt, long Version)
{
    /// <param name="minimumRsaBits">Keys' problems are judged by this; unset, keys are only described.</param>
    public static AccountResource From(Account a, int? minimumRsaBits = null) => new(
        a.Name, a.PasswordHash.Length > 0,
        MultiXfer.Auth.PasswordHasher.TryParse(a.PasswordHash, out var stored, out _) ? stored!.Scheme : null,
        a.Home, a.ReadOnly, a.Protocols, a.Permissions, [.. a.AuthorizedKeys.Select(k => minimumRsaBits is { } bits ? SshServer.DescribeAuthorizedKeyLine(k, bits) : SshServer.DescribeAuthorizedKeyLine(k))],
        a.AuthorizedKeysFile, a.AuthorizedPrincipals, a.Sftp, a.VirtualHost, a.Disabled, a.ExpiresAt, a.AllowedNetworks, a.Description,
        a.Limits, a.CreatedAt, a.UpdatedAt, a.LastLoginAt, a.Version);
}

public sealed record AccountList(IReadOnlyList<AccountResource> Accounts, string? Next);

public sealed record TransferResource(string Operation, string Path, bool Upload, DateTimeOffset StartedAt, long Bytes);

public sealed record SessionResource(string Id, string? User, string ClientAddress, string? Protocol, string? VirtualHost, string Listener,
    DateTimeOffset ConnectedAt, DateTimeOffset? LoggedInAt, long BytesReceived, long BytesSent, TransferResource? CurrentTransfer);

public sealed record SessionsEnded(int Ended);

/// <summary>A session on any gateway of the cluster, as the shared registry lists it.</summary>
public sealed record ClusterSessionResource(string Node, string Id, string User, string Protocol, string ClientAddress, string? VirtualHost,
    DateTimeOffset LoggedInAt)
{
    public static ClusterSessionResource From(MultiXfer.Limits.ClusterSession s) => new(s.Node, s.Id, s.Account, s.Protocol, s.Client,
        s.VirtualHost == "default" ? null : s.VirtualHost, s.StartedAt);
}

public sealed record TokenResource(string Id, string Name, string Scope, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static TokenResource From(AdminToken t) =>
        new(t.Id, t.Name, SqlAdminStore.ScopeName(t.Scope), t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}

/// <summary>A new token: the only time its secret is shown.</summary>
public sealed record CreatedToken(TokenResource Token, string Secret);

public sealed record ServerStatus(string Version, DateTimeOffset StartedAt, int Connections, int Sessions, string AccountsProvider,
    long StoredAccounts, int SchemaVersion);

public sealed record HostKeyResource(string Site, string Algorithm, string Fingerprint, string? Certificate, string State);

/// <summary>A rotation step for the host key of one type on one site ("default" unless named).</summary>
public sealed record HostKeyRotation(string Type, string? Site);

public sealed record CertificateResource(string Name, string Subject, string Thumbprint, DateTimeOffset NotAfter);

/// <summary>What /healthz and /readyz answer: "alive", "ready" or "not_ready", and each readiness check.</summary>
public sealed record HealthReport(string Status, List<HealthCheckResource> Checks);

public sealed record HealthCheckResource(string Name, bool Ok, string Detail);

public sealed record AuditResource(DateTimeOffset At, string Actor, string ClientAddress, string Action, string Target, string Detail);

public sealed record ReloadResult(string Outcome);

/// <summary>An account's usage against the limits in force (its own, its host's defaults filling the gaps).</summary>
public sealed record UsageResource(string Account, long UsedBytes, long UsedFiles, long UploadedToday, long DownloadedToday, int Sessions,
    DateTimeOffset? ScannedAt, MultiXfer.Limits.AccountLimits Limits)
{
    public static UsageResource From(string name, MultiXfer.Limits.UsageSnapshot u) =>
        new(name, u.UsedBytes, u.UsedFiles, u.UploadedToday, u.DownloadedToday, u.Sessions, u.ScannedAt, u.Limits);
}

/// <summary>
/// The API's JSON, generated at build time: web defaults (camelCase), and unknown members in a request refused
/// (RFC 9457 problem details then name the field).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never, UseStringEnumConverter = true)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(AccountSpec))]
[JsonSerializable(typeof(PasswordChange))]
[JsonSerializable(typeof(KeyAddition))]
[JsonSerializable(typeof(TokenCreation))]
[JsonSerializable(typeof(AccountResource))]
[JsonSerializable(typeof(AccountList))]
[JsonSerializable(typeof(List<AuthorizedKeyDescription>))]
[JsonSerializable(typeof(List<SessionResource>))]
[JsonSerializable(typeof(SessionsEnded))]
[JsonSerializable(typeof(List<ClusterSessionResource>))]
[JsonSerializable(typeof(List<TokenResource>))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(ServerStatus))]
[JsonSerializable(typeof(List<HostKeyResource>))]
[JsonSerializable(typeof(HostKeyRotation))]
[JsonSerializable(typeof(List<CertificateResource>))]
[JsonSerializable(typeof(List<AuditResource>))]
[JsonSerializable(typeof(ReloadResult))]
[JsonSerializable(typeof(UsageResource))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
public sealed partial class AdminJson : JsonSerializerContext;
