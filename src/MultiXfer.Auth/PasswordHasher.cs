using System.Text;
using MultiXfer.Auth.Passwords;

namespace MultiXfer.Auth;

/// <summary>
/// Password hashes: new ones are Argon2id (<see cref="Argon2idPassword"/>) unless PBKDF2 is asked for; stored ones are
/// read in every scheme of <see cref="Passwords"/>, told apart by their prefix, so accounts moved from another server
/// keep their passwords.
/// </summary>
public static class PasswordHasher
{
    /// <summary>What <c>hash-password --algorithm</c> can make.</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["argon2id", "pbkdf2-sha512"];

    /// <summary>Longer passwords are refused before hashing (OpenSSH's MAX_PASSWORD_LEN, CVE-2016-6515).</summary>
    public const int MaxPasswordBytes = 1024;

    /// <summary>A new hash in the default scheme, Argon2id.</summary>
    public static string Hash(string password) => Argon2idPassword.Hash(password);

    /// <summary>A new hash in <paramref name="algorithm"/>, one of <see cref="Algorithms"/>.</summary>
    public static string Hash(string password, string algorithm) => algorithm switch
    {
        "argon2id" => Argon2idPassword.Hash(password),
        "pbkdf2-sha512" => Pbkdf2Password.Hash(password),
        _ => throw new ArgumentException($"unknown algorithm {algorithm}", nameof(algorithm)),
    };

    /// <summary>A PBKDF2 hash with a chosen iteration count (tests use a low one to stay fast).</summary>
    public static string HashPbkdf2(string password, int iterations = Pbkdf2Password.DefaultIterations) => Pbkdf2Password.Hash(password, iterations);

    /// <summary>Parses a stored hash of any scheme this server reads; false with a reason otherwise.</summary>
    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
        return encoded switch
        {
            _ when encoded.StartsWith("$argon2id$", StringComparison.Ordinal) => Argon2idPassword.TryParse(encoded, out parsed, out problem),
            _ when encoded.StartsWith(Pbkdf2Password.Prefix, StringComparison.Ordinal) => Pbkdf2Password.TryParse(encoded, out parsed, out problem),
            _ when encoded.StartsWith("$2", StringComparison.Ordinal) => BcryptPassword.TryParse(encoded, out parsed, out problem),
            _ when encoded.StartsWith("$5$", StringComparison.Ordinal) || encoded.StartsWith("$6$", StringComparison.Ordinal)
                => ShaCryptPassword.TryParse(encoded, out parsed, out problem),
            _ when encoded.StartsWith("$1$", StringComparison.Ordinal) || encoded.StartsWith("$apr1$", StringComparison.Ordinal)
                => Md5CryptPassword.TryParse(encoded, out parsed, out problem),
            _ => Unknown(out problem),
        };
    }

    public static bool IsAcceptableLength(string password) => Encoding.UTF8.GetByteCount(password) <= MaxPasswordBytes;

    private static bool Unknown(out string problem)
    {
        problem = "not a known hash: $argon2id$ or $pbkdf2-sha512$ (generate one with the hash-password command), or an imported " +
            "bcrypt ($2a$/$2b$/$2y$), SHA-crypt ($5$/$6$) or MD5-crypt ($1$/$apr1$) hash";
        return false;
    }
}
