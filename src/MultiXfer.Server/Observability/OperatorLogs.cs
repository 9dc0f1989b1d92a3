using MultiXfer.Server.Configuration;
using Serilog;
using Serilog.Configuration;

namespace MultiXfer.Server.Observability;

/// <summary>
/// The two logs written for tools rather than people: the xferlog (<c>Logging:TransferLog</c>) and the JSON audit log
/// (<c>Logging:AuditLog</c>, rolled daily and by size). Each writes through a bounded in-memory queue
/// (<see cref="BatchingSink"/>): a slow disk drops events, counted in <see cref="Dropped"/>, and never holds up a
/// session.
/// </summary>
internal sealed class OperatorLogs : IDisposable
{
    private readonly BatchingSink? _auditQueue;
    private readonly BatchingSink? _transferQueue;

    public OperatorLogs(LoggingOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AuditLog))
        {
            _auditQueue = new BatchingSink(LoggerSinkConfiguration.CreateSink(sink => sink.File(new AuditJsonFormatter(), options.AuditLog,
                rollingInterval: RollingInterval.Day, fileSizeLimitBytes: options.AuditLogFileBytes, rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFiles, buffered: true)), options.BufferedEvents);
            Audit = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_auditQueue).CreateLogger();
        }

        if (!string.IsNullOrWhiteSpace(options.TransferLog))
        {
            // One file, never rolled by the server, as ProFTPD's: logrotate (copytruncate) or the analyser rotates it.
            _transferQueue = new BatchingSink(LoggerSinkConfiguration.CreateSink(sink => sink.File(options.TransferLog,
                outputTemplate: "{Message:l}{NewLine}", fileSizeLimitBytes: null, formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                buffered: true)), options.BufferedEvents);
            Transfers = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_transferQueue).CreateLogger();
        }
    }

    /// <summary>The audit log's writer; null when not configured.</summary>
    public Serilog.Core.Logger? Audit { get; }

    /// <summary>The xferlog's writer; null when not configured.</summary>
    public Serilog.Core.Logger? Transfers { get; }

    /// <summary>Events each log dropped because its queue was full or its disk failed.</summary>
    public (long Audit, long Transfers) Dropped => (_auditQueue?.Dropped ?? 0, _transferQueue?.Dropped ?? 0);

    /// <summary>Writes what is queued and closes the files (at shutdown).</summary>
    public void Dispose()
    {
        Audit?.Dispose();
        Transfers?.Dispose();
        _auditQueue?.Dispose();
        _transferQueue?.Dispose();
    }
}
