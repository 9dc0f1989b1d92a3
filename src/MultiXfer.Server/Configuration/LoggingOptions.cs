namespace MultiXfer.Server.Configuration;

/// <summary>The <c>Logging</c> section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>The top-level section Serilog.Settings.Configuration reads (level overrides per namespace, more sinks).</summary>
    public const string SerilogSection = "Serilog";

    public const string TextFormat = "text";

    public const string JsonFormat = "json";

    /// <summary>Verbose, Debug, Information, Warning, Error or Fatal.</summary>
    public string Level { get; set; } = "Information";

    /// <summary>"text" (one readable line per event) or "json" (one compact JSON object per line, for log collectors).</summary>
    public string Format { get; set; } = TextFormat;

    /// <summary>A rolling daily log file in addition to the console; empty for console only.</summary>
    public string File { get; set; } = "";

    public int RetainedFiles { get; set; } = 14;

    /// <summary>The xferlog file (one line per completed or aborted transfer, as ProFTPD writes it); empty for none.</summary>
    public string TransferLog { get; set; } = "";

    /// <summary>The JSON-lines audit log (connections, logins, transfers, file changes, admin changes); empty for none.</summary>
    public string AuditLog { get; set; } = "";

    /// <summary>
    /// Completed transfers' audit events carry the SHA-256 of their bytes. Costs a hash of everything moved, and FTP
    /// downloads leave sendfile; off by default.
    /// </summary>
    public bool AuditSha256 { get; set; }

    /// <summary>The audit log rolls over daily and when a file reaches this size.</summary>
    public long AuditLogFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Events the transfer and audit logs hold in memory while the disk catches up; beyond it events are dropped and
    /// counted (multixfer_log_events_dropped_total), so a slow disk never holds up a transfer.
    /// </summary>
    public int BufferedEvents { get; set; } = 10_000;
}
