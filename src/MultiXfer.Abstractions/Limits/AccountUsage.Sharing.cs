namespace MultiXfer.Limits;

/// <summary>The cluster's ledger an account's usage is kept in, and how to ask for an exchange soon (a gateway let go of its last file).</summary>
public sealed record UsageSharing(IUsageLedger Ledger, Action Wake, Action<string, Exception>? Failed = null);

/// <summary>
/// Usage shared by a cluster's gateways. The totals live in the ledger; this gateway adds its changes there in
/// exchanges (every couple of seconds, and when it closes the account's last open file), and may only use the grant
/// it holds: disk bytes it reserves, files it creates and bytes it moves today come out of that grant, and a gateway
/// that runs out asks the ledger for more before it refuses. A grant is held only while the account has files open
/// here, so an idle gateway leaves the room to the others.
/// </summary>
public sealed partial class AccountUsage
{
    private const long ByteHeadroomFloor = 1 << 20;
    private const long ByteHeadroomCeiling = 64L << 20;
    private const long FileHeadroomCeiling = 64;

    // How often an operation asks the ledger for room before it is refused: other sessions of the account here may
    // take what a refill brought before the operation tries again.
    private const int RefillAttempts = 3;

    private readonly SemaphoreSlim _exchanging = new(1, 1);
    // This gateway's grant; changes not yet in the ledger; a scan that replaces the ledger's disk figures; open files.
    private UsageFigures _held;
    private UsageFigures _pending;
    private PendingScan? _scan;
    private int _handles;

    /// <summary>Whether the account's usage is shared with other gateways through a ledger.</summary>
    public bool Shared => sharing is not null;

    /// <summary>The ledger did not answer the latest exchange: limits this gateway's grant cannot hold are refused for that.</summary>
    public bool LedgerUnreachable { get; private set; }

    /// <summary>Whether there is anything for the ledger: changes, a scan, or a grant this gateway no longer needs.</summary>
    public bool NeedsExchange
    {
        get
        {
            lock (_lock)
            {
                return sharing is not null && (!_pending.IsZero || _scan is not null || _handles == 0 && !_held.IsZero);
            }
        }
    }

    /// <summary>A file of the account was opened here: grants ask for headroom while any is open.</summary>
    public void HandleOpened()
    {
        lock (_lock)
        {
            _handles++;
        }
    }

    /// <summary>A file was closed; after the last one, a grant held goes back to the ledger soon (changes alone wait for the period).</summary>
    public void HandleClosed()
    {
        bool idle;
        lock (_lock)
        {
            _handles = Math.Max(0, _handles - 1);
            idle = _handles == 0 && !_held.IsZero;
        }

        if (idle)
        {
            sharing?.Wake();
        }
    }

    /// <summary>
    /// A reservation of <paramref name="extra"/> found the grant too small: asks the ledger for more. False when the
    /// account is not shared, when the cluster has no room left, or when the ledger cannot be reached (the limit cannot
    /// be checked, so the operation is refused).
    /// </summary>
    public async Task<bool> RefillAsync(UsageFigures extra, CancellationToken cancellationToken)
    {
        if (sharing is null)
        {
            return false;
        }

        try
        {
            return await ExchangeAsync(extra, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LedgerUnreachable = true;
            sharing.Failed?.Invoke(Key, e);
            return false;
        }
    }

    /// <summary>
    /// An operation found this gateway's grant short by <paramref name="shortfall"/> (nothing: it cannot fit at all):
    /// asks the ledger for that much and tries the operation again with <paramref name="retry"/>, which answers null
    /// once it fits, else what it still lacks. False when the account is not shared, the cluster has no room, or the
    /// ledger cannot be reached.
    /// </summary>
    public async ValueTask<bool> TakeAfterRefillAsync(UsageFigures shortfall, Func<UsageFigures?> retry, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < RefillAttempts && !shortfall.IsZero; attempt++)
        {
            if (!await RefillAsync(shortfall, cancellationToken))
            {
                return false;
            }

            if (retry() is not { } still)
            {
                return true;
            }

            shortfall = still;
        }

        return false;
    }

