using System.CommandLine;
using MultiXfer.Accounts;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary><c>keys</c>, <c>quota</c>, <c>sessions</c>, <c>hostkeys</c>, <c>tokens</c>, <c>db</c> and <c>hash-password</c>.</summary>
internal static class OtherCommands
{
    private static readonly Argument<string> Account = new("account") { Description = "the account's name" };

    public static Command Keys()
    {
        var line = new Argument<string>("key") { Description = "an authorized_keys line, quoted" };
        var add = new Command("add", "authorize an SSH key for an account") { Account, line };
        add.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var added = await client.AddKeyAsync(result.GetValue(Account)!, result.GetValue(line)!, ct);
            return added.Error is { } error ? output.Fail(error) : PrintKeys(output, added.Value!);
        }));

        var list = new Command("list", "list an account's keys") { Account };
        list.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var account = await client.GetAccountAsync(result.GetValue(Account)!, ct);
            return account.Error is { } error ? output.Fail(error) : PrintKeys(output, account.Value!);
        }));

        var fingerprint = new Argument<string>("fingerprint") { Description = "the key's SHA256:... fingerprint (keys list shows it)" };
        var remove = new Command("remove", "remove a key; sessions that logged in with it end") { Account, fingerprint };
        remove.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            if (await client.RemoveKeyAsync(result.GetValue(Account)!, result.GetValue(fingerprint)!, ct) is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"key {result.GetValue(fingerprint)} removed");
            return 0;
        }));
        return new Command("keys", "manage accounts' SSH keys") { add, list, remove };
    }

    public static Command Quota()
    {
        var host = new Option<string?>("--virtual-host") { Description = "a virtual host's own user of that name" };
        var show = new Command("show", "an account's disk usage and today's transfers against its limits (needs --url)") { Account, host };
        var scan = new Command("scan", "recount an account's disk usage from its files, repairing drift (needs --url)") { Account, host };
        foreach (var (command, scans) in new[] { (show, false), (scan, true) })
        {
            command.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
            {
                var usage = await client.GetUsageAsync(result.GetValue(Account)!, result.GetValue(host), scans, ct);
                if (usage.Error is { } error)
                {
                    return output.Fail(error);
                }

                output.Usage(usage.Value!);
                return 0;
            }));
        }

        return new Command("quota", "accounts' quota usage") { show, scan };
    }

    public static Command Sessions()
    {
        var user = new Option<string?>("--user") { Description = "only this account's sessions" };
        var list = new Command("list", "live sessions of every protocol (needs --url)") { user };
        list.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var sessions = await client.ListSessionsAsync(result.GetValue(user), ct);
            if (sessions.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Write(sessions.Value!, AdminJson.Default.ListSessionResource, all => output.Table(
                ["ID", "USER", "CLIENT", "PROTOCOL", "HOST", "SINCE", "IN", "OUT", "TRANSFER"],
                all.Select(s => (IReadOnlyList<string>)[s.Id, s.User ?? "-", s.ClientAddress, s.Protocol ?? "-", s.VirtualHost ?? "(default)", s.ConnectedAt.ToString("u"),
                    s.BytesReceived.ToString(), s.BytesSent.ToString(), s.CurrentTransfer is { } t ? $"{t.Operation} {t.Path} {t.Bytes}" : ""])));
            return 0;
        }));

        var id = new Argument<string?>("id") { Description = "the session to end (sessions list shows ids)", Arity = ArgumentArity.ZeroOrOne };
        var kick = new Command("kick", "end one session, or all of an account's with --user (needs --url)") { id, user };
        kick.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            if ((result.GetValue(id) is null) == (result.GetValue(user) is null))
            {
                return output.Fail("name a session id or --user, one of them");
            }

            var ended = await client.EndSessionsAsync(result.GetValue(id), result.GetValue(user), ct);
            if (ended.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"{ended.Value} session(s) ended");
            return 0;
        }));
        return new Command("sessions", "live sessions") { list, kick };
    }

    public static Command HostKeys()
    {
        var list = new Command("list", "the SSH host keys in service and in rotation, with fingerprints (needs --url)");
        list.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var keys = await client.ListHostKeysAsync(ct);
            return keys.Error is { } error ? output.Fail(error) : PrintHostKeys(output, keys.Value!);
        }));

        var hostKeys = new Command("hostkeys", "SSH host keys: list, and rotate (stage, promote, retire)") { list };
        var type = new Option<string>("--type") { Description = "the key type: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ...", Required = true };
        var site = new Option<string?>("--site") { Description = "the site whose keys rotate (hostkeys list shows them; default: default)" };
        foreach (var (step, description) in new[]
        {
            ("stage", "generate the next key; announced to clients (UpdateHostKeys) but not signing yet"),
            ("promote", "the staged key signs from now on; the old one is announced until retired"),
            ("retire", "delete the previous key; clients with UpdateHostKeys forget it"),
        })
        {
            var command = new Command(step, description + " (needs --url)") { type, site };
            command.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
            {
                var keys = await client.RotateHostKeyAsync(step, new HostKeyRotation(result.GetValue(type)!, result.GetValue(site)), ct);
                return keys.Error is { } error ? output.Fail(error) : PrintHostKeys(output, keys.Value!);
            }));
            hostKeys.Subcommands.Add(command);
        }

        return hostKeys;
    }

    private static int PrintHostKeys(CliOutput output, List<HostKeyResource> keys)
    {
        output.Write(keys, AdminJson.Default.ListHostKeyResource, all => output.Table(["SITE", "ALGORITHM", "STATE", "FINGERPRINT"],
            all.Select(k => (IReadOnlyList<string>)[k.Site, k.Algorithm, k.State, k.Fingerprint])));
        return 0;
    }

    public static Command Tokens()
    {
        var name = new Option<string>("--name") { Description = "what the token is for", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, or admin (changes too)", DefaultValueFactory = _ => "read" };
        scope.AcceptOnlyFromAmong("read", "admin");
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "the token stops working at this time (ISO 8601)" };
        var create = new Command("create", "create an admin API token; its secret is shown once") { name, scope, expires };
        create.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var created = await client.CreateTokenAsync(new TokenCreation(result.GetValue(name)!, result.GetValue(scope)!, result.GetValue(expires)), ct);
            if (created.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Write(created.Value!, AdminJson.Default.CreatedToken, token =>
            {
                output.Line(token.Secret);
                Console.Error.WriteLine($"token {token.Token.Id} ({token.Token.Scope}); the line above is its secret, shown only now");
            });
            return 0;
        }));

        var list = new Command("list", "list tokens (never their secrets)");
        list.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            var tokens = await client.ListTokensAsync(ct);
            if (tokens.Error is { } error)
            {
                return output.Fail(error);
            }

            output.Write(tokens.Value!, AdminJson.Default.ListTokenResource, all => output.Table(["ID", "NAME", "SCOPE", "CREATED", "EXPIRES", "STATE", "LAST USED"],
                all.Select(t => (IReadOnlyList<string>)[t.Id, t.Name, t.Scope, t.CreatedAt.ToString("u"), t.ExpiresAt?.ToString("u") ?? "never",
                    t.RevokedAt is null ? "live" : "revoked", t.LastUsedAt?.ToString("u") ?? "never"])));
            return 0;
        }));

        var id = new Argument<string>("id") { Description = "the token's id" };
        var revoke = new Command("revoke", "revoke a token") { id };
        revoke.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            if (await client.RevokeTokenAsync(result.GetValue(id)!, ct) is { } error)
            {
                return output.Fail(error);
            }

            output.Line($"token {result.GetValue(id)} revoked");
            return 0;
        }));
        return new Command("tokens", "admin API tokens") { create, list, revoke };
    }

    public static Command Db()
    {
        var migrate = new Command("migrate", "bring the account store's schema up to this build's (the server also does at start)");
        migrate.SetAction(async (result, ct) =>
        {
            var output = CliApp.OutputFor(result);
            try
            {
                await using var database = await CliApp.OpenDatabaseAsync(result.GetValue(CliApp.Config), migrate: false);
                int before = await SchemaMigrations.CurrentVersionAsync(database.Dialect, ct);
                int after = await SchemaMigrations.MigrateAsync(database.Dialect, ct);
                output.Line(before == after ? $"{database.Dialect.Name} schema is at version {after}, the newest; nothing to do"
                    : $"{database.Dialect.Name} schema migrated from version {before} to {after}");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or IOException)
            {
                return output.Fail(e.Message, 1);
            }
        });
        return new Command("db", "the account store's database") { migrate };
    }

    public static Command HashPassword()
    {
        var algorithm = new Option<string>("--algorithm") { Description = "argon2id (default) or pbkdf2-sha512", DefaultValueFactory = _ => "argon2id" };
        algorithm.AcceptOnlyFromAmong([.. MultiXfer.Auth.PasswordHasher.Algorithms]);
        var iterations = new Option<int?>("--iterations") { Description = "PBKDF2 rounds, at least 10000" };
        var command = new Command("hash-password", "read a password from standard input and print its hash for Users:NAME:PasswordHash")
        {
            algorithm, iterations,
        };
        command.SetAction(result => HashPasswordCommand.Run(result.GetValue(algorithm)!, result.GetValue(iterations), Console.In, Console.Out, Console.Error));
        return command;
    }

    private static int PrintKeys(CliOutput output, AccountResource account)
    {
        output.Write(account.AuthorizedKeys.ToList(), AdminJson.Default.ListAuthorizedKeyDescription, keys => output.Table(["TYPE", "FINGERPRINT", "COMMENT"],
            keys.Select(k => (IReadOnlyList<string>)[k.Type, k.Fingerprint, k.Comment])));
        return 0;
    }
}
