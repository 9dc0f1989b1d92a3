using Microsoft.Extensions.DependencyInjection;
using MultiXfer.Server.Configuration;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MultiXfer.Server.Observability;

/// <summary>
/// The OpenTelemetry SDK in the admin listener's container: it aggregates every MultiXfer meter and the runtime's
/// (System.Runtime: GC, heap, thread pool, exceptions) and serves them at /metrics in Prometheus's text format.
/// </summary>
internal static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    /// <summary>The server's own meters ("MultiXfer" and one per layer, "MultiXfer.Ftp" and so on) and the runtime's.</summary>
    private static readonly string[] Meters = [ConnectionMetrics.MeterName, ConnectionMetrics.MeterName + ".*", "System.Runtime"];

    /// <summary>What every exported span and metric says about its source.</summary>
    private static void Describe(ResourceBuilder resource) =>
        resource.AddService("multixfer", serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString());

    /// <summary>Traces over OTLP in the server's own container (the admin listener may be off), when configured.</summary>
    public static void AddTracing(IServiceCollection services, TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(Describe)
            .WithTracing(tracing => tracing.AddSource(TraceObserver.SourceName).AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(options.OtlpEndpoint);
                otlp.Protocol = options.OtlpProtocol == TelemetryOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            }));
    }

    public static void AddTo(IServiceCollection services) =>
        services.AddOpenTelemetry()
            .ConfigureResource(Describe)
            .WithMetrics(metrics => metrics.AddMeter(Meters)
                // A scrape reads the figures as they are now (the exporter's default caches them for 300 ms).
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
}
