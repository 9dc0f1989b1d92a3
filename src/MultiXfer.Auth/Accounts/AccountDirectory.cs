using MultiXfer.Connections;
using MultiXfer.Fsio;

namespace MultiXfer.Auth.Accounts;

/// <summary>
/// One site's view of the account store: the accounts that belong to it, as the authenticator wants them. Nothing
/// is cached, so a change made through the API applies to the next login at once.
/// </summary>
/// <param name="siteName">The virtual host's name; null for the default host.</param>
/// <param name="sharesDefaultAccounts">A virtual host without its own Users section also admits the default host's accounts.</param>
/// <param name="metrics">Where the store calls of logins are timed; null: nowhere.</param>
public sealed class AccountDirectory(IAccountStore store, string? siteName, bool sharesDefaultAccounts, IFileSystemProvider? storage,
    SftpOverrideOptions? siteSftp, TimeProvider time, AuthMetrics? metrics = null) : IUserDirectory
{
    public async ValueTask<UserRecord?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (!UserStore.IsValidUserName(name) || await GetAsync(name, cancellationToken) is not { } account || !BelongsHere(account))
        {
            return null;
        }

        var record = UserStore.FromOptions(account.Name, account.ToUserOptions(), storage, siteSftp, siteName);
        return record with { Account = record.Account with { FromAccountStore = true }, Policy = LoginPolicy.For(account) };
    }

    public async ValueTask RecordLoginAsync(UserRecord user, string? upgradedPasswordHash, CancellationToken cancellationToken)
    {
        Task Record() => store.RecordLoginAsync(user.Account.Name, time.GetUtcNow(), upgradedPasswordHash, cancellationToken);
        await (metrics is null ? Record() : metrics.TimeStoreCallAsync("record_login", Record));
    }

    private Task<Account?> GetAsync(string name, CancellationToken cancellationToken) => metrics is null
        ? store.GetAsync(name, cancellationToken)
        : metrics.TimeStoreCallAsync("find", () => store.GetAsync(name, cancellationToken));

    private bool BelongsHere(Account account) =>
        account.VirtualHost is null ? siteName is null || sharesDefaultAccounts : string.Equals(account.VirtualHost, siteName, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Configured users first, then stored accounts. A name in both is refused at start, so the order only matters for
/// a stored account created with a name that configuration gained later by a reload: configuration wins.
/// </summary>
public sealed class CombinedDirectory(UserStore configured, IUserDirectory stored) : IUserDirectory
{
    public async ValueTask<UserRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        await configured.FindAsync(name, cancellationToken) ?? await stored.FindAsync(name, cancellationToken);

    public ValueTask RecordLoginAsync(UserRecord user, string? upgradedPasswordHash, CancellationToken cancellationToken) =>
        configured.Contains(user.Account.Name)
            ? configured.RecordLoginAsync(user, upgradedPasswordHash, cancellationToken)
            : stored.RecordLoginAsync(user, upgradedPasswordHash, cancellationToken);
}
