using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp;
using MultiXfer.Sftp;
using MultiXfer.Ssh;
using MultiXfer.Server.Hosting;
using MultiXfer.Transport.Data;
using Serilog.Events;

namespace MultiXfer.Server.Configuration;

/// <summary>
/// Checks the whole configuration before anything starts and reports every problem with the key it concerns
/// ("Listeners:ftp:Port: must be 0-65535"), including keys nobody reads, which are usually typos.
/// </summary>
public static class SettingsValidator
{
    /// <summary>Listener protocols this build serves.</summary>
    public static readonly IReadOnlyList<string> ListenerProtocols = ["ftp", "ftps-implicit", "ssh", "auto"];

    private static readonly IReadOnlyList<string> Sections = ["Server", "Penalties", "Listeners", "Ftp", "Tls", "Ssh", "Sftp", "Auth", "Logging", "Serilog", "Telemetry", "Users", "VirtualHosts", "Accounts", "Admin", "Cluster", "Limits"];

    public static List<string> Validate(MultiXferSettings settings, IConfiguration configuration)
    {
        var problems = new List<string>();
        Require(problems, settings.Server.StaleUploadMinutes == 0 || settings.Server.StaleUploadMinutes * 60 > settings.Ftp.DataStallTimeoutSeconds * 2,
            "Server:StaleUploadMinutes", "must be 0 or more than twice Ftp:DataStallTimeoutSeconds, or live uploads could be swept");
        CheckUnknownKeys(configuration, problems);
        CheckServer(settings.Server, problems);
        CheckPenalties(settings.Penalties, problems);
        CheckListeners(settings.Listeners, problems);
        CheckFtp(settings.Ftp, problems);
        CheckAuth(settings.Auth, problems);
        CheckTls(settings.Tls, problems);
        CheckLogging(settings.Logging, problems);
        CheckTelemetry(settings.Telemetry, problems);
        CheckAccounts(settings, problems);
        Require(problems, settings.Cluster.LeaseSeconds is >= 3 and <= 300, "Cluster:LeaseSeconds", "must be 3-300");
        Require(problems, settings.Cluster.NodeName.Length <= 64 && !settings.Cluster.NodeName.Any(char.IsWhiteSpace), "Cluster:NodeName",
            "must be at most 64 characters without spaces");
        CheckLimits(settings.Limits, MultiXfer.Limits.LimitOptions.Section, problems);
        problems.AddRange(SshServer.Validate(settings.Ssh, settings.SshListeners));
        problems.AddRange(UserStore.Validate(settings.Users));
        CheckAuthorizedKeys(settings, problems);
        CheckSftp(settings, problems);
        VirtualHostValidator.Check(settings, problems);
        return problems;
    }

    internal static void CheckLimits(MultiXfer.Limits.LimitOptions limits, string section, List<string> problems)
    {
        foreach (var (name, value) in limits.Values())
        {
            Require(problems, value is null or >= 0, $"{section}:{name}", "must not be negative (0 or left out: no limit)");
        }
    }

    private static void CheckAccounts(MultiXferSettings settings, List<string> problems)
    {
        var accounts = settings.Accounts;
        Require(problems, MultiXfer.Accounts.AccountsOptions.Providers.Contains(accounts.Provider), "Accounts:Provider",
            $"must be one of {string.Join(", ", MultiXfer.Accounts.AccountsOptions.Providers)}");
        Require(problems, accounts.Provider != "postgresql" || !string.IsNullOrWhiteSpace(accounts.ConnectionString), "Accounts:ConnectionString",
            "must be set for the postgresql provider (Host=...;Database=...;Username=...)");
        Require(problems, !string.IsNullOrWhiteSpace(settings.Server.StateDirectory), "Server:StateDirectory", "must name a directory");
        if (!string.IsNullOrWhiteSpace(settings.Server.StateDirectory))
        {
            string state = Path.GetFullPath(settings.Server.StateDirectory);
            foreach (string root in settings.VirtualHosts.Values.Select(h => h.DataRoot).Append(settings.Server.DataRoot).OfType<string>())
            {
                string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
                Require(problems, state != full && !state.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal),
                    "Server:StateDirectory", $"must not be inside a data root ({root}): users there could read the account database");
            }
        }

