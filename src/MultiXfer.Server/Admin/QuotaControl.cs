using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Limits;

namespace MultiXfer.Server.Admin;

/// <summary>
/// Accounts' usage for the API and the CLI: shown with the limits in force, recounted from disk on request (a scan
/// repairs drift: files changed outside the server, a crash between flushes), forgotten when an account goes.
/// </summary>
internal sealed class QuotaControl(UsageRegistry usage, VirtualHostDirectory hosts, FileSystemProvider storage)
{
    /// <summary>The usage of <paramref name="name"/> on <paramref name="virtualHost"/> (null or "": the default host's); null: no such user.</summary>
    public async Task<UsageSnapshot?> GetAsync(string name, string? virtualHost, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, virtualHost, cancellationToken) is not var (user, host))
        {
            return null;
        }

        var account = await usage.GetAsync(user.UsageKey, cancellationToken);
        account.Apply(user.Limits.Over(host.Limits.AccountDefaults));
        return await account.CurrentAsync(cancellationToken);
    }

    /// <summary>Counts the account's root now and makes that its usage.</summary>
    public async Task<UsageSnapshot?> ScanAsync(string name, string? virtualHost, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, virtualHost, cancellationToken) is not var (user, host))
        {
            return null;
        }

        var account = await usage.GetAsync(user.UsageKey, cancellationToken);
        account.Apply(user.Limits.Over(host.Limits.AccountDefaults));
        account.SetDisk(await storage.ScanUsageAsync(user, cancellationToken));
        await usage.FlushAsync(cancellationToken);
        return account.Snapshot();
    }

    /// <summary>
    /// An admin changed a stored account (null: deleted it): its new limits hold for its live sessions at once, not
    /// from their next login; a deleted account's usage goes with it.
    /// </summary>
    public void AccountChanged(string name, MultiXfer.Auth.Accounts.Account? account)
    {
        if (account is null)
        {
            usage.Forget(name);
            return;
        }

        var catalog = hosts.Current;
        var host = catalog.Named.FirstOrDefault(h => string.Equals(h.Name, account.VirtualHost, StringComparison.OrdinalIgnoreCase)) ?? catalog.Default;
        usage.Find(name)?.Apply(account.Limits.Over(host.Limits.AccountDefaults));
    }

    private async Task<(UserAccount User, VirtualHost Host)?> FindAsync(string name, string? virtualHost, CancellationToken cancellationToken)
    {
        var catalog = hosts.Current;
        var host = string.IsNullOrEmpty(virtualHost) ? catalog.Default
            : catalog.Named.FirstOrDefault(h => string.Equals(h.Name, virtualHost, StringComparison.OrdinalIgnoreCase));
        if (host is null || await host.Authenticator.FindAccountAsync(name, cancellationToken) is not { } user)
        {
            return null;
        }

        return (user, host);
    }
}
