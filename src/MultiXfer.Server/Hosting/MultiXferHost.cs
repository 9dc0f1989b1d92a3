using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp;
using MultiXfer.Scp;
using MultiXfer.Server.Configuration;
using MultiXfer.Sftp;
using MultiXfer.Server.Certificates;
using MultiXfer.Ssh;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Transport;
using MultiXfer.Transport.Tls;
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
    public static HostBuildResult Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        TextWriter? announce = null)
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

        PrepareDirectories(settings.Server);
        // Certificates load before the host exists (a bad one is a start-up problem), logging where the host will.
        var earlyLogger = SerilogSetup.Create(settings.Logging);
        var loggerFactory = new SerilogLoggerFactory(earlyLogger, dispose: false);
        var certificates = new CertificateStore();
        var certificateManager = new CertificateManager(settings.Tls, certificates, loggerFactory.CreateLogger("MultiXfer.Tls"));
        if (certificateManager.LoadAtStart(settings.Server.KeysDirectory) is { } certificateProblem)
        {
            earlyLogger.Dispose();
            return new HostBuildResult(null, [certificateProblem]);
        }

        HostKeyManager? hostKeys = null;
        if (settings.SshListeners.Count > 0)
        {
            hostKeys = HostKeyManager.Create(settings.Ssh, settings.Server.KeysDirectory, settings.SshListeners,
                loggerFactory.CreateLogger("MultiXfer.Ssh.HostKeys"));
            if (hostKeys.LoadAtStart(settings.Server.KeysDirectory) is { } hostKeyProblem)
            {
                hostKeys.Dispose();
                certificateManager.Dispose();
                earlyLogger.Dispose();
                return new HostBuildResult(null, [hostKeyProblem]);
            }
        }

        var users = settings.Users.Select(u => UserStore.FromOptions(u.Key, u.Value)).ToList();
        if (users.Count == 0)
        {
            users.Add(DemoUser.Provision(settings.Server.DataRoot, password => (announce ?? Console.Out).WriteLine(
                $"First start: created user '{DemoUser.Name}' with password '{password}'. It is shown only this once; " +
                "only its hash is kept. Configure Users to replace it.")));
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = args });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new SerilogLoggerProvider(earlyLogger, dispose: true));
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Server.ShutdownGraceSeconds + 15));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new UserStore(users));
        builder.Services.AddSingleton(provider => new FileSystemProvider(settings.Server, provider.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton(certificates);
        builder.Services.AddSingleton(provider => Compose(settings, hostKeys, provider));
        builder.Services.AddSingleton<IHostedService>(certificateManager);
        if (hostKeys is not null)
        {
            builder.Services.AddSingleton<IHostedService>(hostKeys);
        }

        builder.Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ListenerService>());
        builder.Services.AddSingleton<IHostedService>(provider => new StaleUploadService(
            provider.GetRequiredService<FileSystemProvider>(), settings.Server.StaleUploadMinutes, TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Server")));
        return new HostBuildResult(builder.Build(), []);
    }

    private static ListenerService Compose(MultiXferSettings settings, HostKeyManager? hostKeys, IServiceProvider provider)
    {
        var loggers = provider.GetRequiredService<ILoggerFactory>();
        var time = TimeProvider.System;
        var authenticator = new Authenticator(
            provider.GetRequiredService<UserStore>(),
            new LoginThrottle(settings.Auth, time, settings.Server.Ipv6PrefixLength),
            settings.Auth,
            new AnonymousPolicy(settings.Ftp.AllowAnonymous, VirtualPath.Resolve(VirtualPath.Root, settings.Ftp.AnonymousRoot)),
            time,
            loggers.CreateLogger<Authenticator>());
        var files = provider.GetRequiredService<FileSystemProvider>();
        var tls = new TlsServer(provider.GetRequiredService<CertificateStore>(), "ftp");
        var ftp = new FtpServerContext(settings.Server, settings.Ftp, authenticator, files, tls,
            TimeSpan.FromSeconds(settings.Tls.HandshakeTimeoutSeconds), loggers);
        var applications = new SshApplicationRegistry();
        applications.AddSubsystem(SftpSubsystem.Name, Protocols.Sftp, new SftpSubsystem(settings.Sftp,
            settings.SshListeners.Where(l => l.Value.Sftp is not null).ToDictionary(l => l.Key, l => l.Value.Sftp!, StringComparer.OrdinalIgnoreCase),
            files, loggers));
        applications.AddCommand(ScpApplication.Program, Protocols.Scp, new ScpApplication(files, loggers));
        var ssh = hostKeys is null ? null : new SshServer(settings.Ssh, settings.Server, settings.SshListeners, hostKeys, authenticator,
            applications, time, loggers);
        var handlers = settings.Listeners.ToDictionary(l => l.Key, l => l.Value.Protocol == "ssh"
                ? ssh!.CreateHandler(l.Key)
                : (IConnectionHandler)new FtpConnectionHandler(ftp,
                    FtpListenerPolicy.For(l.Value.Protocol == "ftps-implicit", l.Value.RequireTlsForLogin, l.Value.RequireTlsForData)),
            StringComparer.OrdinalIgnoreCase);
        return new ListenerService(settings, handlers, new ConnectionTracker(), loggers);
    }

    /// <summary>First start: the data root and the keys directory (private to the server's account).</summary>
    private static void PrepareDirectories(ServerOptions server)
    {
        Directory.CreateDirectory(server.DataRoot);
        if (!Directory.Exists(server.KeysDirectory))
        {
            Directory.CreateDirectory(server.KeysDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
