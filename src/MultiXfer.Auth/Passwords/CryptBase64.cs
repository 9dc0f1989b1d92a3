using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth.Passwords;

/// <summary>
/// The base64 of crypt(3) ("./0-9A-Za-z", least significant six bits first) over byte triples in each scheme's own
/// order, as MD5-crypt and SHA-crypt (Drepper, "Unix crypt using SHA-256 and SHA-512") encode their digests.
/// </summary>
internal static class CryptBase64
{
    public const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Printable ASCII but '$' (the separator) and ':' (the field separator of shadow and htpasswd files).</summary>
    private static readonly SearchValues<char> SaltChars = SearchValues.Create(
        string.Concat(Enumerable.Range(0x21, 0x7e - 0x20).Select(c => (char)c).Where(c => c is not '$' and not ':')));

    /// <summary>
    /// Encodes <paramref name="digest"/> taking bytes by <paramref name="order"/>: each group of three indices makes
    /// four characters (b2 b1 b0 as one 24-bit number); a last group of one or two indices makes two or three.
    /// </summary>
    public static string Encode(ReadOnlySpan<byte> digest, ReadOnlySpan<int> order)
    {
        var text = new System.Text.StringBuilder(order.Length * 4 / 3 + 2);
        for (int i = 0; i < order.Length; i += 3)
        {
            int count = Math.Min(3, order.Length - i);
            int value = 0;
            for (int j = 0; j < count; j++)
            {
                value = (value << 8) | digest[order[i + j]];
            }

            for (int c = 0; c < count + 1; c++, value >>= 6)
            {
                text.Append(Alphabet[value & 0x3f]);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The "SALT$DIGEST" tail of a crypt string: a salt of at most <paramref name="maxSaltChars"/> printable characters
    /// (no '$' or ':'), and a digest of exactly <paramref name="digestChars"/> characters of the alphabet.
    /// </summary>
    public static bool TrySplit(string tail, int maxSaltChars, int digestChars, out string salt, out string digest)
    {
        int dollar = tail.IndexOf('$', StringComparison.Ordinal);
        bool valid = dollar >= 0 && dollar <= maxSaltChars && tail.Length - dollar - 1 == digestChars
            && tail.AsSpan(0, dollar).IndexOfAnyExcept(SaltChars) < 0 && tail.AsSpan(dollar + 1).IndexOfAnyExcept(Alphabet) < 0;
        salt = valid ? tail[..dollar] : "";
        digest = valid ? tail[(dollar + 1)..] : "";
        return valid;
    }

    /// <summary>A computed digest against the stored one, in constant time.</summary>
    public static bool Matches(string computed, string stored) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(stored));
}
