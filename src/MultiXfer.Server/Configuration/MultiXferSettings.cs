using Microsoft.Extensions.Configuration;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ftp;
using MultiXfer.Ssh;

namespace MultiXfer.Server.Configuration;

/// <summary>Every configuration section, bound once at start-up and validated before anything listens.</summary>
public sealed class MultiXferSettings
{
    public ServerOptions Server { get; init; } = new();

    public PenaltyOptions Penalties { get; init; } = new();

    public Dictionary<string, ListenerOptions> Listeners { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public FtpOptions Ftp { get; init; } = new();

    public AuthOptions Auth { get; init; } = new();

    public TlsOptions Tls { get; init; } = new();

    public SshOptions Ssh { get; init; } = new();

    public SftpOptions Sftp { get; init; } = new();

    public LoggingOptions Logging { get; init; } = new();

    public TelemetryOptions Telemetry { get; init; } = new();

    public MultiXfer.Accounts.AccountsOptions Accounts { get; init; } = new();

    public AdminOptions Admin { get; init; } = new();

    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>The default host's limits: defaults for its accounts, per-session caps, caps for all its sessions.</summary>
    public MultiXfer.Limits.LimitOptions Limits { get; init; } = new();

    public Dictionary<string, UserOptions> Users { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, VirtualHostOptions> VirtualHosts { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The listeners that serve SSH (alone or among others on an "auto" listener), by name.</summary>
    public IReadOnlyDictionary<string, ListenerOptions> SshListeners =>
        Listeners.Where(l => l.Value.Serves("ssh")).ToDictionary(l => l.Key, l => l.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A virtual host's SSH algorithm lists apply on its listeners as Listeners:NAME:Ssh would (validation has
    /// ensured no listener sets both).
    /// </summary>
    public void ApplyVirtualHostAlgorithms()
    {
        foreach (var host in VirtualHosts.Values)
        {
            if (host.Ssh is not { } ssh || !VirtualHostValidator.HasAlgorithms(ssh))
            {
                continue;
            }

            foreach (string listener in host.Listeners)
            {
                Listeners[listener].Ssh = ssh;
            }
        }
    }

    public static MultiXferSettings Bind(IConfiguration configuration)
    {
        var settings = new MultiXferSettings();
        configuration.GetSection(ServerOptions.Section).Bind(settings.Server);
        configuration.GetSection(PenaltyOptions.Section).Bind(settings.Penalties);
        configuration.GetSection(FtpOptions.Section).Bind(settings.Ftp);
        configuration.GetSection(AuthOptions.Section).Bind(settings.Auth);
        configuration.GetSection(TlsOptions.Section).Bind(settings.Tls);
        configuration.GetSection(SshOptions.Section).Bind(settings.Ssh);
        configuration.GetSection(SftpOptions.Section).Bind(settings.Sftp);
        configuration.GetSection(LoggingOptions.Section).Bind(settings.Logging);
        configuration.GetSection(TelemetryOptions.Section).Bind(settings.Telemetry);
        configuration.GetSection(MultiXfer.Accounts.AccountsOptions.Section).Bind(settings.Accounts);
        configuration.GetSection(AdminOptions.Section).Bind(settings.Admin);
        configuration.GetSection(ClusterOptions.Section).Bind(settings.Cluster);
        configuration.GetSection(MultiXfer.Limits.LimitOptions.Section).Bind(settings.Limits);
        foreach (var listener in configuration.GetSection("Listeners").GetChildren())
        {
            var options = new ListenerOptions();
            listener.Bind(options);
            settings.Listeners[listener.Key] = options;
        }

        BindUsers(configuration.GetSection("Users"), settings.Users);
        foreach (var host in configuration.GetSection(VirtualHostOptions.Section).GetChildren())
        {
            var options = new VirtualHostOptions();
            host.Bind(options);
            if (host.GetSection(nameof(VirtualHostOptions.Users)).Exists())
            {
                options.Users = new Dictionary<string, UserOptions>(StringComparer.Ordinal);
                BindUsers(host.GetSection(nameof(VirtualHostOptions.Users)), options.Users);
            }

            settings.VirtualHosts[host.Key] = options;
        }

        ConfigurationPaths.Resolve(settings);
        return settings;
    }

    private static void BindUsers(IConfigurationSection section, Dictionary<string, UserOptions> users)
    {
        foreach (var user in section.GetChildren())
        {
            var options = new UserOptions();
            user.Bind(options);

            // A list in the configuration replaces the default protocol list rather than appending to it.
            if (user.GetSection(nameof(UserOptions.Protocols)).Exists())
            {
                options.Protocols = user.GetSection(nameof(UserOptions.Protocols)).GetChildren().Select(c => c.Value ?? "").ToList();
            }

            // AccountLimits is immutable (init-only), which the binding generator cannot set: bound through its settable twin.
            var limits = new MultiXfer.Limits.LimitOptions();
            user.GetSection(nameof(UserOptions.Limits)).Bind(limits);
            options.Limits = limits.AccountDefaults();

            users[user.Key] = options;
        }
    }
}
