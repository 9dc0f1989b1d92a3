using System.CommandLine;
using MultiXfer.Accounts;
using MultiXfer.Server.Admin;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Hosting;

namespace MultiXfer.Server.Cli;

/// <summary>
/// The operator's command line, as subcommands of the server's own executable (System.CommandLine parses it):
/// accounts, keys, sessions, hostkeys, tokens, db, hash-password. Without --url it works on the account store the
/// configuration names; with --url and --token it asks a running server's admin API.
/// </summary>
internal static class CliApp
{
    public static readonly IReadOnlySet<string> Commands = new HashSet<string>(StringComparer.Ordinal)
    {
        "accounts", "keys", "quota", "sessions", "hostkeys", "tokens", "db", "hash-password", "health",
    };

    public static readonly Option<string?> Config = new("--config") { Description = "the server's configuration file (offline: where the account store is)", Recursive = true };
    public static readonly Option<string?> Url = new("--url") { Description = "a running server's admin API, such as http://127.0.0.1:2180", Recursive = true };
    public static readonly Option<string?> Token = new("--token") { Description = "an admin token (or set MULTIXFER_TOKEN)", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "print JSON (the API's shapes) instead of tables", Recursive = true };

    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("MultiXfer: FTP, FTPS, SFTP and SCP server. Without a command it runs the server.");
        root.Options.Add(Config);
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Json);
        root.Subcommands.Add(AccountCommands.Build());
        root.Subcommands.Add(OtherCommands.Keys());
        root.Subcommands.Add(OtherCommands.Quota());
        root.Subcommands.Add(OtherCommands.Sessions());
        root.Subcommands.Add(OtherCommands.HostKeys());
        root.Subcommands.Add(OtherCommands.Tokens());
        root.Subcommands.Add(OtherCommands.Db());
        root.Subcommands.Add(OtherCommands.HashPassword());
        root.Subcommands.Add(HealthCommand.Build());
        return root.Parse(args).InvokeAsync();
    }

    public static CliOutput OutputFor(ParseResult result) => new(Console.Out, Console.Error, result.GetValue(Json));

    /// <summary>Runs <paramref name="work"/> with the client the options ask for; a store or API that cannot be reached is exit code 1.</summary>
    public static async Task<int> WithClientAsync(ParseResult result, Func<IAdminClient, CliOutput, Task<int>> work)
    {
        var output = OutputFor(result);
        IAdminClient client;
        try
        {
            client = result.GetValue(Url) is { } url
                ? new HttpAdminClient(Uri.TryCreate(url, UriKind.Absolute, out var address) && address.Scheme is "http" or "https" ? address
                        : throw new ArgumentException($"--url {url}: not an http(s) address"), result.GetValue(Token) ?? Environment.GetEnvironmentVariable("MULTIXFER_TOKEN")
                    ?? throw new ArgumentException("--url needs --token (or MULTIXFER_TOKEN)"))
                : await OpenLocalAsync(result.GetValue(Config));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or System.Data.Common.DbException or FormatException)
        {
            return output.Fail(e.Message, 1);
        }

        await using (client)
        {
            try
            {
                return await work(client, output);
            }
            catch (Exception e) when (e is HttpRequestException or System.Data.Common.DbException or IOException)
            {
                return output.Fail(e.Message, 1);
            }
        }
    }

    /// <summary>The configuration's account store, migrated as the server would at start.</summary>
    public static async Task<AccountDatabase> OpenDatabaseAsync(string? configFile, bool migrate = true)
    {
        var settings = LoadSettings(configFile);
        var database = AccountDatabase.Open(settings.Accounts, settings.Server.StateDirectory, TimeProvider.System);
        if (migrate)
        {
            await SchemaMigrations.MigrateAsync(database.Dialect, CancellationToken.None);
        }

        return database;
    }

    public static MultiXferSettings LoadSettings(string? configFile)
    {
        var configuration = ConfigurationSources.Build(configFile is null ? [] : ["--config", configFile]);
        var settings = MultiXferSettings.Bind(configuration);
        var problems = SettingsValidator.Validate(settings, configuration);
        return problems.Count == 0 ? settings : throw new InvalidOperationException("the configuration is not valid: " + string.Join("; ", problems));
    }

    private static async Task<IAdminClient> OpenLocalAsync(string? configFile)
    {
        var settings = LoadSettings(configFile);
        var database = await OpenDatabaseAsync(configFile);
        return new LocalAdminClient(new AccountOperations(database, AccountStartup.ConfiguredNames(settings).Contains, settings.VirtualHosts.ContainsKey,
            settings.Ssh.MinimumRsaKeyBits, TimeProvider.System));
    }
}
