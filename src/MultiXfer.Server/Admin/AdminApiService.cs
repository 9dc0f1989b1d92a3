using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Observability;
using OpenTelemetry.Metrics;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Admin;

/// <summary>
/// The admin API on its own Kestrel listener (Admin:Address, Admin:Port), started and stopped with the server.
/// It shares the server's objects (account database, sessions, reloader) rather than a container of its own, so
/// the API and the protocols see one state.
/// </summary>
internal sealed partial class AdminApiService(AdminOptions options, AdminContext context, ILoginThrottle tokenFailures, CertificateStore certificates,
    Readiness readiness, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    /// <summary>Request bodies are small JSON documents; anything larger is refused before it is read.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    private readonly ILogger _logger = loggers.CreateLogger<AdminApiService>();
    private WebApplication? _app;

    /// <summary>The port bound (Admin:Port 0 picks a free one), once started.</summary>
    public int BoundPort { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The empty builder: no appsettings.json and so no file watcher. The slim builder watches its content root,
        // the working directory, recursively for appsettings changes; with the data root beneath it, every upload and
        // log line woke that watcher (measured: 9 % of the server's CPU in a 1000-file mirror), and a large tree
        // would exhaust the inotify watch limit. Configuration comes from MultiXfer's own settings, not the builder's.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "MultiXfer.Admin" });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1");
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJson.Default));
        TelemetrySetup.AddTo(builder.Services);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Listen(IPAddress.Parse(options.Address), options.Port, listen =>
            {
                // HTTP/2 needs ALPN, so TLS; in the clear the API speaks HTTP/1.1.
                listen.Protocols = options.UseTls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                if (options.UseTls)
                {
                    // The FTPS certificate as it is now: a reloaded certificate applies to the next handshake.
                    listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificates.Current?.Default.Leaf);
                }
            });
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(new AdminAuthentication(context, tokenFailures, loggers.CreateLogger<AdminAuthentication>()).InvokeAsync);
        AdminEndpoints.Map(app, context);
        HealthEndpoints.Map(app, readiness);
        // Prometheus's text format; the admin token guards it like the API (a read-scope token is enough).
        app.MapPrometheusScrapingEndpoint(TelemetrySetup.MetricsPath);
        app.MapOpenApi("/api/v1/openapi.json");
        await app.StartAsync(cancellationToken);
        _app = app;
        BoundPort = new Uri(app.Urls.First()).Port;
        LogListening(options.Address, BoundPort, options.UseTls ? "https" : "http");
        if (!options.UseTls && !IPAddress.IsLoopback(IPAddress.Parse(options.Address)))
        {
            LogCleartext(options.Address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "admin API listening on {Address}:{Port} ({Scheme})")]
    private partial void LogListening(string address, int port, string scheme);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "admin API on {Address} without TLS: tokens and passwords cross the network in the clear; set Admin:UseTls")]
    private partial void LogCleartext(string address);
}
