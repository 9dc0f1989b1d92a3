using MultiXfer.Limits;
using System.CommandLine;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary><c>multixfer accounts add|list|show|set|passwd|disable|enable|delete|import</c>.</summary>
internal static class AccountCommands
{
    private static readonly Argument<string> Name = new("name") { Description = "the account's name" };

    private static readonly Option<string?> Home = new("--home") { Description = "the account's root inside the data root (default /NAME)" };
    private static readonly Option<bool?> ReadOnly = new("--read-only") { Description = "true: downloads and listings only" };
    private static readonly Option<string[]> Protocol = new("--protocol") { Description = "ftp, ftps, sftp, scp (repeat; default all)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<string[]> Key = new("--key") { Description = "an authorized_keys line (repeat)" };
    private static readonly Option<string?> VirtualHost = new("--virtual-host") { Description = "the virtual host the account belongs to" };
    private static readonly Option<DateTimeOffset?> Expires = new("--expires") { Description = "no login from this time on (ISO 8601)" };
    private static readonly Option<bool> NoExpiry = new("--no-expiry") { Description = "remove the expiry time" };
    private static readonly Option<string[]> Network = new("--network") { Description = "a CIDR network logins must come from (repeat)" };
    private static readonly Option<bool> AnyNetwork = new("--any-network") { Description = "allow logins from anywhere again" };
    private static readonly Option<string?> Description = new("--description") { Description = "free text for people" };
    private static readonly Option<int?> MaxSessions = new("--max-sessions") { Description = "sessions at once, across protocols (0: no limit)" };
    private static readonly Option<long?> QuotaBytes = new("--quota-bytes") { Description = "disk quota of the account's root in bytes (0: no limit)" };
    private static readonly Option<long?> QuotaFiles = new("--quota-files") { Description = "files and links the root may hold (0: no limit)" };
    private static readonly Option<long?> UploadRate = new("--upload-bytes-per-second") { Description = "upload rate shared by the account's sessions (0: no limit)" };
    private static readonly Option<long?> DownloadRate = new("--download-bytes-per-second") { Description = "download rate shared by the account's sessions (0: no limit)" };
    private static readonly Option<long?> UploadPerDay = new("--upload-bytes-per-day") { Description = "file bytes uploaded per UTC day (0: no limit)" };
    private static readonly Option<long?> DownloadPerDay = new("--download-bytes-per-day") { Description = "file bytes downloaded per UTC day (0: no limit)" };
    private static readonly Option<long?> TransferPerDay = new("--transfer-bytes-per-day") { Description = "file bytes up and down per UTC day (0: no limit)" };
    private static readonly Option<bool> PasswordStdin = new("--password-stdin") { Description = "read the password from standard input" };
    private static readonly Option<bool> NoPassword = new("--no-password") { Description = "keys only: no password" };

    public static Command Build()
    {
        var accounts = new Command("accounts", "manage stored accounts");
        accounts.Subcommands.Add(Add());
        accounts.Subcommands.Add(List());
        accounts.Subcommands.Add(Show());
        accounts.Subcommands.Add(Set());
        accounts.Subcommands.Add(Passwd());
        accounts.Subcommands.Add(Toggle("disable", true));
        accounts.Subcommands.Add(Toggle("enable", false));
        accounts.Subcommands.Add(Delete());
        accounts.Subcommands.Add(ImportCommand.Build());
        return accounts;
    }

    private static Command Add()
    {
        var add = new Command("add", "create an account (asks for its password unless --no-password)")
        {
            Name, Home, ReadOnly, Protocol, Key, VirtualHost, Expires, Network, Description, MaxSessions, QuotaBytes, QuotaFiles, UploadRate, UploadPerDay, DownloadPerDay, TransferPerDay,
            DownloadRate, PasswordStdin, NoPassword,
        };
        add.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var spec = new AccountSpec { Name = result.GetValue(Name) };
            Apply(result, spec);
            if (!result.GetValue(NoPassword))
            {
                if (PasswordInput.Read(result.GetValue(PasswordStdin), Console.Error) is not { Length: > 0 } password)
                {
                    return output.Fail("no password given (or pass --no-password for a keys-only account)");
                }

                spec.Password = password;
            }

            var created = await client.CreateAccountAsync(spec, ct);
            if (created.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Account(created.Value!);
            return 0;
        }));
        return add;
    }

    private static Command List()
    {
        var prefix = new Option<string?>("--prefix") { Description = "names starting with this" };
        var disabled = new Option<bool?>("--disabled") { Description = "true: disabled accounts only; false: enabled only" };
        var limit = new Option<int>("--limit") { Description = "at most this many (all when 0)", DefaultValueFactory = _ => 0 };
        var list = new Command("list", "list accounts in name order") { prefix, VirtualHost, disabled, limit };
        list.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var all = new List<AccountResource>();
            int wanted = result.GetValue(limit);
            string? after = null;
            do
            {
                var page = await client.ListAccountsAsync(new AccountQuery
                {
                    After = after, Limit = wanted is > 0 and < 1000 ? wanted - all.Count : 1000, NamePrefix = result.GetValue(prefix),
                    VirtualHost = result.GetValue(VirtualHost), Disabled = result.GetValue(disabled),
                }, ct);
                if (page.Error is { } error)
                {
                    return output.Fail(error);
                }

                all.AddRange(page.Value!.Accounts);
                after = page.Value.Next;
            }
            while (after is not null && (wanted == 0 || all.Count < wanted));

            output.Write(new AccountList(all, null), AdminJson.Default.AccountList, accounts => output.Table(
                ["NAME", "STATE", "HOME", "PROTOCOLS", "KEYS", "LAST LOGIN", "DESCRIPTION"],
                accounts.Accounts.Select(a => (IReadOnlyList<string>)[a.Name, a.Disabled ? "disabled" : a.ExpiresAt < DateTimeOffset.UtcNow ? "expired" : "enabled",
                    a.Home ?? "/" + a.Name, string.Join(",", a.Protocols), a.AuthorizedKeys.Count.ToString(), a.LastLoginAt?.ToString("u") ?? "never", a.Description])));
            return 0;
        }));
        return list;
    }

    private static Command Show()
    {
        var show = new Command("show", "show one account") { Name };
        show.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var account = await client.GetAccountAsync(result.GetValue(Name)!, ct);
            if (account.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Account(account.Value!);
            return 0;
        }));
        return show;
    }

    private static Command Set()
    {
        var set = new Command("set", "change an account's settings (only the options given)")
        {
            Name, Home, ReadOnly, Protocol, VirtualHost, Expires, NoExpiry, Network, AnyNetwork, Description, MaxSessions, QuotaBytes, QuotaFiles,
            UploadRate, DownloadRate, UploadPerDay, DownloadPerDay, TransferPerDay,
        };
        set.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            string name = result.GetValue(Name)!;
            var current = await client.GetAccountAsync(name, ct);
            if (current.Error is { } missing)
            {
                return output.Fail(missing);
            }

            var spec = AccountSpec.From(current.Value!);
            Apply(result, spec);
            if (result.GetValue(NoExpiry))
            {
                spec.ExpiresAt = null;
            }

            if (result.GetValue(AnyNetwork))
            {
                spec.AllowedNetworks = [];
            }

            // The version read above: if another admin changed the account meanwhile, this change is refused.
            var changed = await client.ReplaceAccountAsync(name, spec, current.Value!.Version, ct);
            if (changed.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Account(changed.Value!);
            return 0;
        }));
        return set;
    }

    private static Command Passwd()
    {
        var passwd = new Command("passwd", "set an account's password") { Name, PasswordStdin };
        passwd.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            if (PasswordInput.Read(result.GetValue(PasswordStdin), Console.Error) is not { Length: > 0 } password)
            {
                return output.Fail("no password given");
            }

            var changed = await client.SetPasswordAsync(result.GetValue(Name)!, password, ct);
            if (changed.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"password of {changed.Value!.Name} set ({changed.Value.PasswordScheme})");
            return 0;
        }));
        return passwd;
    }

    private static Command Toggle(string verb, bool disable)
    {
        var command = new Command(verb, disable ? "stop an account from logging in and end its sessions" : "let a disabled account log in again") { Name };
        command.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var changed = await client.SetDisabledAsync(result.GetValue(Name)!, disable, ct);
            if (changed.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"{changed.Value!.Name} {verb}d");
            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var delete = new Command("delete", "delete an account (its files stay) and end its sessions") { Name };
        delete.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            if (await client.DeleteAccountAsync(result.GetValue(Name)!, ct) is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"{result.GetValue(Name)} deleted");
            return 0;
        }));
        return delete;
    }

    /// <summary>The options given, onto the spec; options not given leave the spec as it is.</summary>
    private static void Apply(ParseResult result, AccountSpec spec)
    {
        spec.Home = result.GetValue(Home) ?? spec.Home;
        spec.ReadOnly = result.GetValue(ReadOnly) ?? spec.ReadOnly;
        spec.VirtualHost = result.GetValue(VirtualHost) ?? spec.VirtualHost;
        spec.ExpiresAt = result.GetValue(Expires) ?? spec.ExpiresAt;
        spec.Description = result.GetValue(Description) ?? spec.Description;
        if (result.GetValue(Protocol) is { Length: > 0 } protocols)
        {
            spec.Protocols = [.. protocols.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries))];
        }

        // keys set has no --key (keys add/remove do that); GetResult is null for an option a command lacks.
        if (result.GetResult(Key) is not null && result.GetValue(Key) is { Length: > 0 } keys)
        {
            spec.AuthorizedKeys = [.. keys];
        }

        if (result.GetValue(Network) is { Length: > 0 } networks)
        {
            spec.AllowedNetworks = [.. networks];
        }

        var limits = spec.Limits ?? new AccountLimits();
        spec.Limits = limits with
        {
            MaxSessions = result.GetValue(MaxSessions) ?? limits.MaxSessions,
            QuotaBytes = result.GetValue(QuotaBytes) ?? limits.QuotaBytes,
            QuotaFiles = result.GetValue(QuotaFiles) ?? limits.QuotaFiles,
            UploadBytesPerSecond = result.GetValue(UploadRate) ?? limits.UploadBytesPerSecond,
            DownloadBytesPerSecond = result.GetValue(DownloadRate) ?? limits.DownloadBytesPerSecond,
            UploadBytesPerDay = result.GetValue(UploadPerDay) ?? limits.UploadBytesPerDay,
            DownloadBytesPerDay = result.GetValue(DownloadPerDay) ?? limits.DownloadBytesPerDay,
            TransferBytesPerDay = result.GetValue(TransferPerDay) ?? limits.TransferBytesPerDay,
        };
    }
}
