using Microsoft.Extensions.Configuration;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Observability;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Settings.Configuration;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Serilog as the logging provider: the console always, a rolling daily file when configured, plain text or JSON lines
/// (<c>Logging:Format</c>; JSON for containers, whose log collectors parse one object per line). Each line about a
/// connection carries its id, the client address and the user, from the connection's logging scope. An optional
/// <c>Serilog</c> section adds what Serilog.Settings.Configuration reads: per-namespace level overrides, more sinks.
/// </summary>
internal static class SerilogSetup
{
    private const string Template =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] [{ConnectionId} {RemoteAddress} {User}] {Message:lj}{NewLine}{Exception}";

    /// <summary>The loggers whose events are audit events: the file layer's changes, admin changes, penalties.</summary>
    private static readonly string[] AuditSources = ["MultiXfer.Audit", "MultiXfer.Penalties"];

    /// <summary>Loggers of key material, whose lines naming a fingerprint (loaded, reloaded, rotated) are audit events too.</summary>
    private static readonly string[] KeyMaterialSources = ["MultiXfer.Tls", "MultiXfer.Ssh.HostKeys"];

    public static Serilog.Core.Logger Create(LoggingOptions options, IConfiguration configuration, OperatorLogs? operatorLogs = null)
    {
        SettingsValidator.TryParseLevel(options.Level, out var level);
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var audit = operatorLogs?.AuditEvents;
        var loggerConfiguration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
        if (audit is not null && level > LogEventLevel.Information)
        {
            // The audit log records its loggers' Information events whatever the console's level; every other logger
            // stays at the configured level, so its Information events are still never built. The console and file
            // sinks keep the configured level for the audit loggers too.
            foreach (string source in AuditSources.Concat(KeyMaterialSources))
            {
                loggerConfiguration.MinimumLevel.Override(source, LogEventLevel.Information);
            }
        }

        loggerConfiguration
            .ReadFrom.Configuration(configuration, new ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly,
                typeof(FileLoggerConfigurationExtensions).Assembly) { SectionName = LoggingOptions.SerilogSection })
            .Enrich.FromLogContext()
            .Enrich.With<DefaultConnectionProperties>();
        bool json = options.Format.Equals(LoggingOptions.JsonFormat, StringComparison.OrdinalIgnoreCase);
        if (json)
        {
            loggerConfiguration.WriteTo.Console(new RenderedCompactJsonFormatter(), restrictedToMinimumLevel: level);
        }
        else
        {
            loggerConfiguration.WriteTo.Console(outputTemplate: Template, formatProvider: culture, restrictedToMinimumLevel: level);
        }

        if (!string.IsNullOrWhiteSpace(options.File))
        {
            if (json)
            {
                loggerConfiguration.WriteTo.File(new RenderedCompactJsonFormatter(), options.File, rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: options.RetainedFiles, restrictedToMinimumLevel: level);
            }
            else
            {
                loggerConfiguration.WriteTo.File(options.File, outputTemplate: Template, rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: options.RetainedFiles, formatProvider: culture, restrictedToMinimumLevel: level);
            }
        }

        if (audit is not null)
        {
            loggerConfiguration.WriteTo.Logger(sub => sub
                .Filter.ByIncludingOnly(IsAuditEvent)
                .WriteTo.Sink(audit));
        }

        return loggerConfiguration.CreateLogger();
    }

    /// <summary>Whether a main-pipeline event belongs in the audit log: the audit loggers' events, and key-material lines naming a fingerprint.</summary>
    private static bool IsAuditEvent(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name }
        && (AuditSources.Contains(name) || (KeyMaterialSources.Contains(name) && logEvent.Properties.ContainsKey("Fingerprint")));

    /// <summary>Lines not about a connection show "-" in the connection columns instead of nothing.</summary>
    private sealed class DefaultConnectionProperties : Serilog.Core.ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("ConnectionId", "-"));
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("RemoteAddress", "-"));
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("User", "-"));
        }
    }
}
