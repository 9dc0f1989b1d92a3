using MultiXfer.Limits;

namespace MultiXfer.Accounts;

/// <summary>Accounts' usage in the account store's database, so quotas and daily allowances survive restarts.</summary>
public sealed class SqlUsageStore(SqlDialect dialect, TimeProvider time) : IUsageStore
{
    public async Task<StoredUsage?> LoadAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, scanned_at, disk_counted FROM account_usage WHERE usage_key = @key")
            .With("@key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredUsage(key, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
            SqlCommands.TimeOrNull(reader, 5), reader.GetBoolean(6));
    }

    /// <summary>One transaction for the batch: an upsert per account (both databases speak ON CONFLICT ... DO UPDATE).</summary>
    public async Task SaveAsync(IReadOnlyList<StoredUsage> usage, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var u in usage)
        {
            await using var command = connection.Command("""
                INSERT INTO account_usage (usage_key, used_bytes, used_files, day, uploaded_bytes, downloaded_bytes, scanned_at, disk_counted, updated_at)
                VALUES (@key, @bytes, @files, @day, @uploaded, @downloaded, @scanned, @counted, @now)
                ON CONFLICT (usage_key) DO UPDATE SET used_bytes = excluded.used_bytes, used_files = excluded.used_files,
                    day = excluded.day, uploaded_bytes = excluded.uploaded_bytes, downloaded_bytes = excluded.downloaded_bytes,
                    scanned_at = excluded.scanned_at, disk_counted = excluded.disk_counted, updated_at = excluded.updated_at
                """, transaction)
                .With("@key", u.Key).With("@bytes", u.Bytes).With("@files", u.Files).With("@day", u.Day)
                .With("@uploaded", u.UploadedBytes).With("@downloaded", u.DownloadedBytes)
                .With("@scanned", SqlCommands.UnixMilliseconds(u.ScannedAt)).With("@counted", u.DiskCounted).With("@now", now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM account_usage WHERE usage_key = @key").With("@key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
