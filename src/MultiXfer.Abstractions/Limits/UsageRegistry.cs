using System.Collections.Concurrent;
using MultiXfer.Auth;

namespace MultiXfer.Limits;

/// <summary>A login the limits admit (with its session's share), or the reason they refuse it.</summary>
/// <param name="Unavailable">Refused because shared state (a cluster's session registry) could not be reached, not by a limit.</param>
public sealed record SessionAdmission(SessionLimits? Session, UserAccount? User, string? Refusal, bool Unavailable = false);

/// <summary>
/// Every account's live usage, one object per account whatever protocol or virtual host its sessions use, so that
/// sessions, quotas and rates hold across all of them. Usage is loaded from the store when an account is first seen
/// and written back by <see cref="FlushAsync"/>.
/// </summary>
/// <param name="storeFailed">Told when the store cannot be read (the account, the error): logins go on without it.</param>
/// <param name="metrics">Where every account's refusals and waits are counted; null: nowhere.</param>
/// <param name="ledger">
/// The cluster's ledger when gateways share the store (PostgreSQL): changes are then added to the shared totals in
/// exchanges instead of written as this gateway's figures, and quotas hold across the gateways.
/// </param>
public sealed class UsageRegistry(IUsageStore? store, TimeProvider time, Action<string, Exception>? storeFailed = null,
    LimitMetrics? metrics = null, IUsageLedger? ledger = null)
{
    private readonly ConcurrentDictionary<string, AccountUsage> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _forgotten = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private UsageSharing? _sharing;

    private UsageSharing? Sharing => ledger is null ? null : _sharing ??= new UsageSharing(ledger, Wake, storeFailed);

    /// <summary>The account's usage, its stored figures loaded.</summary>
    public async Task<AccountUsage> GetAsync(string key, CancellationToken cancellationToken)
    {
        var usage = _accounts.GetOrAdd(key, static (k, shared) => new AccountUsage(k, shared.time, shared.metrics, shared.Item3),
            (time, metrics, Sharing));
        try
        {
            await usage.EnsureLoadedAsync(store, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An unreachable store must not lock accounts out (configured users do not depend on it): the account goes
            // on with a scan of its disk and today's transfers counted from now, written back when the store returns.
            storeFailed?.Invoke(key, e);
        }

        return usage;
    }

    /// <summary>Usage already tracked for <paramref name="key"/>, without touching the store.</summary>
    public AccountUsage? Find(string key) => _accounts.GetValueOrDefault(key);

    /// <summary>
    /// A login of <paramref name="user"/> on a host with <paramref name="host"/> limits: admitted with a session slot,
    /// or refused when the account has <see cref="AccountLimits.MaxSessions"/> open already (in any protocol).
    /// </summary>
    public async Task<SessionAdmission> AdmitAsync(UserAccount user, HostLimits host, CancellationToken cancellationToken)
    {
        var usage = await GetAsync(user.UsageKey, cancellationToken);
        usage.Apply(user.Limits.Over(host.AccountDefaults));
        if (!usage.TryOpenSession())
        {
            metrics?.Refused(LimitKind.Sessions);
            return new SessionAdmission(null, null,
                $"too many sessions for {user.Name}: {usage.Sessions} open, limit {usage.Limits.MaxSessions}");
        }

        return new SessionAdmission(new SessionLimits(usage, host), user with { Usage = usage }, null);
    }

    /// <summary>An account was deleted: a new one of the same name starts from nothing (the stored row goes at the next flush).</summary>
    public void Forget(string key)
    {
        _accounts.TryRemove(key, out _);
        _forgotten.Enqueue(key);
    }

    /// <summary>
    /// Waits <paramref name="period"/>, or less when a shared account let go of its last file here holding a grant:
    /// then a quarter of a second more, so that a client going from one file to the next (a mirror) keeps its grant
    /// instead of giving it back and asking again for every file.
    /// </summary>
    public async Task WaitForWorkAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = new[] { Task.Delay(period, time, either.Token), _wake.WaitAsync(either.Token) };
        bool woken = await Task.WhenAny(waits) == waits[1];
        await either.CancelAsync();
        await Task.WhenAll(waits).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        if (woken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    /// <summary>Writes every changed account's figures to the store (shared: settles them with the ledger).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        // A deleted account's figures go first, shared or not: a new account of the same name starts from nothing.
        while (_forgotten.TryPeek(out string? key))
        {
            await store.DeleteAsync(key, cancellationToken);
            _forgotten.TryDequeue(out _);
        }

        if (ledger is not null)
        {
            await ExchangeAllAsync(cancellationToken);
            return;
        }

        var changed = _accounts.Values.Select(a => (Usage: a, Stored: a.TakeChanges())).Where(c => c.Stored is not null).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        try
        {
            await store.SaveAsync([.. changed.Select(c => c.Stored!)], cancellationToken);
        }
        catch
        {
            // Not written: the next flush tries these again.
            changed.ForEach(c => c.Usage.MarkChanged());
            throw;
        }
    }

    /// <summary>Every shared account with changes or an unneeded grant settles with the ledger; a failure is tried again next time.</summary>
    private async Task ExchangeAllAsync(CancellationToken cancellationToken)
    {
        Exception? failed = null;
        foreach (var usage in _accounts.Values)
        {
            if (!usage.NeedsExchange)
            {
                continue;
            }

            try
            {
                await usage.ExchangeAsync(default, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed ??= e;
            }
        }

        if (failed is not null)
        {
            throw failed;
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: the next flush sees every account.
        }
    }
}
