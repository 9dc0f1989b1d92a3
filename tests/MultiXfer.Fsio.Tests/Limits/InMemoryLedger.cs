using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// A cluster's usage ledger in memory, for gateways simulated in one process: the shared totals and each gateway's
/// grant, settled one exchange at a time by <see cref="GrantRule"/> (what the PostgreSQL ledger does under its lock).
/// Every gateway counts as live.
/// </summary>
internal sealed class InMemoryLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, UsageFigures> _grants = new(StringComparer.Ordinal);
    private UsageFigures _used;

    /// <summary>While set, every exchange fails as an unreachable database's would.</summary>
    public bool Unreachable { get; set; }

    public UsageFigures Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    public UsageFigures HeldBy(string node)
    {
        lock (_lock)
        {
            return _grants.GetValueOrDefault(node);
        }
    }

    /// <summary>An account's usage on gateway <paramref name="node"/>, shared through this ledger.</summary>
    public AccountUsage Gateway(string node, string key = "u1") =>
        new(key, TimeProvider.System, sharing: new UsageSharing(new View(this, node), Wake: static () => { }));

    private readonly SemaphoreSlim _counting = new(1, 1);
    private bool _counted;

    /// <summary>The first gateway to ask counts its storage (the others' exchanges wait for it); later ones take that count.</summary>
    private async Task<UsageGrant> CountOnceAsync(Func<CancellationToken, Task<DiskUsage>> scan, long day)
    {
        await _counting.WaitAsync();
        try
        {
            if (!_counted)
            {
                var disk = await scan(CancellationToken.None);
                lock (_lock)
                {
                    _used = _used with { Bytes = disk.Bytes - disk.InFlightBytes, Files = disk.Files };
                    _counted = true;
                }
            }

            return new UsageGrant(Used, day, default, DiskCounted: true, ScannedAt: null);
        }
        finally
        {
            _counting.Release();
        }
    }

    private async Task<UsageGrant> ExchangeAsync(string node, UsageExchange exchange)
    {
        await Task.Yield(); // a round trip: other exchanges and reservations run meanwhile
        if (Unreachable)
        {
            throw new IOException("the ledger's database does not answer");
        }

        lock (_lock)
        {
            if (exchange.Scanned is { } scan && (exchange.ScanRepairs || !_counted))
            {
                _counted = true;
                _used = _used with { Bytes = scan.Bytes - scan.InFlightBytes, Files = scan.Files };
            }

            _used += exchange.Settled;
            var others = _grants.Where(g => g.Key != node).Aggregate(default(UsageFigures), (sum, g) => sum + g.Value);
            var granted = GrantRule.Grant(exchange, _used, others, _grants.GetValueOrDefault(node));
            _grants[node] = granted;
            return new UsageGrant(_used, exchange.Day, granted, DiskCounted: true, ScannedAt: null);
        }
    }

    private sealed class View(InMemoryLedger ledger, string node) : IUsageLedger
    {
        public Task<UsageGrant> ExchangeAsync(UsageExchange exchange, CancellationToken cancellationToken) => ledger.ExchangeAsync(node, exchange);

        public Task<UsageGrant> CountOnceAsync(string key, long day, Func<CancellationToken, Task<DiskUsage>> scan, CancellationToken cancellationToken) =>
            ledger.CountOnceAsync(scan, day);
    }
}
