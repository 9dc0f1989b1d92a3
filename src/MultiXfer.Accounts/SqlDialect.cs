using System.Data.Common;

namespace MultiXfer.Accounts;

/// <summary>
/// What differs between the SQL databases behind the account store. Everything else (schema, queries, migrations)
/// is one text run on both, so the conformance tests prove one implementation.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>The provider's name in configuration (Accounts:Provider).</summary>
    public abstract string Name { get; }

    /// <summary>An open connection, set up for the store (durability, foreign keys, timeouts).</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A 64-bit key the database assigns in insertion order.</summary>
    public abstract string IdentityColumn { get; }

    /// <summary>The column collation that orders names byte by byte, the same in every database (keyset paging relies on it).</summary>
    public abstract string BinaryCollation { get; }

    /// <summary>
    /// Serialises migrations between processes sharing the database (a cluster's gateways all start at once), inside
    /// the migration's transaction.
    /// </summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Replaces the dialect's placeholders in schema text.</summary>
    public string Expand(string sql) => sql.Replace("{Identity}", IdentityColumn).Replace("{Binary}", BinaryCollation);
}
