using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary>
/// What the command line asks of the server: answered by the account store directly (offline) or by a running
/// server's admin API (--url, --token). Both give the same resources and the same errors.
/// </summary>
internal interface IAdminClient : IAsyncDisposable
{
    Task<Outcome<AccountResource>> CreateAccountAsync(AccountSpec spec, CancellationToken ct);

    Task<Outcome<AccountResource>> GetAccountAsync(string name, CancellationToken ct);

    Task<Outcome<AccountList>> ListAccountsAsync(AccountQuery query, CancellationToken ct);

    Task<Outcome<AccountResource>> ReplaceAccountAsync(string name, AccountSpec spec, long version, CancellationToken ct);

    Task<Outcome<AccountResource>> SetPasswordAsync(string name, string password, CancellationToken ct);

    Task<Outcome<AccountResource>> SetDisabledAsync(string name, bool disabled, CancellationToken ct);

    Task<OperationError?> DeleteAccountAsync(string name, CancellationToken ct);

    Task<Outcome<AccountResource>> AddKeyAsync(string name, string line, CancellationToken ct);

    Task<OperationError?> RemoveKeyAsync(string name, string fingerprint, CancellationToken ct);

    Task<Outcome<List<SessionResource>>> ListSessionsAsync(string? user, CancellationToken ct);

    Task<Outcome<int>> EndSessionsAsync(string? id, string? user, CancellationToken ct);

    Task<Outcome<List<HostKeyResource>>> ListHostKeysAsync(CancellationToken ct);

    /// <summary>An account's usage against its limits; <paramref name="scan"/>: recounted from disk first.</summary>
    Task<Outcome<UsageResource>> GetUsageAsync(string name, string? virtualHost, bool scan, CancellationToken ct);

    /// <summary>stage, promote or retire: a host key rotation step in the running server.</summary>
    Task<Outcome<List<HostKeyResource>>> RotateHostKeyAsync(string step, HostKeyRotation rotation, CancellationToken ct);

    Task<Outcome<CreatedToken>> CreateTokenAsync(TokenCreation creation, CancellationToken ct);

    Task<Outcome<List<TokenResource>>> ListTokensAsync(CancellationToken ct);

    Task<OperationError?> RevokeTokenAsync(string id, CancellationToken ct);
}