        var admin = settings.Admin;
        Require(problems, admin.Port is >= 0 and <= 65535, "Admin:Port", "must be 0-65535");
        Require(problems, IPAddress.TryParse(admin.Address, out _), "Admin:Address", "must be an IP address, such as 127.0.0.1");
        Require(problems, admin.EnforcementIntervalSeconds is >= 1 and <= 3600, "Admin:EnforcementIntervalSeconds", "must be 1-3600");
        Require(problems, admin.MaxFailedTokensPerMinute >= 1, "Admin:MaxFailedTokensPerMinute", "must be at least 1");
        Require(problems, admin.SessionEndGraceSeconds is >= 0 and <= 3600, "Admin:SessionEndGraceSeconds", "must be 0-3600");
        Require(problems, admin.EndSessions is "at-once" or "after-transfer", "Admin:EndSessions", "must be \"at-once\" or \"after-transfer\"");
    }

    internal static void Require(List<string> problems, bool condition, string key, string message)
    {
        if (!condition)
        {
            problems.Add($"{key}: {message}");
        }
    }

    private static void CheckServer(ServerOptions server, List<string> problems)
    {
        Require(problems, !string.IsNullOrWhiteSpace(server.DataRoot), "Server:DataRoot", "must name a directory");
        Require(problems, server.Storage is "local" or "memory", "Server:Storage", "must be \"local\" or \"memory\"");
        Require(problems, server.Banner.Length <= 200 && !server.Banner.Any(char.IsControl), "Server:Banner",
            "must be one line of at most 200 characters");
        Require(problems, server.MaxConnections >= 1, "Server:MaxConnections", "must be at least 1");
        Require(problems, server.MaxConnectionsPerIp >= 1, "Server:MaxConnectionsPerIp", "must be at least 1");
        Require(problems, server.MaxUnauthenticated >= 1, "Server:MaxUnauthenticated", "must be at least 1");
        Require(problems, server.MaxUnauthenticatedPerIp >= 1, "Server:MaxUnauthenticatedPerIp", "must be at least 1");
        Require(problems, server.MaxQueued >= 0, "Server:MaxQueued", "must not be negative (0: over the limits, refuse at once)");
        Require(problems, server.MaxQueuedPerIp >= 0, "Server:MaxQueuedPerIp", "must not be negative");
        Require(problems, server.QueueTimeoutSeconds is >= 1 and <= 600, "Server:QueueTimeoutSeconds", "must be 1-600");
        Require(problems, server.Ipv6PrefixLength is >= 32 and <= 128, "Server:Ipv6PrefixLength", "must be 32-128");
        Require(problems, server.IdleTimeoutSeconds >= 1, "Server:IdleTimeoutSeconds", "must be at least 1");
        Require(problems, server.LoginTimeoutSeconds >= 1, "Server:LoginTimeoutSeconds", "must be at least 1");
        Require(problems, server.ShutdownGraceSeconds is >= 0 and <= 3600, "Server:ShutdownGraceSeconds", "must be 0-3600");
        Require(problems, !string.IsNullOrWhiteSpace(server.KeysDirectory), "Server:KeysDirectory", "must name a directory");
        Require(problems, server.StaleUploadMinutes >= 0, "Server:StaleUploadMinutes", "must not be negative (0 turns the sweep off)");
    }

    private static void CheckPenalties(PenaltyOptions penalties, List<string> problems)
    {
        foreach (var (name, seconds) in new[]
                 {
                     ("AuthenticationFailedSeconds", penalties.AuthenticationFailedSeconds), ("NoAuthenticationSeconds", penalties.NoAuthenticationSeconds),
                     ("GraceExceededSeconds", penalties.GraceExceededSeconds), ("ProtocolErrorSeconds", penalties.ProtocolErrorSeconds),
                 })
        {
            Require(problems, seconds is >= 0 and <= 3600, $"Penalties:{name}", "must be 0-3600 (0: no penalty for it)");
        }

        Require(problems, penalties.MinimumSeconds is >= 1 and <= 3600, "Penalties:MinimumSeconds", "must be 1-3600");
        Require(problems, penalties.MaximumSeconds >= penalties.MinimumSeconds && penalties.MaximumSeconds <= 86400, "Penalties:MaximumSeconds",
            "must be at least MinimumSeconds and at most 86400");
        Require(problems, penalties.MaxTrackedSources is >= 16 and <= 10_000_000, "Penalties:MaxTrackedSources", "must be 16-10000000");
        foreach (string network in penalties.Exempt)
        {
            Require(problems, ListenerFrontEnds.TryParseNetwork(network, out _), "Penalties:Exempt",
                $"'{network}' is not an address or CIDR network (10.0.0.0/8, 2001:db8::/32)");
        }
    }

    private static void CheckListeners(Dictionary<string, ListenerOptions> listeners, List<string> problems)
    {
        Require(problems, listeners.Count > 0, "Listeners", "at least one listener is needed");
        var seen = new HashSet<string>();
        foreach (var (name, listener) in listeners)
        {
            string key = $"Listeners:{name}";
            Require(problems, IPAddress.TryParse(listener.Address, out _), $"{key}:Address", $"'{listener.Address}' is not an IP address");
            Require(problems, listener.Port is >= 0 and <= 65535, $"{key}:Port", "must be 0-65535 (0 picks a free port)");
            Require(problems, ListenerProtocols.Contains(listener.Protocol), $"{key}:Protocol",
                $"'{listener.Protocol}' is not one of: {string.Join(", ", ListenerProtocols)}");
            Require(problems, listener.Port == 0 || seen.Add($"{listener.Address}:{listener.Port}"), $"{key}:Port",
                $"{listener.Address}:{listener.Port} is used by another listener");
            Require(problems, listener.Serves("ftp") || !listener.RequireTlsForLogin, $"{key}:RequireTlsForLogin",
                "applies to listeners serving \"ftp\"; implicit FTPS always requires TLS for login");
            Require(problems, listener.Serves("ssh") || listener.Ssh is null, $"{key}:Ssh", "applies to listeners serving \"ssh\" only");
            CheckFrontEnd(key, listener, problems);
        }
    }

    private static void CheckFrontEnd(string key, ListenerOptions listener, List<string> problems)
    {
        if (listener.Protocol == "auto")
        {
            var protocols = listener.ServedProtocols();
            Require(problems, protocols.Count > 0 && protocols.All(ListenerOptions.DetectableProtocols.Contains), $"{key}:Protocols",
                $"must list one or more of: {string.Join(", ", ListenerOptions.DetectableProtocols)}");
        }
        else
        {
            Require(problems, listener.Protocols is null, $"{key}:Protocols", "applies to \"auto\" listeners only");
        }

        Require(problems, listener.DetectionSilenceMilliseconds is >= 50 and <= 10000, $"{key}:DetectionSilenceMilliseconds", "must be 50-10000");
        // The silence is waited out inside the detection deadline, so the deadline needs room beyond it.
        Require(problems, listener.DetectionTimeoutMilliseconds >= listener.DetectionSilenceMilliseconds + 200 && listener.DetectionTimeoutMilliseconds <= 60000,
            $"{key}:DetectionTimeoutMilliseconds", "must exceed DetectionSilenceMilliseconds by at least 200 and be at most 60000");
        Require(problems, listener.ProxyProtocol is "off" or "optional" or "required", $"{key}:ProxyProtocol",
            "must be \"off\", \"optional\" or \"required\"");
        Require(problems, listener.ProxyProtocol == "off" || listener.TrustedProxies.Count > 0, $"{key}:TrustedProxies",
            "must list the proxies' networks when ProxyProtocol is on (a header is believed from them only)");
        foreach (string network in listener.TrustedProxies)
        {
            Require(problems, ListenerFrontEnds.TryParseNetwork(network, out _), $"{key}:TrustedProxies",
                $"'{network}' is not an address or CIDR network (10.0.0.0/8, 2001:db8::/32)");
        }
    }

    private static void CheckFtp(FtpOptions ftp, List<string> problems)
    {
        if (!PortRange.TryParse(ftp.PassivePorts, out _, out string rangeProblem))
        {
            problems.Add($"Ftp:PassivePorts: {rangeProblem}");
        }

        if (!string.IsNullOrWhiteSpace(ftp.PassiveAddress))
        {
            try
            {
                FtpServerContext.ResolvePassiveAddress(ftp.PassiveAddress);
            }
            catch (Exception e) when (e is ArgumentException or System.Net.Sockets.SocketException)
            {
                problems.Add($"Ftp:PassiveAddress: '{ftp.PassiveAddress}' has no IPv4 address ({e.Message})");
            }
        }

        Require(problems, ftp.AnonymousRoot.StartsWith('/') && VirtualPath.TryResolve(VirtualPath.Root, ftp.AnonymousRoot, out _, out _),
            "Ftp:AnonymousRoot", "must be an absolute path inside Server:DataRoot");
        Require(problems, ftp.DataConnectTimeoutSeconds is >= 1 and <= 3600, "Ftp:DataConnectTimeoutSeconds", "must be 1-3600");
        Require(problems, ftp.DataStallTimeoutSeconds is >= 1 and <= 86400, "Ftp:DataStallTimeoutSeconds", "must be 1-86400");
        Require(problems, ftp.MaxBadCommandsBeforeLogin is >= 1 and <= 1000, "Ftp:MaxBadCommandsBeforeLogin", "must be 1-1000");
        Require(problems, ftp.MaxPassivePortsPerClient >= 1, "Ftp:MaxPassivePortsPerClient", "must be at least 1");
        Require(problems, ftp.ReplyTimeoutSeconds is >= 1 and <= 3600, "Ftp:ReplyTimeoutSeconds", "must be 1-3600");
        Require(problems, ftp.MaxConcurrentChecksums is >= 1 and <= 1024, "Ftp:MaxConcurrentChecksums", "must be 1-1024");
        Require(problems, ftp.DigestCache.MaxEntries is >= 0 and <= 1_000_000, "Ftp:DigestCache:MaxEntries", "must be 0 (off) to 1000000");
        Require(problems, ftp.DigestCache.MaxAgeSeconds is >= 0 and <= 86400, "Ftp:DigestCache:MaxAgeSeconds", "must be 0 (off) to 86400");
        Require(problems, ftp.ModeZ.DefaultLevel is >= 0 and <= 9, "Ftp:ModeZ:DefaultLevel", "must be 0-9 (zlib's levels)");
        Require(problems, ftp.ModeZ.MaxRatio >= 0, "Ftp:ModeZ:MaxRatio", "must be 0 (no limit) or more");
        Require(problems, ftp.ModeZ.MaxInflatedBytes >= 0, "Ftp:ModeZ:MaxInflatedBytes", "must be 0 (no limit) or more");
    }

    private static void CheckTls(TlsOptions tls, List<string> problems)
    {
        Require(problems, !string.IsNullOrWhiteSpace(tls.CertificateFile), "Tls:CertificateFile", "must name a PEM or PKCS#12 file");
        Require(problems, tls.HandshakeTimeoutSeconds is >= 1 and <= 120, "Tls:HandshakeTimeoutSeconds", "must be 1-120");
        for (int i = 0; i < tls.Certificates.Count; i++)
        {
            Require(problems, File.Exists(tls.Certificates[i].CertificateFile), $"Tls:Certificates:{i}:CertificateFile",
                $"'{tls.Certificates[i].CertificateFile}' does not exist");
        }
    }

    private static void CheckSftp(MultiXferSettings settings, List<string> problems)
    {
        CheckSftpVersion(settings.Sftp.MaxVersion, "Sftp:MaxVersion", problems);
        CheckExtensionNames(settings.Sftp.Extensions, "Sftp:Extensions", problems);
        Require(problems, settings.Sftp.MaxOpenHandles is >= 1 and <= 65536, "Sftp:MaxOpenHandles", "must be 1-65536");
        foreach (var (name, listener) in settings.Listeners)
        {
            if (listener.Sftp is null)
            {
                continue;
            }

            Require(problems, listener.Serves("ssh"), $"Listeners:{name}:Sftp", "applies to listeners serving \"ssh\" only");
            if (listener.Sftp.MaxVersion is { } listenerVersion)
            {
                CheckSftpVersion(listenerVersion, $"Listeners:{name}:Sftp:MaxVersion", problems);
            }

            CheckExtensionNames(listener.Sftp.Extensions, $"Listeners:{name}:Sftp:Extensions", problems);
        }

        foreach (var (name, user) in settings.Users)
        {
            if (user.Sftp?.MaxVersion is { } version)
            {
                CheckSftpVersion(version, $"Users:{name}:Sftp:MaxVersion", problems);
            }

            CheckExtensionNames(user.Sftp?.Extensions, $"Users:{name}:Sftp:Extensions", problems);
        }
    }

    internal static void CheckSftpVersion(int version, string key, List<string> problems) =>
        Require(problems, version is >= SftpPolicy.MinVersion and <= SftpPolicy.HighestVersion, key, "must be 3-6");

    internal static void CheckExtensionNames(List<string>? names, string key, List<string> problems)
    {
        var unknown = new List<string>();
        SftpExtensions.Resolve(new HashSet<string>(), names, unknown);
        foreach (string name in unknown)
        {
            problems.Add($"{key}: unknown extension '{name}' (known: {string.Join(", ", SftpExtensions.All)})");
        }
    }

    private static void CheckAuth(AuthOptions auth, List<string> problems)
    {
        Require(problems, auth.FailureDelayMilliseconds is >= 0 and <= 60000, "Auth:FailureDelayMilliseconds", "must be 0-60000");
        Require(problems, auth.MaxFailuresPerAddress >= 1, "Auth:MaxFailuresPerAddress", "must be at least 1");
        Require(problems, auth.FailureWindowSeconds >= 1, "Auth:FailureWindowSeconds", "must be at least 1");
        Require(problems, auth.BanSeconds >= 0, "Auth:BanSeconds", "must not be negative");
        Require(problems, auth.MaxTrackedAddresses >= 100, "Auth:MaxTrackedAddresses", "must be at least 100");
        Require(problems, auth.PasswordCacheSeconds is >= 0 and <= 86400, "Auth:PasswordCacheSeconds", "must be 0-86400");
    }

    /// <summary>A key that cannot be parsed would silently not work; better to stop and name it.</summary>
    private static void CheckAuthorizedKeys(MultiXferSettings settings, List<string> problems)
    {
        foreach (var (name, user) in settings.Users)
        {
            for (int i = 0; i < user.AuthorizedKeys.Count; i++)
            {
                if (SshServer.CheckAuthorizedKeyLine(user.AuthorizedKeys[i], settings.Ssh.MinimumRsaKeyBits) is { } problem)
                {
                    problems.Add($"Users:{name}:AuthorizedKeys:{i}: {problem}");
                }
            }
        }
    }

    private static void CheckLogging(LoggingOptions logging, List<string> problems)
    {
        Require(problems, TryParseLevel(logging.Level, out _), "Logging:Level",
            $"must be one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}");
        Require(problems, logging.RetainedFiles >= 1, "Logging:RetainedFiles", "must be at least 1");
        Require(problems, logging.Format.Equals(LoggingOptions.TextFormat, StringComparison.OrdinalIgnoreCase)
            || logging.Format.Equals(LoggingOptions.JsonFormat, StringComparison.OrdinalIgnoreCase), "Logging:Format", "must be text or json");
        Require(problems, logging.AuditLogFileBytes >= 1024 * 1024, "Logging:AuditLogFileBytes", "must be at least 1 MiB");
        Require(problems, logging.BufferedEvents >= 100, "Logging:BufferedEvents", "must be at least 100");
    }

    private static void CheckTelemetry(TelemetryOptions telemetry, List<string> problems)
    {
        Require(problems, telemetry.OtlpEndpoint.Length == 0 || (Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out var endpoint)
            && endpoint.Scheme is "http" or "https"), "Telemetry:OtlpEndpoint", "must be an http(s) URL, or empty for no traces");
        Require(problems, telemetry.OtlpProtocol is TelemetryOptions.Grpc or TelemetryOptions.HttpProtobuf, "Telemetry:OtlpProtocol",
            "must be grpc or http/protobuf");
    }

    public static bool TryParseLevel(string text, out LogEventLevel level) => Enum.TryParse(text, ignoreCase: true, out level);

    /// <summary>
    /// Keys that no option reads are almost always typos ("Server:Banr"); silently ignoring them leaves the operator
    /// believing a setting is in force. Property names are read from the option types so the list cannot drift.
    /// </summary>
    private static void CheckUnknownKeys(IConfiguration configuration, List<string> problems)
    {
        foreach (var section in configuration.GetChildren())
        {
            if (!Sections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{section.Key}: unknown section (known: {string.Join(", ", Sections)})");
            }
        }

        CheckKeys(configuration.GetSection(ServerOptions.Section), typeof(ServerOptions), problems);
        CheckKeys(configuration.GetSection(PenaltyOptions.Section), typeof(PenaltyOptions), problems);
        CheckKeys(configuration.GetSection(FtpOptions.Section), typeof(FtpOptions), problems);
        CheckKeys(configuration.GetSection(FtpOptions.Section).GetSection(nameof(FtpOptions.ModeZ)), typeof(FtpModeZOptions), problems);
        CheckKeys(configuration.GetSection(FtpOptions.Section).GetSection(nameof(FtpOptions.DigestCache)), typeof(FtpDigestCacheOptions), problems);
        CheckKeys(configuration.GetSection(AuthOptions.Section), typeof(AuthOptions), problems);
        CheckKeys(configuration.GetSection(LoggingOptions.Section), typeof(LoggingOptions), problems);
        CheckKeys(configuration.GetSection(TelemetryOptions.Section), typeof(TelemetryOptions), problems);
        CheckKeys(configuration.GetSection(MultiXfer.Accounts.AccountsOptions.Section), typeof(MultiXfer.Accounts.AccountsOptions), problems);
        CheckKeys(configuration.GetSection(AdminOptions.Section), typeof(AdminOptions), problems);
        CheckKeys(configuration.GetSection(ClusterOptions.Section), typeof(ClusterOptions), problems);
        CheckKeys(configuration.GetSection(TlsOptions.Section), typeof(TlsOptions), problems);
        CheckKeys(configuration.GetSection(SshOptions.Section), typeof(SshOptions), problems);
        CheckKeys(configuration.GetSection(SftpOptions.Section), typeof(SftpOptions), problems);
        foreach (var certificate in configuration.GetSection($"{TlsOptions.Section}:Certificates").GetChildren())
        {
            CheckKeys(certificate, typeof(CertificateOptions), problems);
        }
        foreach (var listener in configuration.GetSection("Listeners").GetChildren())
        {
            CheckKeys(listener, typeof(ListenerOptions), problems);
            CheckKeys(listener.GetSection(nameof(ListenerOptions.Ssh)), typeof(SshAlgorithmOptions), problems);
            CheckKeys(listener.GetSection(nameof(ListenerOptions.Sftp)), typeof(SftpOverrideOptions), problems);
        }

        foreach (var user in configuration.GetSection("Users").GetChildren())
        {
            CheckKeys(user, typeof(UserOptions), problems);
            CheckKeys(user.GetSection(nameof(UserOptions.Sftp)), typeof(SftpOverrideOptions), problems);
            CheckKeys(user.GetSection(nameof(UserOptions.Limits)), typeof(MultiXfer.Limits.AccountLimits), problems);
        }

        CheckKeys(configuration.GetSection(MultiXfer.Limits.LimitOptions.Section), typeof(MultiXfer.Limits.LimitOptions), problems);

        VirtualHostValidator.CheckUnknownKeys(configuration, (section, type) => CheckKeys(section, type, problems));
    }

    private static void CheckKeys(IConfigurationSection section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type options, List<string> problems)
    {
        var known = options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{child.Path}: unknown setting (known: {string.Join(", ", known)})");
            }
        }
    }
}
