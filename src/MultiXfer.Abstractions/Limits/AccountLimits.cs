namespace MultiXfer.Limits;

/// <summary>
/// An account's limits. Null means "not set here" (a virtual host's default applies); 0 means "no limit", so an
/// account can lift a default its host sets.
/// </summary>
public sealed record AccountLimits
{
    /// <summary>Sessions at once, across protocols: an SFTP session and an FTP session count the same.</summary>
    public int? MaxSessions { get; init; }

    /// <summary>Bytes the account's root may hold (regular files; hard links count once per inode).</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>Files and symbolic links the account's root may hold (directories are not counted, as in ProFTPD's quotatab).</summary>
    public long? QuotaFiles { get; init; }

    /// <summary>Upload rate, one token bucket shared by all the account's sessions.</summary>
    public long? UploadBytesPerSecond { get; init; }

    public long? DownloadBytesPerSecond { get; init; }

    /// <summary>File bytes the account may upload per UTC day.</summary>
    public long? UploadBytesPerDay { get; init; }

    public long? DownloadBytesPerDay { get; init; }

    /// <summary>File bytes up and down together per UTC day.</summary>
    public long? TransferBytesPerDay { get; init; }

    /// <summary>These limits with every unset one taken from <paramref name="defaults"/>, and 0 turned into "none" (null).</summary>
    public AccountLimits Over(AccountLimits defaults) => new()
    {
        MaxSessions = Positive(MaxSessions ?? defaults.MaxSessions),
        QuotaBytes = Positive(QuotaBytes ?? defaults.QuotaBytes),
        QuotaFiles = Positive(QuotaFiles ?? defaults.QuotaFiles),
        UploadBytesPerSecond = Positive(UploadBytesPerSecond ?? defaults.UploadBytesPerSecond),
        DownloadBytesPerSecond = Positive(DownloadBytesPerSecond ?? defaults.DownloadBytesPerSecond),
        UploadBytesPerDay = Positive(UploadBytesPerDay ?? defaults.UploadBytesPerDay),
        DownloadBytesPerDay = Positive(DownloadBytesPerDay ?? defaults.DownloadBytesPerDay),
        TransferBytesPerDay = Positive(TransferBytesPerDay ?? defaults.TransferBytesPerDay),
    };

    /// <summary>Every value that must not be negative, named as configuration and the API name it.</summary>
    public IEnumerable<(string Name, long? Value)> Values() =>
    [
        (nameof(MaxSessions), MaxSessions), (nameof(QuotaBytes), QuotaBytes), (nameof(QuotaFiles), QuotaFiles),
        (nameof(UploadBytesPerSecond), UploadBytesPerSecond), (nameof(DownloadBytesPerSecond), DownloadBytesPerSecond),
        (nameof(UploadBytesPerDay), UploadBytesPerDay), (nameof(DownloadBytesPerDay), DownloadBytesPerDay),
        (nameof(TransferBytesPerDay), TransferBytesPerDay),
    ];

    private static int? Positive(int? value) => value > 0 ? value : null;

    private static long? Positive(long? value) => value > 0 ? value : null;
}
