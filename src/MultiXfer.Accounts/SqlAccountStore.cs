using MultiXfer.Limits;
using System.Data.Common;
using System.Text.Json;
using MultiXfer.Auth.Accounts;

namespace MultiXfer.Accounts;

/// <summary>
/// The account store over SQL, one implementation for SQLite and PostgreSQL. Optimistic concurrency: an update or
/// delete names the version it read and changes nothing when the row has moved on.
/// </summary>
public sealed class SqlAccountStore(SqlDialect dialect, TimeProvider time) : IAccountStore
{
    public const int MaxPageSize = 1000;

    private const string Columns = """
        name, password_hash, home, read_only, protocols, permissions, authorized_keys, authorized_keys_file,
        authorized_principals, sftp, virtual_host, created_at, updated_at, version, disabled, expires_at,
        allowed_networks, description, last_login_at, max_sessions, quota_bytes, quota_files, upload_bytes_per_second,
        download_bytes_per_second, upload_bytes_per_day, download_bytes_per_day, transfer_bytes_per_day
        """;

    private const string Parameters = """
        @name, @password_hash, @home, @read_only, @protocols, @permissions, @authorized_keys, @authorized_keys_file,
        @authorized_principals, @sftp, @virtual_host, @created_at, @updated_at, @version, @disabled, @expires_at,
        @allowed_networks, @description, @last_login_at, @max_sessions, @quota_bytes, @quota_files, @upload_bytes_per_second,
        @download_bytes_per_second, @upload_bytes_per_day, @download_bytes_per_day, @transfer_bytes_per_day
        """;

    /// <summary>What an admin's change sets: every column but the name and the times the store keeps (creation, last login).</summary>
    private static readonly string Assignments = string.Join(", ", Columns.Split(',', StringSplitOptions.TrimEntries)
        .Where(c => c is not ("name" or "created_at" or "last_login_at")).Select(c => $"{c} = @{c}"));

    public Task<int> MigrateAsync(CancellationToken cancellationToken) => SchemaMigrations.MigrateAsync(dialect, cancellationToken);

