using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Server.Certificates;
using MultiXfer.Server.Configuration;
using MultiXfer.Transport;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Reads the configuration again on SIGHUP or when the --config file changes, and brings the virtual hosts (and the
/// top-level users, greeting and FTP anonymous settings of the default host) up to date: new connections get the new
/// catalog, open ones keep the one they started with. A configuration that fails validation is logged and changes
/// nothing. Listeners, ports, SSH host key files and algorithm lists (global, per listener and per virtual host)
/// and the other sections are read at start only.
/// </summary>
internal sealed partial class ConfigurationReloader(
    string[] args,
    IEnumerable<KeyValuePair<string, string?>>? overrides,
    VirtualHostFactory factory,
    VirtualHostDirectory directory,
    CertificateManager certificates,
    ILogger logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private ReloadTrigger? _trigger;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _trigger = new ReloadTrigger(Reload, detail => LogWatcherError(detail));
        if (ConfigurationSources.ConfigFileArgument(args) is { } file)
        {
            _trigger.Watch([file]);
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs on a timer or signal thread: nothing may escape, and a failure keeps what is in service.</summary>
    public void Reload(string reason)
    {
        lock (_gate)
        {
            try
            {
                var configuration = ConfigurationSources.Build(args, overrides);
                var settings = MultiXferSettings.Bind(configuration);
                var problems = SettingsValidator.Validate(settings, configuration);
                if (problems.Count > 0)
                {
                    LogRejected(reason, string.Join("; ", problems));
                    return;
                }

                var catalog = factory.Build(settings);
                if (certificates.UseSiteCertificates(CertificateLoader.SiteCertificates(settings)) is { } certificateProblem)
                {
                    LogRejected(reason, certificateProblem);
                    return;
                }

                directory.Replace(catalog);
                LogReloaded(reason, string.Join(", ", catalog.Named.Select(h => h.Name).DefaultIfEmpty("none")));
            }
            catch (Exception e)
            {
                LogRejected(reason, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _trigger?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "configuration reloaded ({Reason}); virtual hosts: {Hosts}")]
    private partial void LogReloaded(string reason, string hosts);

    [LoggerMessage(Level = LogLevel.Error, Message = "configuration reload ({Reason}) rejected, the running configuration stays: {Problems}")]
    private partial void LogRejected(string reason, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "configuration file watcher lost events ({Detail}); reloading")]
    private partial void LogWatcherError(string detail);
}
