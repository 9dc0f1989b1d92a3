using MultiXfer.Limits;
using System.Data.Common;
using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;
using MultiXfer.Connections;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Accounts;

/// <summary>
/// One suite, run against every provider: what the account store promises (versions, paging, migrations, tokens)
/// must hold the same on the embedded SQLite file and on PostgreSQL.
/// </summary>
public abstract class AccountStoreConformanceTests : IAsyncLifetime
{
    private readonly SettableClock _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private SqlDialect _dialect = null!;

    protected abstract Task<SqlDialect> NewDialectAsync();

    private SqlAccountStore Store => new(_dialect, _time);

    private SqlAdminStore Admin => new(_dialect, _time);

    public async Task InitializeAsync()
    {
        _dialect = await NewDialectAsync();
    }

    public async Task DisposeAsync() => await _dialect.DisposeAsync();

    private async Task<SqlAccountStore> MigratedAsync()
    {
        Assert.Equal(SchemaMigrations.Latest, await Store.MigrateAsync(CancellationToken.None));
        return Store;
    }

    private static Account Full(string name) => new()
    {
        Name = name,
        PasswordHash = "$pbkdf2-sha512$i=10000$AAAAAAAAAAAAAAAAAAAAAA$" + new string('A', 86),
        Home = "/homes/" + name,
        ReadOnly = true,
        Protocols = ["sftp", "ftps"],
        Permissions = new Dictionary<string, string> { ["/pub"] = "list,download", ["/in"] = "*" },
        AuthorizedKeys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@host"],
        AuthorizedKeysFile = "/etc/multixfer/keys/" + name,
        AuthorizedPrincipals = ["ops", name],
        Sftp = new SftpOverrideOptions { MaxVersion = 3, Extensions = ["posix-rename@openssh.com"] },
        VirtualHost = "site-b",
        Disabled = true,
        ExpiresAt = new DateTimeOffset(2027, 1, 31, 23, 59, 0, TimeSpan.Zero),
        AllowedNetworks = ["192.0.2.0/24", "2001:db8::/32"],
        Description = "partner upload account ü",
        Limits = new AccountLimits { MaxSessions = 4, QuotaBytes = 10L << 30, QuotaFiles = 100_000, UploadBytesPerSecond = 1 << 20, DownloadBytesPerSecond = 2 << 20 },
    };

    [Fact]
    public async Task Every_field_survives_a_round_trip()
    {
        var store = await MigratedAsync();
        var created = await store.CreateAsync(Full("alice"), CancellationToken.None);
        var read = await store.GetAsync("alice", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(1, read.Version);
        Assert.Equal(_time.GetUtcNow(), read.CreatedAt);
        Assert.Equal(created.PasswordHash, read.PasswordHash);
        Assert.Equal("/homes/alice", read.Home);
        Assert.True(read.ReadOnly);
        Assert.Equal(["sftp", "ftps"], read.Protocols);
        Assert.Equal("list,download", read.Permissions["/pub"]);
        Assert.Equal(created.AuthorizedKeys, read.AuthorizedKeys);
        Assert.Equal("/etc/multixfer/keys/alice", read.AuthorizedKeysFile);
        Assert.Equal(["ops", "alice"], read.AuthorizedPrincipals!);
        Assert.Equal(3, read.Sftp!.MaxVersion);
        Assert.Equal(["posix-rename@openssh.com"], read.Sftp.Extensions!);
        Assert.Equal("site-b", read.VirtualHost);
        Assert.True(read.Disabled);
        Assert.Equal(created.ExpiresAt, read.ExpiresAt);
        Assert.Equal(["192.0.2.0/24", "2001:db8::/32"], read.AllowedNetworks);
        Assert.Equal("partner upload account ü", read.Description);
        Assert.Equal(created.Limits, read.Limits);
        Assert.Null(read.LastLoginAt);
        Assert.Null(await store.GetAsync("ALICE", CancellationToken.None));
    }

    [Fact]
    public async Task A_taken_name_is_a_conflict_and_the_first_account_stays()
    {
        var store = await MigratedAsync();
        await store.CreateAsync(Full("bob"), CancellationToken.None);
        await Assert.ThrowsAsync<AccountConflictException>(() => store.CreateAsync(new Account { Name = "bob", Description = "second" }, CancellationToken.None));
        Assert.Equal("partner upload account ü", (await store.GetAsync("bob", CancellationToken.None))!.Description);
    }

    [Fact]
    public async Task An_update_needs_the_current_version()
    {
        var store = await MigratedAsync();
        var first = await store.CreateAsync(new Account { Name = "carol", PasswordHash = "" }, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = await store.UpdateAsync(first with { Description = "changed" }, first.Version, CancellationToken.None);
        Assert.Equal(2, second.Version);
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal(_time.GetUtcNow(), second.UpdatedAt);

        // Another admin still holding version 1 cannot overwrite the change.
        await Assert.ThrowsAsync<AccountConflictException>(() => store.UpdateAsync(first with { Description = "stale" }, first.Version, CancellationToken.None));
        Assert.Equal("changed", (await store.GetAsync("carol", CancellationToken.None))!.Description);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.UpdateAsync(first with { Name = "nobody" }, 1, CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_updates_from_one_version_let_exactly_one_through()
    {
        var store = await MigratedAsync();
        var account = await store.CreateAsync(new Account { Name = "dave" }, CancellationToken.None);
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await new SqlAccountStore(_dialect, _time).UpdateAsync(account with { Description = $"writer {i}" }, account.Version, CancellationToken.None);
                return true;
            }
            catch (AccountConflictException)
            {
                return false;
            }
        })).ToList();

        bool[] outcomes = await Task.WhenAll(attempts);
        Assert.Equal(1, outcomes.Count(won => won));
        var stored = await store.GetAsync("dave", CancellationToken.None);
        Assert.Equal(2, stored!.Version);
        Assert.StartsWith("writer ", stored.Description);
    }

