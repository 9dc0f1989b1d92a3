using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Accounts;

/// <summary>What an admin token may do: read, or read and change.</summary>
public enum TokenScope
{
    Read,
    Admin,
}

/// <summary>A token as stored: never its secret, only a hash of it.</summary>
public sealed record AdminToken(string Id, string Name, TokenScope Scope, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public bool IsUsableAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } expiry || now < expiry);
}

/// <summary>
/// The bearer token format: "mxt_" + id + "_" + secret. The id finds the row; the secret is 256 random bits, so a
/// single SHA-256 of it is as good as a slow hash (nothing to guess), and checking it costs microseconds.
/// </summary>
public static class AdminTokenFormat
{
    private const string Prefix = "mxt_";

    /// <summary>The shortest secret an operator-chosen (bootstrap) token may have: 32 characters, 128 bits as hex.</summary>
    public const int MinimumSecretLength = 32;

    public static (string Id, string Secret, string Presented) Generate()
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (id, secret, $"{Prefix}{id}_{secret}");
    }

    public static bool TryParse(string presented, out string id, out string secret)
    {
        id = secret = "";
        if (presented.Length > 128 || !presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        int separator = presented.IndexOf('_', Prefix.Length);
        if (separator < 0)
        {
            return false;
        }

        id = presented[Prefix.Length..separator];
        secret = presented[(separator + 1)..];
        return id.Length == 16 && secret.Length > 0;
    }

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashOf(secret)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
