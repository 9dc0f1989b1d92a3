namespace MultiXfer.Auth.Passwords;

/// <summary>
/// The base64 of crypt(3) ("./0-9A-Za-z", least significant six bits first) over byte triples in each scheme's own
/// order, as MD5-crypt and SHA-crypt (Drepper, "Unix crypt using SHA-256 and SHA-512") encode their digests.
/// </summary>
internal static class CryptBase64
{
    public const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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

    public static bool IsSaltChar(char c) => c != '$' && c != ':' && c != '\n' && c > ' ' && c < 0x7f;
}
