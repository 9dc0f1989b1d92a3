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

    public Dictionary<string, ListenerOptions> Listeners { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public FtpOptions Ftp { get; init; } = new();

    public AuthOptions Auth { get; init; } = new();

    public TlsOptions Tls { get; init; } = new();

    public SshOptions Ssh { get; init; } = new();

    public SftpOptions Sftp { get; init; } = new();

    public LoggingOptions Logging { get; init; } = new();

    public Dictionary<string, UserOptions> Users { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The listeners that serve SSH, by name.</summary>
    public IReadOnlyDictionary<string, ListenerOptions> SshListeners =>
        Listeners.Where(l => l.Value.Protocol == "ssh").ToDictionary(l => l.Key, l => l.Value, StringComparer.OrdinalIgnoreCase);

    public static MultiXferSettings Bind(IConfiguration configuration)
    {
        var settings = new MultiXferSettings();
        configuration.GetSection(ServerOptions.Section).Bind(settings.Server);
        configuration.GetSection(FtpOptions.Section).Bind(settings.Ftp);
        configuration.GetSection(AuthOptions.Section).Bind(settings.Auth);
        configuration.GetSection(TlsOptions.Section).Bind(settings.Tls);
        configuration.GetSection(SshOptions.Section).Bind(settings.Ssh);
        configuration.GetSection(SftpOptions.Section).Bind(settings.Sftp);
        configuration.GetSection(LoggingOptions.Section).Bind(settings.Logging);
        foreach (var listener in configuration.GetSection("Listeners").GetChildren())
        {
            var options = new ListenerOptions();
            listener.Bind(options);
            settings.Listeners[listener.Key] = options;
        }

        foreach (var user in configuration.GetSection("Users").GetChildren())
        {
            var options = new UserOptions();
            user.Bind(options);

            // A list in the configuration replaces the default protocol list rather than appending to it.
            if (user.GetSection(nameof(UserOptions.Protocols)).Exists())
            {
                options.Protocols = user.GetSection(nameof(UserOptions.Protocols)).GetChildren().Select(c => c.Value ?? "").ToList();
            }

            settings.Users[user.Key] = options;
        }

        return settings;
    }
}
