using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA512 in the string form <c>$pbkdf2-sha512$i=ITERATIONS$SALT$HASH</c> (base64), this server's default
/// before Argon2id; still read, and upgraded at the next login. The iteration count travels with the hash.
/// </summary>
public sealed class Pbkdf2Password : StoredPassword
{
    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA512.</summary>
    public const int DefaultIterations = 210_000;

    public const string Prefix = "$pbkdf2-sha512$i=";

    private const int SaltBytes = 16;
    private const int HashBytes = 64;
    private const int MinIterations = 10_000;
    private const int MaxIterations = 10_000_000;

    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private Pbkdf2Password(string encoded, int iterations, byte[] salt, byte[] hash)
        : base(encoded)
    {
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    public override string Scheme => "pbkdf2-sha512";

    public override bool NeedsUpgrade => true;

    public int Iterations => _iterations;

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

    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
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

            parsed = new Pbkdf2Password(encoded, iterations, salt, hash);
            problem = "";
            return true;
        }
        catch (FormatException)
        {
            problem = "salt or hash is not base64";
            return false;
        }
    }

    public override bool Verify(string password) => CryptographicOperations.FixedTimeEquals(Derive(password, _salt, _iterations), _hash);

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}