    public async Task<Account?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM accounts WHERE name = @name").With("@name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<AccountPage> ListAsync(AccountQuery query, CancellationToken cancellationToken)
    {
        int limit = Math.Clamp(query.Limit, 1, MaxPageSize);
        var conditions = new List<string>();
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("");
        if (query.After is { } after)
        {
            conditions.Add("name > @after");
            command.With("@after", after);
        }

        if (query.NamePrefix is { Length: > 0 } prefix)
        {
            // Not LIKE: its wildcards and case rules differ between databases; a prefix compare is the same everywhere.
            conditions.Add("substr(name, 1, @prefix_length) = @prefix");
            command.With("@prefix", prefix).With("@prefix_length", prefix.Length);
        }

        if (query.VirtualHost is { } host)
        {
            if (host.Length == 0)
            {
                conditions.Add("virtual_host IS NULL");
            }
            else
            {
                conditions.Add("virtual_host = @virtual_host");
                command.With("@virtual_host", host);
            }
        }

        if (query.Disabled is { } disabled)
        {
            conditions.Add("disabled = @disabled");
            command.With("@disabled", disabled);
        }

        string where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        command.CommandText = $"SELECT {Columns} FROM accounts {where} ORDER BY name LIMIT {limit + 1}";
        var accounts = new List<Account>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken) && accounts.Count <= limit)
        {
            accounts.Add(Read(reader));
        }

        // One row more than the page says whether another page follows.
        bool more = accounts.Count > limit;
        if (more)
        {
            accounts.RemoveAt(limit);
        }

        return new AccountPage(accounts, more ? accounts[^1].Name : null);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT COUNT(*) FROM accounts");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    public async Task<Account> CreateAsync(Account account, CancellationToken cancellationToken)
    {
        var now = Now();
        var stored = account with { CreatedAt = now, UpdatedAt = now, Version = 1, LastLoginAt = null };
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Bind(connection.Command($"INSERT INTO accounts ({Columns}) VALUES ({Parameters}) ON CONFLICT (name) DO NOTHING"), stored);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new AccountConflictException($"an account named '{account.Name}' already exists");
        }

        return stored;
    }

    public async Task<Account> UpdateAsync(Account account, long expectedVersion, CancellationToken cancellationToken)
    {
        var stored = account with { UpdatedAt = Now(), Version = expectedVersion + 1 };
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // One statement: the version check, the change, and the times the store keeps (RETURNING: SQLite 3.35+, PostgreSQL).
        await using (var command = Bind(connection.Command(
                         $"UPDATE accounts SET {Assignments} WHERE name = @name AND version = @expected RETURNING created_at, last_login_at"), stored)
                     .With("@expected", expectedVersion))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                return stored with
                {
                    CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    LastLoginAt = SqlCommands.TimeOrNull(reader, 1),
                };
            }
        }

        // Nothing changed: the account is gone, or another change came first.
        var current = await GetAsync(account.Name, cancellationToken) ?? throw new KeyNotFoundException($"no account named '{account.Name}'");
        throw new AccountConflictException($"account '{account.Name}' changed since version {expectedVersion} (now {current.Version})");
    }

    public async Task<bool> DeleteAsync(string name, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM accounts WHERE name = @name").With("@name", name);
        if (expectedVersion is not null)
        {
            command.CommandText += " AND version = @expected";
            command.With("@expected", expectedVersion);
        }

        if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            return true;
        }

        if (expectedVersion is not null && await GetAsync(name, cancellationToken) is { } current)
        {
            throw new AccountConflictException($"account '{name}' changed since version {expectedVersion} (now {current.Version})");
        }

        return false;
    }

    public async Task RecordLoginAsync(string name, DateTimeOffset at, string? upgradedPasswordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("UPDATE accounts SET last_login_at = @at WHERE name = @name")
            .With("@at", at.ToUnixTimeMilliseconds()).With("@name", name);
        if (upgradedPasswordHash is not null)
        {
            command.CommandText = "UPDATE accounts SET last_login_at = @at, password_hash = @hash WHERE name = @name";
            command.With("@hash", upgradedPasswordHash);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    private static DbCommand Bind(DbCommand command, Account a) => command
        .With("@name", a.Name)
        .With("@password_hash", a.PasswordHash)
        .With("@home", a.Home)
        .With("@read_only", a.ReadOnly)
        .With("@protocols", StoreJson.List(a.Protocols))
        .With("@permissions", StoreJson.Map(a.Permissions))
        .With("@authorized_keys", StoreJson.List(a.AuthorizedKeys))
        .With("@authorized_keys_file", a.AuthorizedKeysFile)
        .With("@authorized_principals", a.AuthorizedPrincipals is null ? null : StoreJson.List(a.AuthorizedPrincipals))
        .With("@sftp", a.Sftp is null ? null : JsonSerializer.Serialize(a.Sftp, StoreJson.Default.SftpOverrideOptions))
        .With("@virtual_host", a.VirtualHost)
        .With("@created_at", a.CreatedAt.ToUnixTimeMilliseconds())
        .With("@updated_at", a.UpdatedAt.ToUnixTimeMilliseconds())
        .With("@version", a.Version)
        .With("@disabled", a.Disabled)
        .With("@expires_at", SqlCommands.UnixMilliseconds(a.ExpiresAt))
        .With("@allowed_networks", StoreJson.List(a.AllowedNetworks))
        .With("@description", a.Description)
        .With("@last_login_at", SqlCommands.UnixMilliseconds(a.LastLoginAt))
        .With("@max_sessions", a.Limits.MaxSessions)
        .With("@quota_bytes", a.Limits.QuotaBytes)
        .With("@quota_files", a.Limits.QuotaFiles)
        .With("@upload_bytes_per_second", a.Limits.UploadBytesPerSecond)
        .With("@download_bytes_per_second", a.Limits.DownloadBytesPerSecond)
        .With("@upload_bytes_per_day", a.Limits.UploadBytesPerDay)
        .With("@download_bytes_per_day", a.Limits.DownloadBytesPerDay)
        .With("@transfer_bytes_per_day", a.Limits.TransferBytesPerDay);

    private static Account Read(DbDataReader r) => new()
    {
        Name = r.GetString(0),
        PasswordHash = r.GetString(1),
        Home = SqlCommands.StringOrNull(r, 2),
        ReadOnly = r.GetBoolean(3),
        Protocols = StoreJson.ListFrom(r.GetString(4)),
        Permissions = StoreJson.MapFrom(r.GetString(5)),
        AuthorizedKeys = StoreJson.ListFrom(r.GetString(6)),
        AuthorizedKeysFile = SqlCommands.StringOrNull(r, 7),
        AuthorizedPrincipals = SqlCommands.StringOrNull(r, 8) is { } principals ? StoreJson.ListFrom(principals) : null,
        Sftp = SqlCommands.StringOrNull(r, 9) is { } sftp ? JsonSerializer.Deserialize(sftp, StoreJson.Default.SftpOverrideOptions) : null,
        VirtualHost = SqlCommands.StringOrNull(r, 10),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11)),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),
        Version = r.GetInt64(13),
        Disabled = r.GetBoolean(14),
        ExpiresAt = SqlCommands.TimeOrNull(r, 15),
        AllowedNetworks = StoreJson.ListFrom(r.GetString(16)),
        Description = r.GetString(17),
        LastLoginAt = SqlCommands.TimeOrNull(r, 18),
        Limits = new AccountLimits
        {
            MaxSessions = r.IsDBNull(19) ? null : r.GetInt32(19),
            QuotaBytes = SqlCommands.Int64OrNull(r, 20),
            QuotaFiles = SqlCommands.Int64OrNull(r, 21),
            UploadBytesPerSecond = SqlCommands.Int64OrNull(r, 22),
            DownloadBytesPerSecond = SqlCommands.Int64OrNull(r, 23),
            UploadBytesPerDay = SqlCommands.Int64OrNull(r, 24),
            DownloadBytesPerDay = SqlCommands.Int64OrNull(r, 25),
            TransferBytesPerDay = SqlCommands.Int64OrNull(r, 26),
        },
    };
}
