using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Auth.Accounts;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Limits;
using MultiXfer.Ftp;
using MultiXfer.Scp;
using MultiXfer.Server.Admin;
using MultiXfer.Accounts;
using MultiXfer.Server.Cluster;
using MultiXfer.Transport.Admission;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Observability;
using MultiXfer.Observability;
using System.Diagnostics.Metrics;
using MultiXfer.Sftp;
using MultiXfer.Server.Certificates;
using MultiXfer.Ssh;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Transport;
using MultiXfer.Transport.Tls;
using Serilog;
using Serilog.Extensions.Logging;

namespace MultiXfer.Server.Hosting;

/// <summary>A built host, or the configuration problems that prevented it.</summary>
internal sealed record HostBuildResult(IHost? Host, IReadOnlyList<string> Problems);

/// <summary>
/// Composes the server: configuration, validation, first-start provisioning, logging, and the services every
/// protocol shares. Objects are constructed here explicitly, so what depends on what is visible in one place.
/// </summary>
internal static class MultiXferHost
{
    /// <param name="storageLayer">Wraps every user's storage under the session layer (tests inject faults there).</param>
    public static HostBuildResult Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        TextWriter? announce = null, Func<IFileSystem, IFileSystem>? storageLayer = null)
    {
        IConfigurationRoot configuration;
        MultiXferSettings settings;
        try
        {
            configuration = ConfigurationSources.Build(args, overrides);
            settings = MultiXferSettings.Bind(configuration);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException)
        {
            // Unreadable JSON, a missing --config file, or a value of the wrong type ("Server:MaxConnections").
            return new HostBuildResult(null, [e.Message]);
        }

        var problems = SettingsValidator.Validate(settings, configuration);
        if (problems.Count > 0)
        {
            return new HostBuildResult(null, problems);
        }

        settings.ApplyVirtualHostAlgorithms();
        PrepareDirectories(settings.Server);
        // Certificates load before the host exists (a bad one is a start-up problem), logging where the host will.
        var operatorLogs = new OperatorLogs(settings.Logging);
        var earlyLogger = SerilogSetup.Create(settings.Logging, configuration, operatorLogs);
        var loggerFactory = new SerilogLoggerFactory(earlyLogger, dispose: false);
        var certificates = new CertificateStore();
        var certificateManager = new CertificateManager(settings.Tls, CertificateLoader.SiteCertificates(settings), certificates, loggerFactory.CreateLogger("MultiXfer.Tls"));
        if (certificateManager.LoadAtStart(settings.Server.KeysDirectory) is { } certificateProblem)
        {
            earlyLogger.Dispose();
            operatorLogs.Dispose();
            return new HostBuildResult(null, [certificateProblem]);
        }

        var hostKeys = SiteHostKeys.LoadAtStart(settings, loggerFactory.CreateLogger("MultiXfer.Ssh.HostKeys"), out var hostKeyProblem);
        if (hostKeyProblem is not null)
        {
            certificateManager.Dispose();
            earlyLogger.Dispose();
            operatorLogs.Dispose();
            return new HostBuildResult(null, [hostKeyProblem]);
        }

        var (database, accountProblem) = AccountStartup.Open(settings);
        if (database is null)
        {
            certificateManager.Dispose();
            earlyLogger.Dispose();
            operatorLogs.Dispose();
            return new HostBuildResult(null, [accountProblem!]);
        }

        if (AdminTokenBootstrap.Apply(settings.Admin, database, line => (announce ?? Console.Out).WriteLine(line)) is { } tokenProblem)
        {
            database.DisposeAsync().AsTask().GetAwaiter().GetResult();
            certificateManager.Dispose();
            earlyLogger.Dispose();
            operatorLogs.Dispose();
            return new HostBuildResult(null, [tokenProblem]);
        }

        var demoUsers = AccountStartup.ProvisionDemo(settings, database, password => (announce ?? Console.Out).WriteLine(
            $"First start: created user '{DemoUser.Name}' with password '{password}'. It is shown only this once; " +
            "only its hash is kept. Change it with 'multixfer accounts passwd demo', or configure users."));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = args });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(earlyLogger, dispose: true);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Server.ShutdownGraceSeconds + 15));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(provider => new FileSystemProvider(settings.Server, provider.GetRequiredService<ILoggerFactory>(),
            storageLayer, provider.GetRequiredService<FsioMetrics>()) { DigestTransfers = settings.Logging.AuditSha256 });
        builder.Services.AddSingleton(_ => database);
        builder.Services.AddSingleton(_ => new ConnectionTracker());
        builder.Services.AddMetrics();
        // The layers' own metrics: each class owns its instruments, on a meter of its own ("MultiXfer.Fsio", ...).
        builder.Services.AddSingleton(provider => new FsioMetrics(provider.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(provider => new LimitMetrics(provider.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(provider => new AuthMetrics(provider.GetRequiredService<IMeterFactory>()));
        // A factory registration, so the container owns the logs and disposes them when the host goes: their queues
        // are written out and their writer tasks end (an instance registration is never disposed).
        builder.Services.AddSingleton(_ => operatorLogs);
        builder.Services.AddSingleton(provider => new ConnectionMetrics(provider.GetRequiredService<IMeterFactory>(),
            provider.GetRequiredService<ConnectionTracker>(), operatorLogs));
        builder.Services.AddSingleton<IConnectionObserver>(provider => new ObserverSet(
        [
            provider.GetRequiredService<ConnectionMetrics>(),
            .. operatorLogs.Audit is { } audit ? [new AuditTrail(audit, TimeProvider.System)] : Array.Empty<IConnectionObserver>(),
            .. operatorLogs.Transfers is { } transfers ? [new TransferLog(transfers, TimeProvider.System)] : Array.Empty<IConnectionObserver>(),
            .. string.IsNullOrWhiteSpace(settings.Telemetry.OtlpEndpoint) ? Array.Empty<IConnectionObserver>() : [new TraceObserver()],
        ]));
        TelemetrySetup.AddTracing(builder.Services, settings.Telemetry);
        // One name for this run, whatever reads it: unset, it is drawn at random.
        string node = settings.Cluster.ResolveNodeName();
        builder.Services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Limits");
            return new UsageRegistry(new TimedUsageStore(database.Usage, provider.GetRequiredService<AuthMetrics>()), TimeProvider.System,
                (account, e) => logger.LogWarning("usage of {Account} could not be read from or settled with the account store ({Detail}); " +
                    "alone its disk is counted by a scan and today's transfers from now, shared its limits refuse what this gateway's grant " +
                    "does not hold", account, e.Message),
                provider.GetRequiredService<LimitMetrics>(),
                database.Dialect is PostgresDialect ledgerStore ? new ClusterUsageLedger(ledgerStore, node) : null);
        });
        if (database.Dialect is PostgresDialect registryStore)
        {
            // The cluster's sessions: an admin on another gateway ends one here as an admin here would.
            builder.Services.AddSingleton(provider => new SessionRegistry(registryStore, node,
                TimeSpan.FromSeconds(settings.Cluster.LeaseSeconds), (id, reason) => EndLocalSession(provider, id, reason),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Cluster"), provider.GetRequiredService<UsageRegistry>()));
        }

        builder.Services.AddSingleton(provider => new VirtualHostFactory(provider.GetRequiredService<FileSystemProvider>(), demoUsers,
            database.HoldsAccounts ? database.Accounts : null,
            new LoginThrottle(settings.Auth, TimeProvider.System, settings.Server.Ipv6PrefixLength), provider.GetRequiredService<UsageRegistry>(),
            TimeProvider.System, provider.GetRequiredService<ILoggerFactory>(), provider.GetRequiredService<AuthMetrics>(),
            provider.GetService<SessionRegistry>()));
        builder.Services.AddSingleton(provider => new VirtualHostDirectory(provider.GetRequiredService<VirtualHostFactory>().Build(settings)));
        builder.Services.AddSingleton(certificates);
        builder.Services.AddSingleton(provider => Compose(settings, hostKeys, provider));
        builder.Services.AddSingleton<IHostedService>(certificateManager);
        foreach (var manager in hostKeys.All)
        {
            builder.Services.AddSingleton<IHostedService>(manager);
        }

        builder.Services.AddSingleton(provider => new ConfigurationReloader(args, overrides,
            provider.GetRequiredService<VirtualHostFactory>(), provider.GetRequiredService<VirtualHostDirectory>(), certificateManager,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Configuration")));
        builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ConfigurationReloader>());
        AdminServices.Add(builder.Services, settings, hostKeys, certificates);

        // Registered before the listeners, so it stops after them (a host stops its services in reverse order): the
        // final flush sees what the draining sessions changed.
        builder.Services.AddSingleton<IHostedService>(provider => new UsageFlushService(provider.GetRequiredService<UsageRegistry>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Limits")));
        builder.Services.AddSingleton(provider => ListenerService.CreatePenalties(settings, provider.GetRequiredService<IMeterFactory>(),
            provider.GetRequiredService<ILoggerFactory>()));
        if (database.Dialect is PostgresDialect shared)
        {
            // Gateways sharing PostgreSQL add up their penalties there (before the listeners, so it stops after them).
            builder.Services.AddSingleton(provider => new PenaltyExchange(shared, provider.GetRequiredService<SourcePenalties>(), settings.Penalties,
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Penalties")));
            builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<PenaltyExchange>());
            builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<SessionRegistry>());
            builder.Services.AddSingleton(provider => new AccountChangeFeed(shared, database.Accounts, provider.GetRequiredService<SessionControl>(),
                provider.GetRequiredService<QuotaControl>(), provider.GetRequiredService<AccountEnforcer>(),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Cluster")));
            builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<AccountChangeFeed>());
            builder.Services.AddSingleton(provider => new HostKeyFeed(shared, [.. AdminServices.SitesOf(hostKeys)],
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Cluster")));
            builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<HostKeyFeed>());
        }

        builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ListenerService>());
        builder.Services.AddSingleton<IHostedService>(provider => new StaleUploadService(
            () => [provider.GetRequiredService<FileSystemProvider>(), .. provider.GetRequiredService<VirtualHostFactory>().ExtraStorage()],
            settings.Server.StaleUploadMinutes, TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Server")));
        return new HostBuildResult(builder.Build(), []);
    }

    /// <summary>Ends a session of this gateway by id, the way the admin API's configured mode ends it.</summary>
    private static void EndLocalSession(IServiceProvider provider, string id, string reason)
    {
        if (provider.GetService<SessionControl>() is { } sessions && sessions.Find(id) is { } session)
        {
            sessions.End([session], reason);
        }
        else
        {
            provider.GetRequiredService<ConnectionTracker>().Connections.FirstOrDefault(c => c.Id == id)?.Abort();
        }
    }

    private static ListenerService Compose(MultiXferSettings settings, SiteHostKeys hostKeys, IServiceProvider provider)
    {
        var loggers = provider.GetRequiredService<ILoggerFactory>();
        var meters = provider.GetRequiredService<IMeterFactory>();
        var time = TimeProvider.System;
        var files = provider.GetRequiredService<FileSystemProvider>();
        var certificates = provider.GetRequiredService<CertificateStore>();
        var tls = new TlsServer(certificates, "ftp", new TlsMetrics(meters, certificates));
        var ftp = new FtpServerContext(settings.Server, settings.Ftp, files, tls,
            TimeSpan.FromSeconds(settings.Tls.HandshakeTimeoutSeconds), loggers, new FtpMetrics(meters));
        var applications = new SshApplicationRegistry();
        applications.AddSubsystem(SftpSubsystem.Name, Protocols.Sftp, new SftpSubsystem(settings.Sftp,
            settings.SshListeners.Where(l => l.Value.Sftp is not null).ToDictionary(l => l.Key, l => l.Value.Sftp!, StringComparer.OrdinalIgnoreCase),
            files, loggers, new SftpMetrics(meters)));
        applications.AddCommand(ScpApplication.Program, Protocols.Scp, new ScpApplication(files, loggers));
        var sshMetrics = new SshMetrics(meters);
        sshMetrics.ObserveHostKeys(hostKeys.ByName);
        var ssh = hostKeys.Default is not { } defaultKeys ? null : new SshServer(settings.Ssh, settings.Server, settings.SshListeners,
            defaultKeys, hostKeys.ByListener, applications, time, loggers, sshMetrics);
        var frontEnds = settings.Listeners.ToDictionary(l => l.Key, l => ListenerFrontEnds.Build(l.Value, protocol => protocol == "ssh"
                ? ssh!.CreateHandler(l.Key)
                : new FtpConnectionHandler(ftp, FtpListenerPolicy.For(protocol == "ftps-implicit", l.Value.RequireTlsForLogin,
                    l.Value.RequireTlsForData, ListenerFrontEnds.ProxyPolicyOf(l.Value)))),
            StringComparer.OrdinalIgnoreCase);
        return new ListenerService(settings, frontEnds, provider.GetRequiredService<VirtualHostDirectory>(), provider.GetRequiredService<ConnectionTracker>(),
            provider.GetRequiredService<SourcePenalties>(), provider.GetRequiredService<IConnectionObserver>(), provider.GetRequiredService<IMeterFactory>(), loggers);
    }

    /// <summary>First start: the data root and the keys directory (private to the server's account).</summary>
    private static void PrepareDirectories(ServerOptions server)
    {
        Directory.CreateDirectory(server.DataRoot);
        foreach (string privateDirectory in new[] { server.KeysDirectory, server.StateDirectory })
        {
            if (!Directory.Exists(privateDirectory))
            {
                Directory.CreateDirectory(privateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }
}
