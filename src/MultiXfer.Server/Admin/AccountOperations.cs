using MultiXfer.Accounts;
using MultiXfer.Auth;
using MultiXfer.Auth.Accounts;
using MultiXfer.Ssh;

namespace MultiXfer.Server.Admin;

/// <summary>Why an operation on accounts did not happen, in terms both the API (status codes) and the CLI can say.</summary>
public sealed record OperationError(OperationErrorKind Kind, string Message, IReadOnlyDictionary<string, string[]>? Fields = null);

public enum OperationErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    VersionMismatch,
    ReadOnlyProvider,
}

public readonly record struct Outcome<T>(T? Value, OperationError? Error)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(OperationError error) => new(default, error);
}

/// <summary>Who is making a change, for the audit log: a token id (API) or "cli" (the offline command line).</summary>
public readonly record struct Actor(string Id, string ClientAddress);

/// <summary>
/// Every change to accounts, validated the same way and audited the same way whether it comes through the admin
/// API or the offline command line. Plain passwords are hashed here and go no further.
/// </summary>
public sealed class AccountOperations(
    AccountDatabase database,
    Func<string, bool> isConfiguredUser,
    Func<string, bool> virtualHostExists,
    int minimumRsaBits,
    TimeProvider time,
    Action<string, Account?>? accountChanged = null,
    Microsoft.Extensions.Logging.ILogger? auditLog = null)
{
    public AccountDatabase Database => database;

    public int MinimumRsaBits => minimumRsaBits;

    public async Task<Outcome<Account>> CreateAsync(AccountSpec spec, Actor actor, CancellationToken cancellationToken)
    {
        if (ReadOnlyProvider() is { } readOnly)
        {
            return readOnly;
        }

        string name = spec.Name ?? "";
        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (spec.Password is not null && spec.PasswordHash is not null)
        {
            fields["password"] = ["give a password or a passwordHash, not both"];
        }

        if (spec.Password is { } password && (password.Length == 0 || !PasswordHasher.IsAcceptableLength(password)))
        {
            fields["password"] = ["must be 1-1024 bytes"];
        }

        var account = spec.ToAccount(name, null) with { PasswordHash = spec.Password is { } plain && fields.Count == 0 ? PasswordHasher.Hash(plain) : spec.PasswordHash ?? "" };
        if (Validate(account, fields) is { } invalid)
        {
            return invalid;
        }

        if (isConfiguredUser(name))
        {
            return new OperationError(OperationErrorKind.Conflict, $"'{name}' is a user in the configuration's Users section");
        }

        try
        {
            var created = await database.Accounts.CreateAsync(account, cancellationToken);
            await AuditAsync(actor, "account.create", name, Summary(created), cancellationToken);
            return created;
        }
        catch (AccountConflictException e)
        {
            return new OperationError(OperationErrorKind.Conflict, e.Message);
        }
    }

    /// <summary>Replaces an account's settings (PUT); the password hash stays, and the version must match.</summary>
    public async Task<Outcome<Account>> ReplaceAsync(string name, AccountSpec spec, long expectedVersion, Actor actor, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (spec.Name is { } bodyName && bodyName != name)
        {
            fields["name"] = ["an account cannot be renamed; the name in the body must be the one in the path"];
        }

        if (spec.Password is not null || spec.PasswordHash is not null)
        {
            fields["password"] = ["change the password with POST .../password"];
        }

        return await ChangeAsync(name, expectedVersion, current => spec.ToAccount(name, current), fields, actor, "account.update", cancellationToken);
    }

    public Task<Outcome<Account>> SetPasswordAsync(string name, string password, long? expectedVersion, Actor actor, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (password.Length == 0 || !PasswordHasher.IsAcceptableLength(password))
        {
            fields["password"] = ["must be 1-1024 bytes"];
        }

        string hash = fields.Count == 0 ? PasswordHasher.Hash(password) : "";
        return ChangeAsync(name, expectedVersion, current => current with { PasswordHash = hash }, fields, actor, "account.password", cancellationToken);
    }

    public Task<Outcome<Account>> SetDisabledAsync(string name, bool disabled, long? expectedVersion, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, expectedVersion, current => current with { Disabled = disabled }, [], actor, disabled ? "account.disable" : "account.enable",
            cancellationToken);

    public async Task<Outcome<Account>> AddKeyAsync(string name, string line, Actor actor, CancellationToken cancellationToken)
    {
        var key = SshServer.DescribeAuthorizedKeyLine(line, minimumRsaBits);
        if (key.Problem is { } problem)
        {
            return new OperationError(OperationErrorKind.Invalid, "the key is not usable",
                new Dictionary<string, string[]> { ["key"] = [problem] });
        }

        return await ChangeAsync(name, null, current => current.AuthorizedKeys.Any(k => FingerprintOf(k) == key.Fingerprint)
            ? current
            : current with { AuthorizedKeys = [.. current.AuthorizedKeys, key.Line] }, [], actor, "key.add", cancellationToken, key.Fingerprint);
    }

    public async Task<Outcome<Account>> RemoveKeyAsync(string name, string fingerprint, Actor actor, CancellationToken cancellationToken)
    {
        if (await database.Accounts.GetAsync(name, cancellationToken) is { } account && !account.AuthorizedKeys.Any(k => FingerprintOf(k) == fingerprint))
        {
            return new OperationError(OperationErrorKind.NotFound, $"account '{name}' has no key {fingerprint}");
        }

        return await ChangeAsync(name, null, current => current with { AuthorizedKeys = [.. current.AuthorizedKeys.Where(k => FingerprintOf(k) != fingerprint)] },
            [], actor, "key.remove", cancellationToken, fingerprint);
    }

    public async Task<OperationError?> DeleteAsync(string name, long? expectedVersion, Actor actor, CancellationToken cancellationToken)
    {
        if (ReadOnlyProvider() is { } readOnly)
        {
            return readOnly;
        }

        try
        {
            if (!await database.Accounts.DeleteAsync(name, expectedVersion, cancellationToken))
            {
                return NotFound(name);
            }
        }
        catch (AccountConflictException e)
        {
            return new OperationError(OperationErrorKind.VersionMismatch, e.Message);
        }

        await AuditAsync(actor, "account.delete", name, "", cancellationToken);
        accountChanged?.Invoke(name, null);
        return null;
    }

    /// <summary>Recorded in the account database (the API's /audit) and, when the server writes one, the JSON audit log.</summary>
    public Task AuditAsync(Actor actor, string action, string target, string detail, CancellationToken cancellationToken)
    {
        if (auditLog is not null)
        {
            using var scope = auditLog.BeginScope(new KeyValuePair<string, object?>[]
            {
                new("Event", "admin." + action), new("RemoteAddress", actor.ClientAddress), new("Actor", actor.Id),
                new("Target", target), new("Detail", detail),
            });
            AdminChangeLog.Changed(auditLog, actor.Id, action, target);
        }

        return database.Admin.AppendAuditAsync(new AuditEntry(time.GetUtcNow(), actor.Id, actor.ClientAddress, action, target, detail), cancellationToken);
    }

    /// <summary>The SHA256 fingerprint of an authorized_keys line, how keys are named to remove them and to match sessions.</summary>
    public static string FingerprintOf(string line) => SshServer.DescribeAuthorizedKeyLine(line).Fingerprint;

    /// <summary>
    /// Read, change, write back under the version read. A change that names no version (a key added, a password set
    /// from the CLI) is retried when another change came first, since it does not depend on what that one did.
    /// </summary>
    private async Task<Outcome<Account>> ChangeAsync(string name, long? expectedVersion, Func<Account, Account> change,
        Dictionary<string, string[]> fields, Actor actor, string action, CancellationToken cancellationToken, string detail = "")
    {
        if (ReadOnlyProvider() is { } readOnly)
        {
            return readOnly;
        }

        for (int attempt = 0; ; attempt++)
        {
            if (await database.Accounts.GetAsync(name, cancellationToken) is not { } current)
            {
                return NotFound(name);
            }

            if (expectedVersion is { } expected && expected != current.Version)
            {
                return new OperationError(OperationErrorKind.VersionMismatch,
                    $"account '{name}' is at version {current.Version}, not {expected}: read it again and redo the change");
            }

            var changed = change(current);
            if (Validate(changed, fields) is { } invalid)
            {
                return invalid;
            }

            try
            {
                var stored = await database.Accounts.UpdateAsync(changed, current.Version, cancellationToken);
                await AuditAsync(actor, action, name, detail.Length > 0 ? detail : Summary(stored), cancellationToken);
                accountChanged?.Invoke(name, stored);
                return stored;
            }
            catch (AccountConflictException) when (expectedVersion is null && attempt < 5)
            {
                // Someone else's change landed between our read and write; ours does not depend on theirs.
            }
            catch (AccountConflictException e)
            {
                return new OperationError(OperationErrorKind.VersionMismatch, e.Message);
            }
        }
    }

    private OperationError? Validate(Account account, Dictionary<string, string[]> fields)
    {
        foreach (var (field, messages) in AccountValidator.Validate(account))
        {
            fields[field] = messages;
        }

        for (int i = 0; i < account.AuthorizedKeys.Count; i++)
        {
            if (SshServer.CheckAuthorizedKeyLine(account.AuthorizedKeys[i], minimumRsaBits) is { } problem)
            {
                fields[$"authorizedKeys[{i}]"] = [problem];
            }
        }

        if (account.VirtualHost is { } host && !virtualHostExists(host))
        {
            fields["virtualHost"] = [$"no virtual host named '{host}' is configured"];
        }

        return fields.Count == 0 ? null : new OperationError(OperationErrorKind.Invalid, "the account is not valid", fields);
    }

    private OperationError? ReadOnlyProvider() => database.HoldsAccounts ? null
        : new OperationError(OperationErrorKind.ReadOnlyProvider, "accounts come from the configuration (Accounts:Provider config): edit its Users section");

    private static OperationError NotFound(string name) => new(OperationErrorKind.NotFound, $"no account named '{name}'");

    /// <summary>What the audit log says of an account: its settings, never its hash.</summary>
    private static string Summary(Account a) =>
        $"home={a.Home ?? "/" + a.Name} readOnly={a.ReadOnly} protocols={string.Join(',', a.Protocols)} disabled={a.Disabled} " +
        $"expires={a.ExpiresAt?.ToString("O") ?? "never"} networks={string.Join(',', a.AllowedNetworks)} keys={a.AuthorizedKeys.Count} " +
        $"virtualHost={a.VirtualHost ?? "-"}";
}

/// <summary>The audit log's line for an admin change (its fields come from the scope around it).</summary>
internal static partial class AdminChangeLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "admin {Actor} {Action} {Target}")]
    public static partial void Changed(Microsoft.Extensions.Logging.ILogger logger, string actor, string action, string target);
}
