using System.Data.Common;
using Npgsql;

namespace MultiXfer.Accounts;

/// <summary>PostgreSQL through Npgsql: the store a cluster of gateways shares (Accounts:ConnectionString).</summary>
public sealed class PostgresDialect(string connectionString) : SqlDialect
{
    /// <summary>Any fixed number: the advisory lock every gateway takes before it looks at the schema version.</summary>
    private const long MigrationLockKey = 0x4D58_5343_4845_4D41;

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public override string Name => "postgresql";

    public override string IdentityColumn => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

    public override string BinaryCollation => "COLLATE \"C\"";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}
