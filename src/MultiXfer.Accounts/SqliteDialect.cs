using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MultiXfer.Accounts;

/// <summary>
/// The embedded default: one database file under the state directory, readable by the server's account only, in
/// WAL mode with full synchronous commits so that an acknowledged change survives a crash or power loss.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string databaseFile)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(databaseFile))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (!File.Exists(databaseFile))
        {
            // Created empty with mode 0600 first: SQLite would create it with the umask's mode, readable by others.
            using var created = new FileStream(databaseFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }

        DatabaseFile = databaseFile;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            // Seconds a statement waits for another writer's lock before it fails.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabaseFile { get; }

    public override string Name => "sqlite";

    public override string IdentityColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public override string BinaryCollation => "";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var setup = connection.CreateCommand();
        // WAL persists in the file; synchronous and foreign keys are per connection.
        setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        await setup.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>The migration's transaction began IMMEDIATE (Microsoft.Data.Sqlite's default): it already holds the write lock.</summary>
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
