using MultiXfer.Server.Configuration;
using Serilog;
using Serilog.Sinks.Async;

namespace MultiXfer.Server.Observability;

/// <summary>
/// The two logs written for tools rather than people: the xferlog (<c>Logging:TransferLog</c>) and the JSON audit log
/// (<c>Logging:AuditLog</c>, rolled daily and by size). Each writes through a bounded in-memory buffer on its own
/// thread: a slow disk drops events, counted in <see cref="Dropped"/>, and never holds up a session.
/// </summary>
internal sealed class OperatorLogs : IDisposable
{
    private readonly DropCounter _auditDrops = new();
    private readonly DropCounter _transferDrops = new();

    public OperatorLogs(LoggingOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AuditLog))
        {
            Audit = new LoggerConfiguration().MinimumLevel.Verbose()
                .WriteTo.Async(a => a.File(new AuditJsonFormatter(), options.AuditLog, rollingInterval: RollingInterval.Day,
                        fileSizeLimitBytes: options.AuditLogFileBytes, rollOnFileSizeLimit: true, retainedFileCountLimit: options.RetainedFiles),
                    bufferSize: options.BufferedEvents, blockWhenFull: false, monitor: _auditDrops)
                .CreateLogger();
        }

        if (!string.IsNullOrWhiteSpace(options.TransferLog))
        {
            // One file, never rolled by the server, as ProFTPD's: logrotate (copytruncate) or the analyser rotates it.
            Transfers = new LoggerConfiguration().MinimumLevel.Verbose()
                .WriteTo.Async(a => a.File(options.TransferLog, outputTemplate: "{Message:l}{NewLine}", fileSizeLimitBytes: null,
                        formatProvider: System.Globalization.CultureInfo.InvariantCulture),
                    bufferSize: options.BufferedEvents, blockWhenFull: false, monitor: _transferDrops)
                .CreateLogger();
        }
    }

    /// <summary>The audit log's writer; null when not configured.</summary>
    public Serilog.Core.Logger? Audit { get; }

    /// <summary>The xferlog's writer; null when not configured.</summary>
    public Serilog.Core.Logger? Transfers { get; }

    /// <summary>Events each log dropped because its buffer was full.</summary>
    public (long Audit, long Transfers) Dropped => (_auditDrops.Dropped, _transferDrops.Dropped);

    /// <summary>Flushes what is buffered (at shutdown).</summary>
    public void Dispose()
    {
        Audit?.Dispose();
        Transfers?.Dispose();
    }

    private sealed class DropCounter : IAsyncLogEventSinkMonitor
    {
        private IAsyncLogEventSinkInspector? _inspector;

        public long Dropped => _inspector?.DroppedMessagesCount ?? 0;

        public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

        public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = null;
    }
}
