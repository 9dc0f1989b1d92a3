namespace MultiXfer.Limits;

/// <summary>
/// One account's live usage, shared by all its sessions in every protocol: the disk its root holds (bytes and
/// files), the file bytes moved today (UTC), its open sessions and its shared rate gates. Storage reserves bytes here
/// before it writes them, so concurrent uploads of one account never pass the quota together.
/// </summary>
/// <param name="metrics">Where the account's refusals and waits are counted; null: nowhere.</param>
/// <param name="sharing">The cluster's ledger, when gateways share the account (then the limits hold across them); null: this gateway alone.</param>
public sealed partial class AccountUsage(string key, TimeProvider time, LimitMetrics? metrics = null, UsageSharing? sharing = null)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private AccountLimits _limits = new();
    private long _bytes;
    private long _inFlightBytes;
    private long _files;
    private long _day;
    private long _uploadedToday;
    private long _downloadedToday;
    private int _sessions;
    private int _rateShares = 1;
    private bool _dirty;
    private bool _storeConsulted;
    private DateTimeOffset? _scannedAt;

    public string Key { get; } = key;

    public LimitMetrics? Metrics { get; } = metrics;

    /// <summary>The effective limits (the host's defaults applied), as of the latest session that opened.</summary>
    public AccountLimits Limits => Volatile.Read(ref _limits);

    public RateGate Upload { get; } = new(0);

    public RateGate Download { get; } = new(0);

    /// <summary>Whether the disk figures are known (loaded from the store or counted by a scan).</summary>
    public bool DiskKnown { get; private set; }

    public int Sessions
    {
        get
        {
            lock (_lock)
            {
                return _sessions;
            }
        }
    }

    /// <summary>Applies <paramref name="limits"/> (already merged with defaults): quotas, rates and the session cap.</summary>
    public void Apply(AccountLimits limits)
    {
        Volatile.Write(ref _limits, limits);
        SetRates();
    }

    /// <summary>Whether the account's transfers have a rate (then gateways sharing it split the rate).</summary>
    public bool RateLimited => Limits.UploadBytesPerSecond is not null || Limits.DownloadBytesPerSecond is not null;

    /// <summary>
    /// The account's sessions are on <paramref name="gateways"/> gateways of a cluster (this one among them): each
    /// gateway paces the account at its part of the rate, so together they keep to it.
    /// </summary>
    public void ShareRates(int gateways)
    {
        Volatile.Write(ref _rateShares, Math.Max(1, gateways));
        SetRates();
    }

    private void SetRates()
    {
        var limits = Limits;
        int shares = Volatile.Read(ref _rateShares);
        // 0 means no limit to a gate: a split never rounds a tiny rate down to that.
        Upload.BytesPerSecond = limits.UploadBytesPerSecond is { } up ? Math.Max(1, up / shares) : 0;
        Download.BytesPerSecond = limits.DownloadBytesPerSecond is { } down ? Math.Max(1, down / shares) : 0;
    }

    /// <summary>Counts a new session unless the account holds <see cref="AccountLimits.MaxSessions"/> already.</summary>
    public bool TryOpenSession()
    {
        lock (_lock)
        {
            if (Limits.MaxSessions is { } max && _sessions >= max)
            {
                return false;
            }

            _sessions++;
            return true;
        }
    }

    public void CloseSession()
    {
        lock (_lock)
        {
            _sessions = Math.Max(0, _sessions - 1);
        }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> more of the disk quota (negative: gives them back); false, nothing taken, if they
    /// do not fit. <paramref name="inFlight"/> bytes belong to an upload's temporary: they count against the quota
    /// but are not persisted, because a crash leaves the temporary to the sweep, which removes it.
    /// </summary>
    public bool TryReserveBytes(long bytes, bool inFlight = false)
    {
        lock (_lock)
        {
            // A length a peer names (SETSTAT size 2^63-1, a write at an offset near it) must not wrap the sum negative,
            // which would clamp the account's usage to zero: more than a long can count is refused, quota or none.
            if (bytes > 0 && (bytes > long.MaxValue - _bytes || !BytesFit(bytes)))
            {
                return false;
            }

            _bytes = Math.Max(0, _bytes + bytes);
            if (inFlight)
            {
                _inFlightBytes = Math.Max(0, _inFlightBytes + bytes);
            }
            else
            {
                _pending = _pending with { Bytes = _pending.Bytes + bytes };
            }

            _dirty = true;
            return true;
        }
    }

    public void ReleaseBytes(long bytes, bool inFlight = false) => TryReserveBytes(-bytes, inFlight);

    /// <summary>A committed upload: its temporary's bytes now belong to the file it became.</summary>
    public void Settle(long bytes)
    {
        lock (_lock)
        {
            _inFlightBytes = Math.Max(0, _inFlightBytes - bytes);
            _pending = _pending with { Bytes = _pending.Bytes + bytes };
            _dirty = true;
        }
    }

    /// <summary>Counts one more file; false (nothing counted) if the file quota is reached.</summary>
    public bool TryAddFile()
    {
        lock (_lock)
        {
            if (!FileFits())
            {
                return false;
            }

            _files++;
            _pending = _pending with { Files = _pending.Files + 1 };
            _dirty = true;
            return true;
        }
    }

    public void RemoveFile()
    {
        lock (_lock)
        {
            _files = Math.Max(0, _files - 1);
            _pending = _pending with { Files = _pending.Files - 1 };
            _dirty = true;
        }
    }

    /// <summary>
    /// How many of <paramref name="wanted"/> file bytes may still move today in <paramref name="direction"/> (per
    /// direction and in total); 0 once the day's allowance is spent.
    /// </summary>
    public long AllowanceToday(TransferDirection direction, long wanted)
    {
        var limits = Limits;
        long? own = direction == TransferDirection.Upload ? limits.UploadBytesPerDay : limits.DownloadBytesPerDay;
        if (own is null && limits.TransferBytesPerDay is null)
        {
            return wanted;
        }

        lock (_lock)
        {
            RollDay();
            if (sharing is not null)
            {
                return Math.Clamp(GrantLeft(direction), 0, wanted);
            }

            long moved = direction == TransferDirection.Upload ? _uploadedToday : _downloadedToday;
            long left = wanted;
            if (own is { } perDirection)
            {
                left = Math.Min(left, perDirection - moved);
            }

            if (limits.TransferBytesPerDay is { } total)
            {
                left = Math.Min(left, total - _uploadedToday - _downloadedToday);
            }

            return Math.Max(0, left);
        }
    }

    /// <summary>
    /// The daily allowance that stops a transfer in <paramref name="direction"/>: of the direction's own and the total,
    /// the one with less left (the direction's own on a tie).
    /// </summary>
    public LimitKind DailyLimitReached(TransferDirection direction)
    {
        var limits = Limits;
        long? own = direction == TransferDirection.Upload ? limits.UploadBytesPerDay : limits.DownloadBytesPerDay;
        lock (_lock)
        {
            RollDay();
            long ownLeft = own is { } perDirection
                ? perDirection - (direction == TransferDirection.Upload ? _uploadedToday : _downloadedToday)
                : long.MaxValue;
            long totalLeft = limits.TransferBytesPerDay is { } total ? total - _uploadedToday - _downloadedToday : long.MaxValue;
            return totalLeft < ownLeft ? LimitKind.DailyTransfer
                : direction == TransferDirection.Upload ? LimitKind.DailyUpload : LimitKind.DailyDownload;
        }
    }

    /// <summary>Adds file bytes moved today.</summary>
    public void CountTransfer(TransferDirection direction, long bytes)
    {
        lock (_lock)
        {
            RollDay();
            if (direction == TransferDirection.Upload)
            {
                _uploadedToday += bytes;
                _pending = _pending with { Uploaded = _pending.Uploaded + bytes };
            }
            else
            {
                _downloadedToday += bytes;
                _pending = _pending with { Downloaded = _pending.Downloaded + bytes };
            }

            _dirty = true;
        }
    }

    /// <summary>Whether a daily allowance limits <paramref name="direction"/> (then every byte must be seen to be counted).</summary>
    public bool HasDailyLimit(TransferDirection direction) =>
        Limits.TransferBytesPerDay is not null ||
        (direction == TransferDirection.Upload ? Limits.UploadBytesPerDay : Limits.DownloadBytesPerDay) is not null;

    /// <summary>Loads the persisted figures once; the disk stays unknown (a scan will count it) if none were stored.</summary>
    public async Task EnsureLoadedAsync(IUsageStore? store, CancellationToken cancellationToken)
    {
        if (_storeConsulted || store is null)
        {
            return;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_storeConsulted)
            {
                return;
            }

            _storeConsulted = true;
            if (await store.LoadAsync(Key, cancellationToken) is { } stored)
            {
                lock (_lock)
                {
                    _bytes = stored.Bytes;
                    _files = stored.Files;
                    _day = stored.Day;
                    _uploadedToday = stored.UploadedBytes;
                    _downloadedToday = stored.DownloadedBytes;
                    _scannedAt = stored.ScannedAt;
                    DiskKnown = stored.DiskCounted;
                }
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Counts the disk with <paramref name="scan"/> unless the figures are known already (one scan at a time).</summary>
    public async Task EnsureDiskKnownAsync(Func<CancellationToken, Task<DiskUsage>> scan, CancellationToken cancellationToken)
    {
        if (DiskKnown)
        {
            return;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (!DiskKnown && !await CountSharedOnceAsync(scan, cancellationToken))
            {
                SetDisk(await scan(cancellationToken), repair: false);
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>
    /// Replaces the disk figures with a fresh count: a scan repairing drift, or (<paramref name="repair"/> false) the
    /// first count, which a cluster's ledger takes only if nobody counted the account before.
    /// </summary>
    public void SetDisk(DiskUsage disk, bool repair = true)
    {
        lock (_lock)
        {
            _bytes = disk.Bytes;
            _inFlightBytes = disk.InFlightBytes;
            _files = disk.Files;
            _scannedAt = time.GetUtcNow();
            DiskKnown = true;
            _dirty = true;
            // Shared: the ledger's disk figures become the count, plus what this gateway changes from now on.
            _scan = new PendingScan(disk, repair);
            _pending = _pending with { Bytes = 0, Files = 0 };
        }
    }

    public UsageSnapshot Snapshot()
    {
        lock (_lock)
        {
            RollDay();
            return new UsageSnapshot(Key, _bytes, _files, _uploadedToday, _downloadedToday, _sessions, _scannedAt, Limits);
        }
    }

    /// <summary>The figures to persist if they changed since the last call; null otherwise.</summary>
    public StoredUsage? TakeChanges()
    {
        lock (_lock)
        {
            if (!_dirty)
            {
                return null;
            }

            _dirty = false;
            return new StoredUsage(Key, _bytes - _inFlightBytes, _files, _day, _uploadedToday, _downloadedToday, _scannedAt, DiskKnown);
        }
    }

    /// <summary>The figures must be written again (a flush failed).</summary>
    public void MarkChanged()
    {
        lock (_lock)
        {
            _dirty = true;
        }
    }

    /// <summary>The daily counters start again at UTC midnight.</summary>
    private void RollDay()
    {
        long today = time.GetUtcNow().ToUnixTimeSeconds() / 86_400;
        if (today != _day)
        {
            _day = today;
            _uploadedToday = 0;
            _downloadedToday = 0;
            // Yesterday's transfers not yet settled no longer count against anything.
            _pending = _pending with { Uploaded = 0, Downloaded = 0 };
        }
    }
}

/// <summary>
/// What a scan counted: regular files' bytes (each inode once), of them those in uploads' temporaries, and files plus
/// symbolic links.
/// </summary>
public readonly record struct DiskUsage(long Bytes, long Files, long InFlightBytes = 0);

/// <summary>An account's usage as the API, the CLI and SITE QUOTA show it.</summary>
public sealed record UsageSnapshot(string Key, long UsedBytes, long UsedFiles, long UploadedToday, long DownloadedToday, int Sessions,
    DateTimeOffset? ScannedAt, AccountLimits Limits);

/// <summary>
/// An account's usage as stored; <paramref name="Day"/> counts UTC days since 1970. <paramref name="DiskCounted"/>: the
/// disk figures were counted (a read-only account's never are: it cannot change its disk, so it is not scanned).
/// </summary>
public sealed record StoredUsage(string Key, long Bytes, long Files, long Day, long UploadedBytes, long DownloadedBytes,
    DateTimeOffset? ScannedAt, bool DiskCounted = true);

/// <summary>Where usage survives restarts (the account store's database).</summary>
public interface IUsageStore
{
    Task<StoredUsage?> LoadAsync(string key, CancellationToken cancellationToken);

    Task SaveAsync(IReadOnlyList<StoredUsage> usage, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
