using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth;

/// <summary>
/// PBKDF2-HMAC-SHA512 password hashes in the string form <c>$pbkdf2-sha512$i=ITERATIONS$SALT$HASH</c> (base64),
/// with a random 16-byte salt per password. The iteration count travels with the hash, so raising the default
/// later does not invalidate stored hashes.
/// </summary>
public static class PasswordHasher
{
    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA512.</summary>
    public const int DefaultIterations = 210_000;

    /// <summary>Longer passwords are refused before hashing (OpenSSH's MAX_PASSWORD_LEN, CVE-2016-6515).</summary>
    public const int MaxPasswordBytes = 1024;

    private const string Prefix = "$pbkdf2-sha512$i=";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;
    private const int MinIterations = 10_000;
    private const int MaxIterations = 10_000_000;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        if (iterations is < MinIterations or > MaxIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), $"must be between {MinIterations} and {MaxIterations}");
        }

        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Derive(password, salt, iterations);
        return $"{Prefix}{iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Parses a stored hash; false (with a reason) when it is not one this server wrote.</summary>
    public static bool TryParse(string encoded, out ParsedHash parsed, out string problem)
    {
        parsed = default;
        problem = "";
        if (!encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"must start with {Prefix} (generate it with the hash-password command)";
            return false;
        }

        string[] parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], out int iterations) || iterations is < MinIterations or > MaxIterations)
        {
            problem = $"malformed; expected {Prefix}ITERATIONS$SALT$HASH with {MinIterations}..{MaxIterations} iterations";
            return false;
        }

        try
        {
            byte[] salt = Convert.FromBase64String(parts[1]);
            byte[] hash = Convert.FromBase64String(parts[2]);
            if (salt.Length < 8 || hash.Length != HashBytes)
            {
                problem = "salt or hash has the wrong length";
                return false;
            }

            parsed = new ParsedHash(iterations, salt, hash);
            return true;
        }
        catch (FormatException)
        {
            problem = "salt or hash is not base64";
            return false;
        }
    }

    /// <summary>Recomputes and compares in constant time.</summary>
    public static bool Verify(string password, ParsedHash stored)
    {
        byte[] candidate = Derive(password, stored.Salt, stored.Iterations);
        return CryptographicOperations.FixedTimeEquals(candidate, stored.Hash);
    }

    public static bool IsAcceptableLength(string password) => Encoding.UTF8.GetByteCount(password) <= MaxPasswordBytes;

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}

public readonly record struct ParsedHash(int Iterations, byte[] Salt, byte[] Hash);