    /// <summary>
    /// Settles this gateway's changes with the ledger and takes the grant it answers; returns whether
    /// <paramref name="extra"/> now fits. One exchange at a time per account.
    /// </summary>
    public async Task<bool> ExchangeAsync(UsageFigures extra, CancellationToken cancellationToken)
    {
        var ledger = sharing?.Ledger ?? throw new InvalidOperationException("the account's usage is not shared");
        await _exchanging.WaitAsync(cancellationToken);
        try
        {
            UsageExchange request;
            PendingScan? sent;
            lock (_lock)
            {
                RollDay();
                if (!extra.IsZero && Fits(extra))
                {
                    return true; // another exchange got the room meanwhile
                }

                var limits = Limits;
                var needed = new UsageFigures(_inFlightBytes, 0, 0, 0) + extra;
                var headroom = _handles > 0 || !extra.IsZero
                    ? new UsageFigures(
                        GrantRule.Headroom(limits.QuotaBytes, ByteHeadroomFloor, ByteHeadroomCeiling),
                        GrantRule.Headroom(limits.QuotaFiles, 1, FileHeadroomCeiling),
                        GrantRule.Headroom(limits.UploadBytesPerDay ?? limits.TransferBytesPerDay, ByteHeadroomFloor, ByteHeadroomCeiling),
                        GrantRule.Headroom(limits.DownloadBytesPerDay ?? limits.TransferBytesPerDay, ByteHeadroomFloor, ByteHeadroomCeiling))
                    : default;
                sent = _scan;
                request = new UsageExchange(Key, _day, _pending, needed, needed + headroom, limits, sent?.Disk, sent?.Repairs ?? true);

                // Until the answer comes, only what both the grant before and the least the ledger will grant allow
                // (GrantRule: at least what was held less what is settled, up to what is wanted).
                _held = UsageFigures.Min(_held, request.Wanted + request.Settled);
            }

            var grant = await ledger.ExchangeAsync(request, cancellationToken);
            LedgerUnreachable = false;
            lock (_lock)
            {
                if (ReferenceEquals(_scan, sent))
                {
                    _pending -= request.Settled;
                    _scan = null;
                }
                else
                {
                    // A scan counted the disk meanwhile: the disk changes settled are in its count, and it goes next.
                    _pending -= request.Settled with { Bytes = 0, Files = 0 };
                }

                _held = grant.Granted;

                _bytes = Math.Max(0, grant.Used.Bytes + _pending.Bytes + _inFlightBytes);
                _files = Math.Max(0, grant.Used.Files + _pending.Files);
                if (grant.Day == _day)
                {
                    _uploadedToday = grant.Used.Uploaded + _pending.Uploaded;
                    _downloadedToday = grant.Used.Downloaded + _pending.Downloaded;
                }

                _scannedAt = grant.ScannedAt ?? _scannedAt;
                DiskKnown |= grant.DiskCounted;
                return extra.IsZero || Fits(extra);
            }
        }
        finally
        {
            _exchanging.Release();
        }
    }

    /// <summary>The usage as it stands; shared, the cluster's totals as of now (as of the last exchange if the ledger cannot be reached).</summary>
    public async Task<UsageSnapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        if (sharing is not null)
        {
            try
            {
                await ExchangeAsync(default, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                sharing.Failed?.Invoke(Key, e);
            }
        }

        return Snapshot();
    }

    /// <summary>
    /// Shared: takes the ledger's disk figures, counted once for the cluster (by this gateway with
    /// <paramref name="scan"/> if nobody did before). False when not shared or the ledger cannot be reached: the
    /// caller counts alone, and the ledger takes that count only if the account still has none.
    /// </summary>
    private async Task<bool> CountSharedOnceAsync(Func<CancellationToken, Task<DiskUsage>> scan, CancellationToken cancellationToken)
    {
        if (sharing is null)
        {
            return false;
        }

        UsageGrant counted;
        try
        {
            long day;
            lock (_lock)
            {
                RollDay();
                day = _day;
            }

            counted = await sharing.Ledger.CountOnceAsync(Key, day, scan, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            sharing.Failed?.Invoke(Key, e);
            return false;
        }

        lock (_lock)
        {
            // Nothing here changed the disk yet (it was not known): the ledger's figures are the account's.
            _bytes = counted.Used.Bytes;
            _files = counted.Used.Files;
            _scannedAt = counted.ScannedAt;
            if (counted.Day == _day)
            {
                _uploadedToday = counted.Used.Uploaded;
                _downloadedToday = counted.Used.Downloaded;
            }

            DiskKnown = true;
        }

        return true;
    }

    private bool Fits(UsageFigures extra) =>
        (extra.Bytes == 0 || BytesFit(extra.Bytes)) && (extra.Files == 0 || FileFits()) &&
        (extra.Uploaded == 0 || GrantLeft(TransferDirection.Upload) >= extra.Uploaded) &&
        (extra.Downloaded == 0 || GrantLeft(TransferDirection.Download) >= extra.Downloaded);

    /// <summary>Whether <paramref name="bytes"/> more fit the disk quota (alone: the quota; shared: this gateway's grant). Under the lock.</summary>
    private bool BytesFit(long bytes) =>
        Limits.QuotaBytes is not { } quota ||
        (sharing is null ? _bytes + bytes <= quota : _pending.Bytes + _inFlightBytes + bytes <= _held.Bytes);

    private bool FileFits() =>
        Limits.QuotaFiles is not { } quota || (sharing is null ? _files + 1 <= quota : _pending.Files + 1 <= _held.Files);

    /// <summary>Shared: what this gateway may still move today in <paramref name="direction"/>. Under the lock.</summary>
    private long GrantLeft(TransferDirection direction) =>
        !HasDailyLimit(direction) ? long.MaxValue
        : direction == TransferDirection.Upload ? _held.Uploaded - _pending.Uploaded : _held.Downloaded - _pending.Downloaded;
}

/// <summary>
/// A count of the disk not yet sent to the ledger; <paramref name="Repairs"/>: an admin's scan, which replaces the
/// shared figures (a first count replaces them only if nobody counted the account). A new scan is a new object, so an
/// exchange under way can tell whether one came meanwhile.
/// </summary>
internal sealed record PendingScan(DiskUsage Disk, bool Repairs);
