using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using MultiXfer.Connections;
using MultiXfer.Observability;
using MultiXfer.Server.Observability;
using MultiXfer.Server.Configuration;
using MultiXfer.Transport;
using MultiXfer.Transport.Admission;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Starts one <see cref="ConnectionListener"/> per configured listener and, on shutdown (SIGTERM, Ctrl-C), stops
/// accepting, lets transfers in flight finish for the grace period, then closes what remains.
/// </summary>
internal sealed partial class ListenerService(
    MultiXferSettings settings,
    IReadOnlyDictionary<string, ListenerFrontEnd> frontEndsByListener,
    VirtualHostDirectory virtualHosts,
    ConnectionTracker tracker,
    SourcePenalties penalties,
    IConnectionObserver observer,
    IMeterFactory meters,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly List<ConnectionListener> _listeners = [];
    private readonly ILogger _logger = loggerFactory.CreateLogger("MultiXfer.Server");

    public IReadOnlyList<ConnectionListener> Listeners => _listeners;

    /// <summary>The one penalty table every listener consults (and a cluster's exchange feeds).</summary>
    public static SourcePenalties CreatePenalties(MultiXferSettings settings, IMeterFactory meters, ILoggerFactory loggerFactory)
    {
        // Trusted proxies are never penalised for their clients: the relayed address is.
        var exempt = settings.Penalties.Exempt.Concat(settings.Listeners.Values.SelectMany(l => l.TrustedProxies))
            .Select(n => ListenerFrontEnds.TryParseNetwork(n, out var network) ? network : throw new FormatException(n)).ToList();
        return new SourcePenalties(settings.Penalties, exempt, settings.Server.Ipv6PrefixLength, TimeProvider.System,
            loggerFactory.CreateLogger("MultiXfer.Penalties"), new PenaltyMetrics(meters));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var admission = new AdmissionGate(AdmissionLimits.From(settings.Server));
        var meter = meters.Create(ConnectionMetrics.MeterName);
        meter.CreateObservableGauge("multixfer.connections.queued", () => admission.Waiting, "{connection}",
            "Connections waiting unanswered in the admission queue for a slot");
        var connectionLogger = loggerFactory.CreateLogger("MultiXfer.Connection");
        foreach (var (name, options) in settings.Listeners)
        {
            var endPoint = new IPEndPoint(IPAddress.Parse(options.Address), options.Port);
            var listener = new ConnectionListener(name, endPoint, frontEndsByListener[name], virtualHosts, admission, penalties, tracker,
                observer, connectionLogger);
            try
            {
                listener.Start();
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"Listeners:{name}: cannot listen on {endPoint}: {e.Message}", e);
            }

            _listeners.Add(listener);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(tracker.Count, settings.Server.ShutdownGraceSeconds);
        foreach (var listener in _listeners)
        {
            await listener.StopAsync();
        }

        await tracker.DrainAsync(TimeSpan.FromSeconds(settings.Server.ShutdownGraceSeconds));
        LogStopped();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: no new connections; {Count} open, grace period {Seconds} s")]
    private partial void LogStopping(int count, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped")]
    private partial void LogStopped();
}
