using MultiXfer.Server.Configuration;
using Serilog;
using Serilog.Events;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Serilog as the logging provider: the console always, a rolling daily file when configured. Each line about a
/// connection carries its id, the client address and the user, from the connection's logging scope.
/// </summary>
internal static class SerilogSetup
{
    private const string Template =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] [{ConnectionId} {RemoteAddress} {User}] {Message:lj}{NewLine}{Exception}";

    public static Serilog.Core.Logger Create(LoggingOptions options)
    {
        SettingsValidator.TryParseLevel(options.Level, out var level);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<DefaultConnectionProperties>()
            .WriteTo.Console(outputTemplate: Template, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrWhiteSpace(options.File))
        {
            configuration.WriteTo.File(options.File, outputTemplate: Template, rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: options.RetainedFiles, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        return configuration.CreateLogger();
    }

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
