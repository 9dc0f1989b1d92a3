using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth.Passwords;

/// <summary>
/// SHA-crypt as glibc's crypt(3), mkpasswd and <c>openssl passwd -5/-6</c> write it: <c>$5$</c> (SHA-256) or
/// <c>$6$</c> (SHA-512), optional <c>rounds=N$</c> (default 5000), a salt of up to 16 characters, and the digest in
/// crypt base64 (Drepper, "Unix crypt using SHA-256 and SHA-512", steps 1-22). Verify-only; upgraded at next login.
/// </summary>
public sealed class ShaCryptPassword : StoredPassword
{
    private const int DefaultRounds = 5000;
    private const int MinRounds = 1000;

    /// <summary>The specification allows 999,999,999 rounds (minutes per login); imports are held to this.</summary>
    private const int MaxRounds = 5_000_000;

    private const int MaxSaltChars = 16;

    /// <summary>The specification's byte order for the final encoding, per digest size.</summary>
    private static readonly int[] Sha256Order = BuildOrder(32, 10, [0, 1, 2], [2, 0, 1], [1, 2, 0], [31, 30]);
    private static readonly int[] Sha512Order = BuildOrder(64, 21, [0, 1, 2], [1, 2, 0], [2, 0, 1], [63]);

    private readonly bool _sha512;
    private readonly string _salt;
    private readonly int _rounds;
    private readonly string _digest;

    private ShaCryptPassword(string encoded, bool sha512, string salt, int rounds, string digest)
        : base(encoded)
    {
        _sha512 = sha512;
        _salt = salt;
        _rounds = rounds;
        _digest = digest;
    }

    public override string Scheme => _sha512 ? "sha512-crypt" : "sha256-crypt";

    public override bool NeedsUpgrade => true;

    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
        problem = "malformed; expected $5$ or $6$, optional rounds=N$, a salt of up to 16 characters, $ and the digest";
        bool sha512 = encoded.StartsWith("$6$", StringComparison.Ordinal);
        if (!sha512 && !encoded.StartsWith("$5$", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = encoded[3..];
        int rounds = DefaultRounds;
        if (rest.StartsWith("rounds=", StringComparison.Ordinal))
        {
            int end = rest.IndexOf('$', StringComparison.Ordinal);
            if (end < 0 || !int.TryParse(rest.AsSpan(7, end - 7), System.Globalization.NumberStyles.None, null, out rounds))
            {
                return false;
            }

            // The specification clamps rather than refuses (step "rounds"), except that we refuse endless ones.
            if (rounds > MaxRounds)
            {
                problem = $"rounds={rounds} is above {MaxRounds}";
                return false;
            }

            rounds = Math.Max(rounds, MinRounds);
            rest = rest[(end + 1)..];
        }

        if (!CryptBase64.TrySplit(rest, MaxSaltChars, sha512 ? 86 : 43, out string salt, out string digest))
        {
            return false;
        }

        parsed = new ShaCryptPassword(encoded, sha512, salt, rounds, digest);
        problem = "";
        return true;
    }

    public override bool Verify(string password)
    {
        string computed = Compute(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(_salt), _rounds, _sha512);
        return CryptBase64.Matches(computed, _digest);
    }

    /// <summary>The digest part only, in crypt base64.</summary>
    private static string Compute(byte[] key, byte[] salt, int rounds, bool sha512)
    {
        var hash = sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        int size = sha512 ? 64 : 32;

        // Steps 4-8: B = H(key salt key).
        byte[] b = Digest(hash, key, salt, key);

        // Steps 1-3, 9-12: A = H(key salt, B repeated over key's length, then B or key for each bit of the length).
        using var a = IncrementalHash.CreateHash(hash);
        a.AppendData(key);
        a.AppendData(salt);
        AppendRepeated(a, b, key.Length);
        for (int bits = key.Length; bits > 0; bits >>= 1)
        {
            a.AppendData((bits & 1) != 0 ? b : key);
        }

        byte[] c = a.GetHashAndReset();

        // Steps 13-16: P from H(key repeated key-length times); 17-20: S from H(salt repeated 16 + A[0] times).
        byte[] p = Stretch(Digest(hash, Enumerable.Repeat(key, key.Length).ToArray()), key.Length, size);
        byte[] s = Stretch(Digest(hash, Enumerable.Repeat(salt, 16 + c[0]).ToArray()), salt.Length, size);

        // Step 21: the rounds.
        using var round = IncrementalHash.CreateHash(hash);
        for (int i = 0; i < rounds; i++)
        {
            round.AppendData((i & 1) != 0 ? p : c);
            if (i % 3 != 0)
            {
                round.AppendData(s);
            }

            if (i % 7 != 0)
            {
                round.AppendData(p);
            }

            round.AppendData((i & 1) != 0 ? c : p);
            c = round.GetHashAndReset();
        }

        return CryptBase64.Encode(c, sha512 ? Sha512Order : Sha256Order);
    }

    private static byte[] Digest(HashAlgorithmName hash, params byte[][] parts)
    {
        using var digest = IncrementalHash.CreateHash(hash);
        foreach (var part in parts)
        {
            digest.AppendData(part);
        }

        return digest.GetHashAndReset();
    }

    private static void AppendRepeated(IncrementalHash target, byte[] block, int length)
    {
        for (; length > block.Length; length -= block.Length)
        {
            target.AppendData(block);
        }

        target.AppendData(block, 0, length);
    }

    /// <summary>The digest repeated to <paramref name="length"/> bytes.</summary>
    private static byte[] Stretch(byte[] digest, int length, int size)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = digest[i % size];
        }

        return result;
    }

    /// <summary>
    /// Step 22's order: groups (i, i+step, i+2·step) rotated by i mod 3 as the specification lists them, then the
    /// leftover bytes.
    /// </summary>
    private static int[] BuildOrder(int size, int step, int[] rotation0, int[] rotation1, int[] rotation2, int[] tail)
    {
        var order = new List<int>(size);
        for (int i = 0; i < step; i++)
        {
            int[] group = [i, i + step, i + (2 * step)];
            int[] rotation = (i % 3) switch { 0 => rotation0, 1 => rotation1, _ => rotation2 };
            order.AddRange(rotation.Select(r => group[r]));
        }

        order.AddRange(tail);
        return [.. order];
    }
}