    [Fact]
    public async Task Delete_checks_the_version_when_given_one()
    {
        var store = await MigratedAsync();
        var account = await store.CreateAsync(new Account { Name = "erin" }, CancellationToken.None);
        await store.UpdateAsync(account with { Description = "v2" }, 1, CancellationToken.None);
        await Assert.ThrowsAsync<AccountConflictException>(() => store.DeleteAsync("erin", 1, CancellationToken.None));
        Assert.NotNull(await store.GetAsync("erin", CancellationToken.None));
        Assert.True(await store.DeleteAsync("erin", 2, CancellationToken.None));
        Assert.False(await store.DeleteAsync("erin", null, CancellationToken.None));
        Assert.Null(await store.GetAsync("erin", CancellationToken.None));
    }

    [Fact]
    public async Task Pages_follow_byte_order_and_filters_apply()
    {
        var store = await MigratedAsync();
        // Upper case sorts before lower case byte by byte: the same on every database (no locale collation).
        string[] names = [.. Enumerable.Range(0, 230).Select(i => $"user{i:D3}"), "Zed", "ab", "user-x"];
        foreach (string name in names)
        {
            await store.CreateAsync(new Account
            {
                Name = name, Disabled = name.EndsWith('7'), VirtualHost = name.EndsWith('5') ? "site-b" : null,
            }, CancellationToken.None);
        }

        var seen = new List<string>();
        string? after = null;
        int pages = 0;
        do
        {
            var page = await store.ListAsync(new AccountQuery { After = after, Limit = 50 }, CancellationToken.None);
            seen.AddRange(page.Accounts.Select(a => a.Name));
            after = page.NextAfter;
            pages++;
        }
        while (after is not null);

        Assert.Equal(names.Order(StringComparer.Ordinal), seen);
        Assert.Equal(5, pages);
        Assert.Equal(233, await store.CountAsync(CancellationToken.None));

        var prefixed = await store.ListAsync(new AccountQuery { NamePrefix = "user1", Limit = 1000 }, CancellationToken.None);
        Assert.Equal(100, prefixed.Accounts.Count);
        Assert.All(prefixed.Accounts, a => Assert.StartsWith("user1", a.Name));
        Assert.Null(prefixed.NextAfter);

        var disabled = await store.ListAsync(new AccountQuery { Disabled = true, Limit = 1000 }, CancellationToken.None);
        Assert.Equal(names.Count(n => n.EndsWith('7')), disabled.Accounts.Count);
        var siteB = await store.ListAsync(new AccountQuery { VirtualHost = "site-b", Limit = 1000 }, CancellationToken.None);
        Assert.Equal(names.Count(n => n.EndsWith('5')), siteB.Accounts.Count);
        var defaultHost = await store.ListAsync(new AccountQuery { VirtualHost = "", Limit = 1000 }, CancellationToken.None);
        Assert.Equal(names.Length - siteB.Accounts.Count, defaultHost.Accounts.Count);

        // A prefix with LIKE's wildcards in it means those characters.
        Assert.Equal(["user-x"], (await store.ListAsync(new AccountQuery { NamePrefix = "user-", Limit = 10 }, CancellationToken.None)).Accounts.Select(a => a.Name));
        Assert.Empty((await store.ListAsync(new AccountQuery { NamePrefix = "user%", Limit = 10 }, CancellationToken.None)).Accounts);
    }

