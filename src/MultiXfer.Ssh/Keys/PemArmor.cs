using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// The "-----BEGIN label-----" text armor of RFC 7468, which OpenSSH also uses for its own key format. The RFC 1421
/// headers of OpenSSL's legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED") are recognised only to refuse them clearly.
/// </summary>
internal static class PemArmor
{
    private const string Dashes = "-----";
    private const string BeginPrefix = "-----BEGIN ";

    /// <summary>The labels we know ("OPENSSH PRIVATE KEY", "EC PRIVATE KEY", ...) use no other characters.</summary>
    private static readonly SearchValues<char> LabelCharacters = SearchValues.Create(" 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>The first armored block in <paramref name="text"/>: its label and decoded contents.</summary>
    public static (string Label, byte[] Data) Decode(ReadOnlySpan<char> text)
    {
        int begin = text.IndexOf(BeginPrefix, StringComparison.Ordinal);
        if (begin < 0)
        {
            throw new FormatException("no \"-----BEGIN\" line: not a PEM or OpenSSH private key file");
        }

        var rest = text[(begin + BeginPrefix.Length)..];
        int labelEnd = rest.IndexOf(Dashes, StringComparison.Ordinal);
        var label = labelEnd < 0 ? [] : rest[..labelEnd];
        if (label.IsEmpty || label.ContainsAnyExcept(LabelCharacters))
        {
            throw new FormatException("malformed \"-----BEGIN\" line");
        }

        rest = rest[(labelEnd + Dashes.Length)..];
        string end = $"-----END {label}-----";
        int bodyEnd = rest.IndexOf(end, StringComparison.Ordinal);
        if (bodyEnd < 0)
        {
            throw new FormatException($"no \"{end}\" line: the key file is truncated");
        }

        var body = rest[..bodyEnd];
        if (body.Contains(':'))
        {
            throw new FormatException(body.Contains("ENCRYPTED", StringComparison.Ordinal)
                ? PrivateKeyFile.EncryptedProblem
                : "unexpected PEM headers in the key file");
        }

        // Convert skips the whitespace between lines; anything else outside the base64 alphabet fails.
        var data = new byte[(body.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(body, data, out int written))
        {
            throw new FormatException($"the {label} block is not valid base64");
        }

        var decoded = data[..written];
        CryptographicOperations.ZeroMemory(data);
        return (label.ToString(), decoded);
    }

    /// <summary>Armors <paramref name="data"/> in lines of <paramref name="lineLength"/> characters, LF line ends, final LF.</summary>
    public static string Encode(string label, ReadOnlySpan<byte> data, int lineLength)
    {
        string base64 = Convert.ToBase64String(data);
        var text = new StringBuilder(base64.Length + (base64.Length / lineLength) + (2 * label.Length) + 40);
        text.Append(BeginPrefix).Append(label).Append(Dashes).Append('\n');
        for (int i = 0; i < base64.Length; i += lineLength)
        {
            text.Append(base64, i, Math.Min(lineLength, base64.Length - i)).Append('\n');
        }

        return text.Append("-----END ").Append(label).Append(Dashes).Append('\n').ToString();
    }
}
