using System.Data.Common;

namespace MultiXfer.Accounts;

/// <summary>
/// The store's schema as numbered steps. A step is never edited once released: a change is a new step, so every
/// database reaches the same schema by the same path. Steps only add (tables, columns with defaults, indexes), so
/// no data is lost, and all of them run in one transaction: a failed migration leaves the old schema whole.
/// </summary>
public static class SchemaMigrations
{
    private static readonly string[][] Steps =
    [
        // 1: accounts with what a configured user has.
        [
            """
            CREATE TABLE accounts (
                name TEXT {Binary} PRIMARY KEY,
                password_hash TEXT NOT NULL,
                home TEXT,
                read_only BOOLEAN NOT NULL,
                protocols TEXT NOT NULL,
                permissions TEXT NOT NULL,
                authorized_keys TEXT NOT NULL,
                authorized_keys_file TEXT,
                authorized_principals TEXT,
                sftp TEXT,
                virtual_host TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                version BIGINT NOT NULL)
            """,
        ],
        // 2: lifecycle (disabled, expiry, source networks, description, last login) and the limits quotas enforce.
        [
            "ALTER TABLE accounts ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE accounts ADD COLUMN expires_at BIGINT",
            "ALTER TABLE accounts ADD COLUMN allowed_networks TEXT NOT NULL DEFAULT '[]'",
            "ALTER TABLE accounts ADD COLUMN description TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE accounts ADD COLUMN last_login_at BIGINT",
            "ALTER TABLE accounts ADD COLUMN max_sessions INTEGER",
            "ALTER TABLE accounts ADD COLUMN quota_bytes BIGINT",
            "ALTER TABLE accounts ADD COLUMN quota_files BIGINT",
            "ALTER TABLE accounts ADD COLUMN upload_bytes_per_second BIGINT",
            "ALTER TABLE accounts ADD COLUMN download_bytes_per_second BIGINT",
            "CREATE INDEX accounts_virtual_host ON accounts (virtual_host, name)",
        ],
        // 3: the admin API's tokens (only a hash of each secret) and its audit log.
        [
            """
            CREATE TABLE admin_tokens (
                id TEXT {Binary} PRIMARY KEY,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                scope TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT,
                revoked_at BIGINT,
                last_used_at BIGINT)
            """,
            """
            CREATE TABLE audit_log (
                id {Identity},
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                client_address TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                detail TEXT NOT NULL)
            """,
        ],
        // 4: daily transfer allowances, and each account's usage (disk and today's transfers) kept across restarts.
        [
            "ALTER TABLE accounts ADD COLUMN upload_bytes_per_day BIGINT",
            "ALTER TABLE accounts ADD COLUMN download_bytes_per_day BIGINT",
            "ALTER TABLE accounts ADD COLUMN transfer_bytes_per_day BIGINT",
            """
            CREATE TABLE account_usage (
                usage_key TEXT {Binary} PRIMARY KEY,
                used_bytes BIGINT NOT NULL,
                used_files BIGINT NOT NULL,
                day BIGINT NOT NULL,
                uploaded_bytes BIGINT NOT NULL,
                downloaded_bytes BIGINT NOT NULL,
                scanned_at BIGINT,
                disk_counted BOOLEAN NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
        ],
        // 5: per-source penalties added up across a cluster's gateways (PostgreSQL; times in the database's own clock).
        [
            """
            CREATE TABLE source_penalties (
                source TEXT {Binary} PRIMARY KEY,
                expires_at BIGINT NOT NULL,
                active BOOLEAN NOT NULL)
            """,
        ],
        // 6: the cluster's session registry: each gateway's lease, and the sessions it holds (PostgreSQL).
        [
            """
            CREATE TABLE cluster_nodes (
                node TEXT {Binary} PRIMARY KEY,
                started_at BIGINT NOT NULL,
                lease_until BIGINT NOT NULL)
            """,
            """
            CREATE TABLE cluster_sessions (
                node TEXT {Binary} NOT NULL,
                id TEXT {Binary} NOT NULL,
                usage_key TEXT {Binary} NOT NULL,
                account TEXT NOT NULL,
                protocol TEXT NOT NULL,
                client TEXT NOT NULL,
                virtual_host TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (node, id))
            """,
            "CREATE INDEX cluster_sessions_usage ON cluster_sessions (usage_key)",
        ],
        // 7: what each gateway holds of an account's quotas and daily allowances, so they hold across gateways (PostgreSQL).
        [
            """
            CREATE TABLE usage_grants (
                usage_key TEXT {Binary} NOT NULL,
                node TEXT {Binary} NOT NULL,
                bytes BIGINT NOT NULL,
                files BIGINT NOT NULL,
                uploaded BIGINT NOT NULL,
                downloaded BIGINT NOT NULL,
                PRIMARY KEY (usage_key, node))
            """,
        ],
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => Steps.Length;

    /// <summary>
    /// Brings the database to <paramref name="target"/> (the latest unless a test wants an older schema) and returns
    /// the version it is at. A database newer than this build is refused, not touched.
    /// </summary>
    public static async Task<int> MigrateAsync(SqlDialect dialect, CancellationToken cancellationToken, int? target = null)
    {
        int wanted = target ?? Latest;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS multixfer_schema (version INTEGER NOT NULL)", cancellationToken);
        int current = await CurrentVersionAsync(connection, transaction, cancellationToken);
        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"the account store's schema is version {current}, newer than this build of MultiXfer knows ({Latest}); run the newer build or restore a backup");
        }

        for (int version = current + 1; version <= wanted; version++)
        {
            foreach (string statement in Steps[version - 1])
            {
                await ExecuteAsync(connection, transaction, dialect.Expand(statement), cancellationToken);
            }

            await ExecuteAsync(connection, transaction, $"INSERT INTO multixfer_schema (version) VALUES ({version})", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Math.Max(current, wanted);
    }

    public static async Task<int> CurrentVersionAsync(SqlDialect dialect, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS multixfer_schema (version INTEGER NOT NULL)", cancellationToken);
        int version = await CurrentVersionAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM multixfer_schema";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
