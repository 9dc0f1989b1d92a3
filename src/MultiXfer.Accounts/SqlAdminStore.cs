using System.Data.Common;

namespace MultiXfer.Accounts;

/// <summary>One line of the audit log: who (token id, or "cli" for the offline tool) changed what, from where.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string ClientAddress, string Action, string Target, string Detail);

/// <summary>Admin tokens and the audit log, in the same database as the accounts.</summary>
public sealed class SqlAdminStore(SqlDialect dialect, TimeProvider time)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<(AdminToken Token, string Presented)> CreateTokenAsync(string name, TokenScope scope, DateTimeOffset? expiresAt,
        CancellationToken cancellationToken)
    {
        var (id, secret, presented) = AdminTokenFormat.Generate();
        var token = new AdminToken(id, name, scope, Now(), expiresAt, null, null);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO admin_tokens (id, name, secret_hash, scope, created_at, expires_at)
            VALUES (@id, @name, @hash, @scope, @created, @expires)
            """)
            .With("@id", id).With("@name", name).With("@hash", AdminTokenFormat.HashOf(secret)).With("@scope", ScopeName(scope))
            .With("@created", token.CreatedAt.ToUnixTimeMilliseconds()).With("@expires", SqlCommands.UnixMilliseconds(expiresAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (token, presented);
    }

    /// <summary>
    /// Makes <paramref name="presented"/> (a bearer string in the token format, chosen by the operator and handed in as a
    /// file) an admin token named <paramref name="name"/>; earlier tokens of that name are revoked, so replacing the
    /// file's token retires the old one. Idempotent, and safe for several gateways starting on one database at once.
    /// </summary>
    /// <returns>True when the token was added now, false when it was already there.</returns>
    /// <exception cref="FormatException">The string is not in the token format.</exception>
    public async Task<bool> EnsureTokenAsync(string name, string presented, CancellationToken cancellationToken)
    {
        if (!AdminTokenFormat.TryParse(presented, out string id, out string secret) || secret.Length < AdminTokenFormat.MinimumSecretLength)
        {
            throw new FormatException($"not a token of the form mxt_<16 hex digits>_<secret of {AdminTokenFormat.MinimumSecretLength}+ characters>");
        }

        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long now = Now().ToUnixTimeMilliseconds();
        await using (var insert = connection.Command("""
            INSERT INTO admin_tokens (id, name, secret_hash, scope, created_at, expires_at)
            VALUES (@id, @name, @hash, @scope, @created, NULL) ON CONFLICT (id) DO NOTHING
            """, transaction)
            .With("@id", id).With("@name", name).With("@hash", AdminTokenFormat.HashOf(secret)).With("@scope", ScopeName(TokenScope.Admin))
            .With("@created", now))
        {
            bool added = await insert.ExecuteNonQueryAsync(cancellationToken) > 0;
            await using var retire = connection.Command("UPDATE admin_tokens SET revoked_at = @now WHERE name = @name AND id <> @id AND revoked_at IS NULL",
                transaction).With("@now", now).With("@name", name).With("@id", id);
            await retire.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return added;
        }
    }

    /// <summary>The token a bearer string stands for, when it exists, its secret matches and it is neither revoked nor expired.</summary>
    public async Task<AdminToken?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!AdminTokenFormat.TryParse(presented, out string id, out string secret))
        {
            return null;
        }

        await using var connection = await dialect.OpenAsync(cancellationToken);
        string? hash = null;
        AdminToken? token = null;
        await using (var command = connection.Command($"SELECT {TokenColumns}, secret_hash FROM admin_tokens WHERE id = @id").With("@id", id))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                token = ReadToken(reader);
                hash = reader.GetString(7);
            }
        }

        var now = Now();
        if (token is null || !AdminTokenFormat.Matches(secret, hash!) || !token.IsUsableAt(now))
        {
            return null;
        }

        // At most once a minute per token: "last used" is for spotting stale tokens, and a durable write on every
        // request would cost each API call a commit.
        if (token.LastUsedAt is not { } used || now - used >= LastUsedResolution)
        {
            await using var touch = connection.Command("UPDATE admin_tokens SET last_used_at = @now WHERE id = @id")
                .With("@now", now.ToUnixTimeMilliseconds()).With("@id", id);
            await touch.ExecuteNonQueryAsync(cancellationToken);
            token = token with { LastUsedAt = now };
        }

        return token;
    }

    public async Task<IReadOnlyList<AdminToken>> ListTokensAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {TokenColumns} FROM admin_tokens ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new List<AdminToken>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(ReadToken(reader));
        }

        return tokens;
    }

    /// <summary>Revokes a token; false when there is no such token or it was revoked already.</summary>
    public async Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("UPDATE admin_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL")
            .With("@now", Now().ToUnixTimeMilliseconds()).With("@id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO audit_log (at, actor, client_address, action, target, detail) VALUES (@at, @actor, @client, @action, @target, @detail)
            """)
            .With("@at", entry.At.ToUnixTimeMilliseconds()).With("@actor", entry.Actor).With("@client", entry.ClientAddress)
            .With("@action", entry.Action).With("@target", entry.Target).With("@detail", entry.Detail);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The newest entries first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT at, actor, client_address, action, target, detail FROM audit_log ORDER BY id DESC LIMIT {Math.Clamp(limit, 1, 1000)}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return entries;
    }

    private const string TokenColumns = "id, name, scope, created_at, expires_at, revoked_at, last_used_at";

    private static AdminToken ReadToken(DbDataReader r) => new(r.GetString(0), r.GetString(1),
        r.GetString(2) == "admin" ? TokenScope.Admin : TokenScope.Read, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
        SqlCommands.TimeOrNull(r, 4), SqlCommands.TimeOrNull(r, 5), SqlCommands.TimeOrNull(r, 6));

    public static string ScopeName(TokenScope scope) => scope == TokenScope.Admin ? "admin" : "read";

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
