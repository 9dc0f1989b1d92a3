namespace MultiXfer.Limits;

/// <summary>
/// The <c>Limits</c> section, at the top level (the default host) or in a virtual host: defaults for its accounts,
/// caps for each session, and caps for all of the host's sessions together. Every value: 0 or unset, no limit.
/// </summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    public int? MaxSessions { get; set; }

    public long? QuotaBytes { get; set; }

    public long? QuotaFiles { get; set; }

    public long? UploadBytesPerSecond { get; set; }

    public long? DownloadBytesPerSecond { get; set; }

    public long? UploadBytesPerDay { get; set; }

    public long? DownloadBytesPerDay { get; set; }

    public long? TransferBytesPerDay { get; set; }

    /// <summary>Each session's own upload cap, below the account's shared rate.</summary>
    public long SessionUploadBytesPerSecond { get; set; }

    public long SessionDownloadBytesPerSecond { get; set; }

    /// <summary>All sessions of the host together (every account): what the host may take of the link.</summary>
    public long HostUploadBytesPerSecond { get; set; }

    public long HostDownloadBytesPerSecond { get; set; }

    public AccountLimits AccountDefaults() => new()
    {
        MaxSessions = MaxSessions,
        QuotaBytes = QuotaBytes,
        QuotaFiles = QuotaFiles,
        UploadBytesPerSecond = UploadBytesPerSecond,
        DownloadBytesPerSecond = DownloadBytesPerSecond,
        UploadBytesPerDay = UploadBytesPerDay,
        DownloadBytesPerDay = DownloadBytesPerDay,
        TransferBytesPerDay = TransferBytesPerDay,
    };

    /// <summary>Every value that must not be negative, by its configuration name.</summary>
    public IEnumerable<(string Name, long? Value)> Values() =>
    [
        .. AccountDefaults().Values(),
        (nameof(SessionUploadBytesPerSecond), SessionUploadBytesPerSecond), (nameof(SessionDownloadBytesPerSecond), SessionDownloadBytesPerSecond),
        (nameof(HostUploadBytesPerSecond), HostUploadBytesPerSecond), (nameof(HostDownloadBytesPerSecond), HostDownloadBytesPerSecond),
    ];
}

/// <summary>A host's limits as sessions use them: the account defaults, the per-session caps, and the host's shared gates.</summary>
public sealed class HostLimits(LimitOptions options)
{
    public static HostLimits None { get; } = new(new LimitOptions());

    public AccountLimits AccountDefaults { get; } = options.AccountDefaults();

    public long SessionUploadBytesPerSecond { get; } = options.SessionUploadBytesPerSecond;

    public long SessionDownloadBytesPerSecond { get; } = options.SessionDownloadBytesPerSecond;

    public RateGate Upload { get; } = new(options.HostUploadBytesPerSecond);

    public RateGate Download { get; } = new(options.HostDownloadBytesPerSecond);
}
