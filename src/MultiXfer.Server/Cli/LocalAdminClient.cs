using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary>
/// The command line against the account store itself, with no server running (or beside one: a running server
/// sees the change at the next login, and its enforcer ends sessions the change no longer admits). Audited as "cli".
/// </summary>
internal sealed class LocalAdminClient(AccountOperations operations) : IAdminClient
{
    private static readonly Actor Cli = new("cli", "local");
    private const string NeedsServer = "sessions and host keys live in a running server: pass --url and --token";

    private int RsaBits => operations.MinimumRsaBits;

    public async Task<Outcome<AccountResource>> CreateAccountAsync(AccountSpec spec, CancellationToken ct) =>
        Resource(await operations.CreateAsync(spec, Cli, ct));

    public async Task<Outcome<AccountResource>> GetAccountAsync(string name, CancellationToken ct) =>
        await operations.Database.Accounts.GetAsync(name, ct) is { } account
            ? AccountResource.From(account, RsaBits)
            : new OperationError(OperationErrorKind.NotFound, $"no account named '{name}'");

    public async Task<Outcome<AccountList>> ListAccountsAsync(AccountQuery query, CancellationToken ct)
    {
        var page = await operations.Database.Accounts.ListAsync(query, ct);
        return new AccountList([.. page.Accounts.Select(a => AccountResource.From(a, RsaBits))], page.NextAfter);
    }

    public async Task<Outcome<AccountResource>> ReplaceAccountAsync(string name, AccountSpec spec, long version, CancellationToken ct) =>
        Resource(await operations.ReplaceAsync(name, spec, version, Cli, ct));

    public async Task<Outcome<AccountResource>> SetPasswordAsync(string name, string password, CancellationToken ct) =>
        Resource(await operations.SetPasswordAsync(name, password, null, Cli, ct));

    public async Task<Outcome<AccountResource>> SetDisabledAsync(string name, bool disabled, CancellationToken ct) =>
        Resource(await operations.SetDisabledAsync(name, disabled, null, Cli, ct));

    public Task<OperationError?> DeleteAccountAsync(string name, CancellationToken ct) => operations.DeleteAsync(name, null, Cli, ct);

    public async Task<Outcome<AccountResource>> AddKeyAsync(string name, string line, CancellationToken ct) =>
        Resource(await operations.AddKeyAsync(name, line, Cli, ct));

    public async Task<OperationError?> RemoveKeyAsync(string name, string fingerprint, CancellationToken ct) =>
        (await operations.RemoveKeyAsync(name, fingerprint, Cli, ct)).Error;

    public Task<Outcome<List<SessionResource>>> ListSessionsAsync(string? user, CancellationToken ct) =>
        Task.FromResult<Outcome<List<SessionResource>>>(new OperationError(OperationErrorKind.Invalid, NeedsServer));

    public Task<Outcome<int>> EndSessionsAsync(string? id, string? user, CancellationToken ct) =>
        Task.FromResult<Outcome<int>>(new OperationError(OperationErrorKind.Invalid, NeedsServer));

    /// <summary>Usage lives in the running server (its sessions change it), so it is read and scanned there.</summary>
    public Task<Outcome<UsageResource>> GetUsageAsync(string name, string? virtualHost, bool scan, CancellationToken ct) =>
        Task.FromResult<Outcome<UsageResource>>(new OperationError(OperationErrorKind.Invalid, NeedsServer));

    public Task<Outcome<List<HostKeyResource>>> ListHostKeysAsync(CancellationToken ct) =>
        Task.FromResult<Outcome<List<HostKeyResource>>>(new OperationError(OperationErrorKind.Invalid, NeedsServer));

    public Task<Outcome<List<HostKeyResource>>> RotateHostKeyAsync(string step, HostKeyRotation rotation, CancellationToken ct) =>
        Task.FromResult<Outcome<List<HostKeyResource>>>(new OperationError(OperationErrorKind.Invalid, NeedsServer));

    public async Task<Outcome<CreatedToken>> CreateTokenAsync(TokenCreation creation, CancellationToken ct)
    {
        var (token, secret) = await operations.Database.Admin.CreateTokenAsync(creation.Name,
            creation.Scope == "admin" ? TokenScope.Admin : TokenScope.Read, creation.ExpiresAt, ct);
        await operations.AuditAsync(Cli, "token.create", token.Id, $"name={token.Name} scope={creation.Scope}", ct);
        return new CreatedToken(TokenResource.From(token), secret);
    }

    public async Task<Outcome<List<TokenResource>>> ListTokensAsync(CancellationToken ct) =>
        (await operations.Database.Admin.ListTokensAsync(ct)).Select(TokenResource.From).ToList();

    public async Task<OperationError?> RevokeTokenAsync(string id, CancellationToken ct)
    {
        if (!await operations.Database.Admin.RevokeTokenAsync(id, ct))
        {
            return new OperationError(OperationErrorKind.NotFound, $"no live token {id}");
        }

        await operations.AuditAsync(Cli, "token.revoke", id, "", ct);
        return null;
    }

    public ValueTask DisposeAsync() => operations.Database.DisposeAsync();

    private Outcome<AccountResource> Resource(Outcome<Account> outcome) =>
        outcome.Error is { } error ? error : AccountResource.From(outcome.Value!, RsaBits);
}
