namespace MultiXfer.Auth.Accounts;

/// <summary>Which accounts a listing returns: names after a cursor, in name order, optionally filtered.</summary>
public sealed record AccountQuery
{
    /// <summary>Keyset paging: only names that sort after this one (the previous page's last name).</summary>
    public string? After { get; init; }

    public int Limit { get; init; } = 100;

    public string? NamePrefix { get; init; }

    /// <summary>"" for the default host's accounts, a name for that virtual host's; null: all.</summary>
    public string? VirtualHost { get; init; }

    public bool? Disabled { get; init; }
}

public sealed record AccountPage(IReadOnlyList<Account> Accounts, string? NextAfter);

/// <summary>The account already exists (create), or another change came first (update with a stale version).</summary>
public sealed class AccountConflictException(string message) : Exception(message);

/// <summary>
/// Where accounts live. Every provider runs the same migrations and passes the same conformance tests. A change
/// takes a version (ETag) and fails with <see cref="AccountConflictException"/> when the stored account moved on.
/// </summary>
public interface IAccountStore
{
    /// <summary>Brings the schema to the newest version this build knows; refuses a newer schema.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    Task<Account?> GetAsync(string name, CancellationToken cancellationToken);

    Task<AccountPage> ListAsync(AccountQuery query, CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Stores a new account with version 1 and the creation time set; conflict if the name is taken.</summary>
    Task<Account> CreateAsync(Account account, CancellationToken cancellationToken);

    /// <summary>Replaces the account if its stored version is still <paramref name="expectedVersion"/>.</summary>
    Task<Account> UpdateAsync(Account account, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the account (if its version matches, when one is given); false when there was none.</summary>
    Task<bool> DeleteAsync(string name, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>
    /// A successful login: the last-login time, and the password hash in the current scheme when the stored one was
    /// older (not a change an admin made: the version stays, so no admin's ETag goes stale because a user logged in).
    /// </summary>
    Task RecordLoginAsync(string name, DateTimeOffset at, string? upgradedPasswordHash, CancellationToken cancellationToken);
}
