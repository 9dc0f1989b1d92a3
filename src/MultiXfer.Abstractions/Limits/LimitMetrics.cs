using System.Diagnostics.Metrics;

namespace MultiXfer.Limits;

/// <summary>The limit that refused something.</summary>
public enum LimitKind
{
    /// <summary>The account's disk quota (bytes).</summary>
    QuotaBytes,

    /// <summary>The account's file quota.</summary>
    QuotaFiles,

    DailyUpload,

    DailyDownload,

    /// <summary>The daily allowance for both directions together.</summary>
    DailyTransfer,

    /// <summary>The account's open sessions (in every protocol).</summary>
    Sessions,
}

/// <summary>
/// Quotas, allowances and rates as metrics: every refusal by the limit that made it, and the time paced senders were
/// made to wait. The registry hands this to every account's usage, so each server (several run in one test process)
/// counts into its own instruments.
/// </summary>
public sealed class LimitMetrics
{
    public const string MeterName = "MultiXfer.Limits";

    private readonly Counter<long> _refusals;
    private readonly Counter<double> _throttled;

    public LimitMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _refusals = Meter.CreateCounter<long>("multixfer.limit.refusals", "{refusal}",
            "Operations and logins refused by an account limit, by limit (quota_bytes, quota_files, daily_upload, daily_download, " +
            "daily_transfer, sessions)");
        _throttled = Meter.CreateCounter<double>("multixfer.limit.throttled", "s",
            "Time paced transfers were made to wait by the rate limits, by direction");
    }

    public Meter Meter { get; }

    public void Refused(LimitKind limit) => _refusals.Add(1, new KeyValuePair<string, object?>("limit", limit switch
    {
        LimitKind.QuotaBytes => "quota_bytes",
        LimitKind.QuotaFiles => "quota_files",
        LimitKind.DailyUpload => "daily_upload",
        LimitKind.DailyDownload => "daily_download",
        LimitKind.DailyTransfer => "daily_transfer",
        _ => "sessions",
    }));

    /// <summary>A paced step of a transfer waited <paramref name="wait"/> (once per step of up to 256 KiB, never per packet).</summary>
    public void Throttled(TransferDirection direction, TimeSpan wait) =>
        _throttled.Add(wait.TotalSeconds,
            new KeyValuePair<string, object?>("direction", direction == TransferDirection.Upload ? "upload" : "download"));
}
