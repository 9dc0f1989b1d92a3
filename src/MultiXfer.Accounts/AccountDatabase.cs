namespace MultiXfer.Accounts;

/// <summary>The <c>Accounts</c> configuration section.</summary>
public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// "sqlite" (the embedded default: a file under Server:StateDirectory), "postgresql" (Accounts:ConnectionString,
    /// shared by a cluster) or "config" (only the configuration's Users; the API cannot change accounts).
    /// </summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Npgsql's connection string, for the postgresql provider.</summary>
    public string ConnectionString { get; set; } = "";

    public static readonly string[] Providers = ["sqlite", "postgresql", "config"];
}

/// <summary>
/// The open account database: accounts, admin tokens and the audit log. With the config provider the database is
/// still the embedded one (tokens and the audit log live there) but it holds no accounts.
/// </summary>
public sealed class AccountDatabase : IAsyncDisposable
{
    public const string SqliteFileName = "accounts.db";

    private AccountDatabase(SqlDialect dialect, bool holdsAccounts, TimeProvider time)
    {
        Dialect = dialect;
        HoldsAccounts = holdsAccounts;
        Accounts = new SqlAccountStore(dialect, time);
        Admin = new SqlAdminStore(dialect, time);
        Usage = new SqlUsageStore(dialect, time);
    }

    public SqlDialect Dialect { get; }

    /// <summary>False for the config provider: accounts come from configuration and cannot be created here.</summary>
    public bool HoldsAccounts { get; }

    public SqlAccountStore Accounts { get; }

    public SqlAdminStore Admin { get; }

    /// <summary>Accounts' disk usage and daily transfers (for configured users too).</summary>
    public SqlUsageStore Usage { get; }

    public static AccountDatabase Open(AccountsOptions options, string stateDirectory, TimeProvider time) => options.Provider switch
    {
        "postgresql" => new AccountDatabase(new PostgresDialect(options.ConnectionString), holdsAccounts: true, time),
        "config" => new AccountDatabase(new SqliteDialect(Path.Combine(stateDirectory, SqliteFileName)), holdsAccounts: false, time),
        _ => new AccountDatabase(new SqliteDialect(Path.Combine(stateDirectory, SqliteFileName)), holdsAccounts: true, time),
    };

    public ValueTask DisposeAsync() => Dialect.DisposeAsync();
}
