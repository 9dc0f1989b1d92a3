using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Sftp;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace MultiXfer.Server;

/// <summary>
/// <c>sftp-server</c>: MultiXfer's SFTP engine on standard input and output, a drop-in for OpenSSH's sftp-server
/// (sshd's <c>Subsystem sftp</c>, or <c>sftp -D</c>). It serves the real file system as the invoking user,
/// starting in that user's home directory, and takes sftp-server's options where they make sense.
/// </summary>
internal static partial class SftpServerCommand
{
    private const string Usage =
        "usage: MultiXfer.Server sftp-server [-ehR] [-d start_directory] [-f log_facility] [-l log_level]\n" +
        "\t[-P denied_requests] [-p allowed_requests] [-u umask]\n" +
        "       MultiXfer.Server sftp-server -Q requests";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var options = new StdioOptions();
        if (Parse(args, options, output, error) is { } exit)
        {
            return exit;
        }

        if (options.Umask is { } umask)
        {
            _ = SetUmask(umask);
        }

        string userName = Environment.UserName;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string start = ExpandStartDirectory(options.StartDirectory, home, userName);
        using var loggerFactory = CreateLoggers(options);
        var logger = loggerFactory.CreateLogger("MultiXfer.Sftp");
        var server = new ServerOptions { DataRoot = "/", Storage = "local" };
        using var provider = new FileSystemProvider(server, loggerFactory);
        var user = new UserAccount
        {
            Name = userName,
            Home = VirtualPath.Root,
            ReadOnly = options.ReadOnly,
            Protocols = new HashSet<string>([Protocols.Sftp]),
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], options.ReadOnly),
        };
        await using var files = await provider.OpenAsync(user, CancellationToken.None);
        var policy = new SftpPolicy
        {
            StartDirectory = Absolute(start),
            HomeDirectory = Absolute(home),
            UserName = userName,
            ReadOnly = options.ReadOnly,
            AllowedRequests = options.Allowed,
            DeniedRequests = options.Denied,
        };
        using var scope = logger.BeginScope(new ConnectionLogScope($"stdio-{Environment.ProcessId}", System.Net.IPAddress.None) { User = userName });
        logger.LogInformation("session opened for local user {User}, starting in {Directory}", userName, start);
        await using var input = Console.OpenStandardInput();
        await using var stdout = Console.OpenStandardOutput();
        int status = await SftpStdioHost.RunAsync(input, stdout, files, policy, logger);
        logger.LogInformation("session closed for local user {User}", userName);
        return status;
    }

    private static VirtualPath Absolute(string path) =>
        VirtualPath.TryResolve(VirtualPath.Root, path, out var resolved, out _) ? resolved : VirtualPath.Root;

    /// <summary>sftp-server's -d: "~" and the %d (home), %u (user), %U (uid) tokens.</summary>
    private static string ExpandStartDirectory(string? directory, string home, string user)
    {
        if (string.IsNullOrEmpty(directory))
        {
            return home;
        }

        if (directory == "~" || directory.StartsWith("~/", StringComparison.Ordinal))
        {
            directory = home + directory[1..];
        }

        return directory.Replace("%d", home, StringComparison.Ordinal).Replace("%u", user, StringComparison.Ordinal)
            .Replace("%U", GetEffectiveUserId().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%%", "%", StringComparison.Ordinal);
    }

    /// <summary>Logging goes to standard error with -e (standard output carries the protocol); otherwise nowhere.</summary>
    private static ILoggerFactory CreateLoggers(StdioOptions options)
    {
        if (!options.LogToStandardError)
        {
            return NullLoggerFactory.Instance;
        }

        var serilog = new LoggerConfiguration()
            .MinimumLevel.Is(options.LogLevel)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        return new SerilogLoggerFactory(serilog, dispose: true);
    }

    private static int? Parse(string[] args, StdioOptions options, TextWriter output, TextWriter error)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.Length < 2 || arg[0] != '-')
            {
                return Fail(error, $"unexpected argument '{arg}'");
            }

            // getopt(3) style: flags may be grouped ("-eR"), a value may follow its letter or be the next argument.
            for (int j = 1; j < arg.Length; j++)
            {
                char letter = arg[j];
                if (letter is 'e' or 'R' or 'h' or 'c')
                {
                    switch (letter)
                    {
                        case 'e': options.LogToStandardError = true; break;
                        case 'R': options.ReadOnly = true; break;
                        case 'c': return null; // "sftp-server -c command": the rest is ignored, as OpenSSH does
                        default:
                            error.WriteLine(Usage);
                            return 1;
                    }

                    continue;
                }

                string? value = j + 1 < arg.Length ? arg[(j + 1)..] : i + 1 < args.Length ? args[++i] : null;
                if (value is null)
                {
                    return Fail(error, $"option -{letter} needs a value");
                }

                switch (letter)
                {
                    case 'd': options.StartDirectory = value; break;
                    case 'f': break; // syslog facility: this host logs to standard error only
                    case 'l':
                        if (ParseLevel(value) is not { } level)
                        {
                            return Fail(error, $"invalid log level \"{value}\"");
                        }

                        options.LogLevel = level;
                        break;
                    case 'p': options.Allowed = Names(value); break;
                    case 'P': options.Denied = Names(value); break;
                    case 'u':
                        if (!TryParseOctal(value, out int umask) || umask > 0x1FF)
                        {
                            return Fail(error, $"invalid umask \"{value}\"");
                        }

                        options.Umask = umask;
                        break;
                    case 'Q':
                        if (!string.Equals(value, "requests", StringComparison.OrdinalIgnoreCase))
                        {
                            return Fail(error, "invalid query type");
                        }

                        foreach (string name in SftpStdioHost.RequestNames)
                        {
                            output.WriteLine(name);
                        }

                        return 0;
                    default:
                        error.WriteLine(Usage);
                        return 1;
                }

                break;
            }
        }

        return null;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"sftp-server: {message}");
        error.WriteLine(Usage);
        return 1;
    }

    private static HashSet<string> Names(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>OpenSSH's LogLevel names mapped onto Serilog's levels.</summary>
    private static LogEventLevel? ParseLevel(string name) => name.ToUpperInvariant() switch
    {
        "QUIET" or "FATAL" => LogEventLevel.Fatal,
        "ERROR" => LogEventLevel.Error,
        "INFO" => LogEventLevel.Information,
        "VERBOSE" => LogEventLevel.Information,
        "DEBUG" or "DEBUG1" => LogEventLevel.Debug,
        "DEBUG2" or "DEBUG3" => LogEventLevel.Verbose,
        _ => null,
    };

    private static bool TryParseOctal(string text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '7' || value > 0x7FFF)
            {
                return false;
            }

            value = value * 8 + (c - '0');
        }

        return text.Length > 0;
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(int mask);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    private sealed class StdioOptions
    {
        public string? StartDirectory { get; set; }
        public bool ReadOnly { get; set; }
        public bool LogToStandardError { get; set; }
        public LogEventLevel LogLevel { get; set; } = LogEventLevel.Information;
        public IReadOnlySet<string>? Allowed { get; set; }
        public IReadOnlySet<string>? Denied { get; set; }
        public int? Umask { get; set; }
    }
}
