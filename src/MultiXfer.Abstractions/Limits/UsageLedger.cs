namespace MultiXfer.Limits;

/// <summary>
/// The four shared figures of an account's usage: disk bytes, files, and today's uploaded and downloaded bytes. Used
/// for changes (which may be negative), for grants and for the ledger's totals.
/// </summary>
public readonly record struct UsageFigures(long Bytes, long Files, long Uploaded, long Downloaded)
{
    public static UsageFigures operator +(UsageFigures a, UsageFigures b) =>
        new(a.Bytes + b.Bytes, a.Files + b.Files, a.Uploaded + b.Uploaded, a.Downloaded + b.Downloaded);

    public static UsageFigures operator -(UsageFigures a, UsageFigures b) =>
        new(a.Bytes - b.Bytes, a.Files - b.Files, a.Uploaded - b.Uploaded, a.Downloaded - b.Downloaded);

    public static UsageFigures Min(UsageFigures a, UsageFigures b) =>
        new(Math.Min(a.Bytes, b.Bytes), Math.Min(a.Files, b.Files), Math.Min(a.Uploaded, b.Uploaded), Math.Min(a.Downloaded, b.Downloaded));

    public bool IsZero => this == default;
}

/// <summary>
/// What a gateway sends the cluster's ledger for one account: the changes it made since its last exchange
/// (<paramref name="Settled"/>, counted into the shared totals), what it must hold from now on (<paramref name="Needed"/>:
/// bytes of uploads in flight, and what a refused operation asks for) and what it would like to hold
/// (<paramref name="Wanted"/>: that plus headroom, so that most writes need no round trip). <paramref name="Scanned"/>:
/// a count of the disk that replaces the shared disk figures: always when <paramref name="ScanRepairs"/> (an admin's
/// scan), else only if they were never counted. <paramref name="Day"/> counts UTC days since 1970.
/// </summary>
public sealed record UsageExchange(string Key, long Day, UsageFigures Settled, UsageFigures Needed, UsageFigures Wanted,
    AccountLimits Limits, DiskUsage? Scanned, bool ScanRepairs = true);

/// <summary>The ledger's answer: the shared totals after the exchange, and what this gateway now holds.</summary>
public sealed record UsageGrant(UsageFigures Used, long Day, UsageFigures Granted, bool DiskCounted, DateTimeOffset? ScannedAt);

/// <summary>
/// Where gateways sharing one account store keep an account's usage together (PostgreSQL): each adds its changes to
/// one set of totals, and holds a grant of the account's quotas and daily allowances that no other gateway may use,
/// so the quotas hold however the account's transfers spread over the gateways.
/// </summary>
public interface IUsageLedger
{
    Task<UsageGrant> ExchangeAsync(UsageExchange exchange, CancellationToken cancellationToken);

    /// <summary>
    /// The shared figures of <paramref name="key"/>, its disk counted with <paramref name="scan"/> first if nobody has
    /// counted it yet. The count runs while the account is locked in the ledger, so one gateway counts, and none has
    /// changed the disk uncounted meanwhile (a gateway changes an account's disk only once its figures are known):
    /// two gateways counting the same files while one of them has not settled its changes would count those twice.
    /// </summary>
    Task<UsageGrant> CountOnceAsync(string key, long day, Func<CancellationToken, Task<DiskUsage>> scan, CancellationToken cancellationToken);
}

/// <summary>
/// How much of an account's limits a gateway is granted. The grants of all gateways plus the shared totals never
/// exceed a limit, so no combination of gateways passes it; a gateway may only use what it holds.
/// </summary>
public static class GrantRule
{
    /// <summary>
    /// The grant for a gateway that held <paramref name="held"/> and settles <paramref name="exchange"/>, given the shared
    /// totals after the settlement (<paramref name="used"/>) and what the other live gateways hold (<paramref name="others"/>).
    /// What is still free is split: a gateway gets what it needs and half of the rest up to what it wants, so another
    /// gateway asking next still finds room; it never gets less than it held, less what it settled, up to what it wants,
    /// since nobody else can have taken that (the guarantee a gateway relies on while its exchange is under way).
    /// </summary>
    public static UsageFigures Grant(UsageExchange exchange, UsageFigures used, UsageFigures others, UsageFigures held)
    {
        var limits = exchange.Limits;
        var kept = held - exchange.Settled;
        long bytes = Share(limits.QuotaBytes, used.Bytes + others.Bytes, exchange.Needed.Bytes, exchange.Wanted.Bytes, kept.Bytes);
        long files = Share(limits.QuotaFiles, used.Files + others.Files, exchange.Needed.Files, exchange.Wanted.Files, kept.Files);

        // Today's allowances: a direction's own, and the total that both directions share (its room is shared out
        // upload first, and what the upload grant takes is gone for the download's).
        long? total = limits.TransferBytesPerDay is { } t
            ? t - used.Uploaded - used.Downloaded - others.Uploaded - others.Downloaded
            : null;
        long uploaded = Share(Smaller(Room(limits.UploadBytesPerDay, used.Uploaded + others.Uploaded), total), 0,
            exchange.Needed.Uploaded, exchange.Wanted.Uploaded, kept.Uploaded);
        long downloaded = Share(Smaller(Room(limits.DownloadBytesPerDay, used.Downloaded + others.Downloaded), total - uploaded), 0,
            exchange.Needed.Downloaded, exchange.Wanted.Downloaded, kept.Downloaded);
        return new UsageFigures(bytes, files, uploaded, downloaded);
    }

    /// <summary>
    /// Headroom asked for beyond what is needed: a sixteenth of the limit, at least <paramref name="floor"/> and at most
    /// <paramref name="ceiling"/>; none without a limit.
    /// </summary>
    public static long Headroom(long? limit, long floor, long ceiling) =>
        limit is { } l ? Math.Clamp(l / 16, floor, ceiling) : 0;

    private static long Share(long? limit, long taken, long needed, long wanted, long kept)
    {
        if (limit is not { } l)
        {
            return 0; // nothing to hold back: the gateway checks nothing either
        }

        long free = Math.Max(0, l - taken);
        if (free <= needed)
        {
            return free;
        }

        long split = needed + (free - needed) / 2;
        return Math.Min(Math.Max(wanted, needed), Math.Max(split, Math.Min(kept, free)));
    }

    private static long? Room(long? limit, long taken) => limit is { } l ? l - taken : null;

    private static long? Smaller(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