    [Fact]
    public async Task A_login_records_its_time_and_an_upgraded_hash_without_moving_the_version()
    {
        var store = await MigratedAsync();
        var account = await store.CreateAsync(Full("frank"), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        await store.RecordLoginAsync("frank", _time.GetUtcNow(), "$argon2id$new", CancellationToken.None);
        var after = await store.GetAsync("frank", CancellationToken.None);
        Assert.Equal(_time.GetUtcNow(), after!.LastLoginAt);
        Assert.Equal("$argon2id$new", after.PasswordHash);
        Assert.Equal(account.Version, after.Version);

        // An admin's update keeps the store's last-login time.
        var updated = await store.UpdateAsync(after with { LastLoginAt = null, Description = "x" }, after.Version, CancellationToken.None);
        Assert.Equal(after.LastLoginAt, (await store.GetAsync("frank", CancellationToken.None))!.LastLoginAt);
        Assert.Equal(after.LastLoginAt, updated.LastLoginAt);
    }

    [Fact]
    public async Task A_database_of_the_first_schema_keeps_its_accounts_through_the_migrations()
    {
        Assert.Equal(1, await SchemaMigrations.MigrateAsync(_dialect, CancellationToken.None, target: 1));
        await using (var connection = await _dialect.OpenAsync(CancellationToken.None))
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO accounts (name, password_hash, home, read_only, protocols, permissions, authorized_keys, created_at, updated_at, version)
                VALUES ('legacy', '$6$salt$hash', '/old', TRUE, '["ftp"]', '{"/":"list"}', '[]', 1000, 2000, 7)
                """;
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await SchemaMigrations.CurrentVersionAsync(_dialect, CancellationToken.None));
        Assert.Equal(SchemaMigrations.Latest, await Store.MigrateAsync(CancellationToken.None));
        var legacy = await Store.GetAsync("legacy", CancellationToken.None);
        Assert.NotNull(legacy);
        Assert.Equal("$6$salt$hash", legacy.PasswordHash);
        Assert.Equal("/old", legacy.Home);
        Assert.True(legacy.ReadOnly);
        Assert.Equal(["ftp"], legacy.Protocols);
        Assert.Equal(7, legacy.Version);
        Assert.False(legacy.Disabled);
        Assert.Empty(legacy.AllowedNetworks);
        Assert.Equal("", legacy.Description);
        Assert.Equal(new AccountLimits(), legacy.Limits);

        // Running the migrations again changes nothing.
        Assert.Equal(SchemaMigrations.Latest, await Store.MigrateAsync(CancellationToken.None));
        Assert.Equal(1, await Store.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_newer_schema_is_refused_and_left_alone()
    {
        var store = await MigratedAsync();
        await store.CreateAsync(new Account { Name = "kept" }, CancellationToken.None);
        await using (var connection = await _dialect.OpenAsync(CancellationToken.None))
        {
            await using var newer = connection.CreateCommand();
            newer.CommandText = $"INSERT INTO multixfer_schema (version) VALUES ({SchemaMigrations.Latest + 1})";
            await newer.ExecuteNonQueryAsync();
        }

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => store.MigrateAsync(CancellationToken.None));
        Assert.Contains("newer than this build", refusal.Message);
        Assert.NotNull(await store.GetAsync("kept", CancellationToken.None));
    }

    [Fact]
    public async Task Tokens_work_until_revoked_or_expired_and_only_with_their_secret()
    {
        await MigratedAsync();
        var (token, presented) = await Admin.CreateTokenAsync("ci", TokenScope.Read, _time.GetUtcNow().AddHours(1), CancellationToken.None);
        Assert.Equal(TokenScope.Read, (await Admin.AuthenticateAsync(presented, CancellationToken.None))!.Scope);
        Assert.Null(await Admin.AuthenticateAsync(presented[..^1] + (presented[^1] == 'A' ? 'B' : 'A'), CancellationToken.None));
        Assert.Null(await Admin.AuthenticateAsync("mxt_0000000000000000_secret", CancellationToken.None));
        Assert.Null(await Admin.AuthenticateAsync("not a token", CancellationToken.None));

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await Admin.AuthenticateAsync(presented, CancellationToken.None));

        var (live, livePresented) = await Admin.CreateTokenAsync("ops", TokenScope.Admin, null, CancellationToken.None);
        var firstUse = (await Admin.AuthenticateAsync(livePresented, CancellationToken.None))!.LastUsedAt;
        Assert.Equal(_time.GetUtcNow(), firstUse);

        // "Last used" moves at most once a minute: no durable write per request.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(firstUse, (await Admin.AuthenticateAsync(livePresented, CancellationToken.None))!.LastUsedAt);
        Assert.Equal(firstUse, (await Admin.ListTokensAsync(CancellationToken.None)).Single(t => t.Id == live.Id).LastUsedAt);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(_time.GetUtcNow(), (await Admin.AuthenticateAsync(livePresented, CancellationToken.None))!.LastUsedAt);
        Assert.True(await Admin.RevokeTokenAsync(live.Id, CancellationToken.None));
        Assert.False(await Admin.RevokeTokenAsync(live.Id, CancellationToken.None));
        Assert.Null(await Admin.AuthenticateAsync(livePresented, CancellationToken.None));

        var listed = await Admin.ListTokensAsync(CancellationToken.None);
        Assert.Equal([token.Id, live.Id], listed.Select(t => t.Id));
        Assert.NotNull(listed[1].RevokedAt);
    }

    [Fact]
    public async Task A_chosen_token_is_ensured_once_even_from_gateways_starting_together_and_a_new_one_retires_it()
    {
        await MigratedAsync();
        const string first = "mxt_00112233445566aa_0123456789abcdef0123456789abcdef";
        const string second = "mxt_00112233445566bb_fedcba9876543210fedcba9876543210";
        var together = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Admin.EnsureTokenAsync("bootstrap", first, CancellationToken.None)));
        Assert.Single(together, added => added);
        Assert.Equal(TokenScope.Admin, (await Admin.AuthenticateAsync(first, CancellationToken.None))!.Scope);
        Assert.Null(await Admin.AuthenticateAsync(first[..^1] + "0", CancellationToken.None));

        Assert.True(await Admin.EnsureTokenAsync("bootstrap", second, CancellationToken.None));
        Assert.NotNull(await Admin.AuthenticateAsync(second, CancellationToken.None));
        Assert.Null(await Admin.AuthenticateAsync(first, CancellationToken.None));
        Assert.Equal(2, (await Admin.ListTokensAsync(CancellationToken.None)).Count(t => t.Name == "bootstrap"));

        await Assert.ThrowsAsync<FormatException>(() => Admin.EnsureTokenAsync("bootstrap", "mxt_00112233445566cc_short", CancellationToken.None));
        await Assert.ThrowsAsync<FormatException>(() => Admin.EnsureTokenAsync("bootstrap", "not a token at all", CancellationToken.None));
    }

    [Fact]
    public async Task The_audit_log_lists_newest_first()
    {
        await MigratedAsync();
        for (int i = 0; i < 5; i++)
        {
            await Admin.AppendAuditAsync(new AuditEntry(_time.GetUtcNow(), "tok" + i, "127.0.0.1", "account.create", "user" + i, "home=/user" + i),
                CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var entries = await Admin.ListAuditAsync(3, CancellationToken.None);
        Assert.Equal(["user4", "user3", "user2"], entries.Select(e => e.Target));
        Assert.Equal("tok4", entries[0].Actor);
    }
}

public sealed class SqliteAccountStoreTests : AccountStoreConformanceTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mx-accounts-");

    protected override Task<SqlDialect> NewDialectAsync() =>
        Task.FromResult<SqlDialect>(new SqliteDialect(Path.Combine(_directory.FullName, "state", AccountDatabase.SqliteFileName)));

    [Fact]
    public void The_database_file_and_its_directory_are_private_to_the_server()
    {
        using var dialect = new SqliteDialectScope(Path.Combine(_directory.FullName, "private", AccountDatabase.SqliteFileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dialect.File));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(dialect.File)!));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private sealed class SqliteDialectScope(string file) : IDisposable
    {
        private readonly SqliteDialect _dialect = new(file);

        public string File => _dialect.DatabaseFile;

        public void Dispose() => _dialect.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

public sealed class PostgresAccountStoreTests(PostgresFixture postgres) : AccountStoreConformanceTests, IClassFixture<PostgresFixture>
{
    protected override async Task<SqlDialect> NewDialectAsync() => new PostgresDialect(await postgres.Server.CreateDatabaseAsync());
}

/// <summary>Wall-clock time that moves only when a test says so (expiry, creation and login times).</summary>
internal sealed class SettableClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
