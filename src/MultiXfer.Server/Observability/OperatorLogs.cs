using MultiXfer.Server.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace MultiXfer.Server.Observability;

/// <summary>
/// The two logs written for tools rather than people: the xferlog (<c>Logging:TransferLog</c>) and the JSON audit log
/// (<c>Logging:AuditLog</c>, rolled daily and by size). Each writes through a bounded in-memory queue
/// (<see cref="ToolLogWriter"/>): a slow disk drops lines, counted in <see cref="Dropped"/>, and never holds up a
/// session.
/// </summary>
internal sealed class OperatorLogs : IDisposable
{
    public OperatorLogs(LoggingOptions options, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (!string.IsNullOrWhiteSpace(options.AuditLog))
        {
            Audit = new ToolLogWriter(new ToolLogFile(options.AuditLog, new RollPolicy(options.AuditLogFileBytes, options.RetainedFiles), time),
                options.BufferedEvents);
            AuditEvents = new AuditEventSink(Audit);
        }

        if (!string.IsNullOrWhiteSpace(options.TransferLog))
        {
            // One file, never rolled by the server, as ProFTPD's: logrotate (copytruncate) or the analyser rotates it.
            Transfers = new ToolLogWriter(new ToolLogFile(options.TransferLog, roll: null, time), options.BufferedEvents);
        }
    }

    /// <summary>The audit log's writer; null when not configured.</summary>
    public ToolLogWriter? Audit { get; }

    /// <summary>The main pipeline's audit events (file layer, admin changes, penalties, key material) into the audit log.</summary>
    public ILogEventSink? AuditEvents { get; }

    /// <summary>The xferlog's writer; null when not configured.</summary>
    public ToolLogWriter? Transfers { get; }

    /// <summary>Lines each log dropped because its queue was full or its disk failed.</summary>
    public (long Audit, long Transfers) Dropped => (Audit?.Dropped ?? 0, Transfers?.Dropped ?? 0);

    /// <summary>Writes what is queued and closes the files (at shutdown).</summary>
    public void Dispose()
    {
        Audit?.Dispose();
        Transfers?.Dispose();
    }

    /// <summary>Serilog events formatted by <see cref="AuditJsonFormatter"/> on the writer thread.</summary>
    private sealed class AuditEventSink(ToolLogWriter writer) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => writer.Add(new AuditEventLine(logEvent));
    }

    private sealed class AuditEventLine(LogEvent logEvent) : IToolLogLine
    {
        private static readonly AuditJsonFormatter Formatter = new();

        public void WriteTo(ToolLogBatch batch)
        {
            var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            Formatter.Format(logEvent, text);
            batch.WriteLine(text.ToString().AsSpan().TrimEnd('\n'));
        }
    }
}
