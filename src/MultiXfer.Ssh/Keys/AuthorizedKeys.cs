using System.Diagnostics.CodeAnalysis;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// authorized_keys text (sshd(8) AUTHORIZED_KEYS FILE FORMAT): one key per line as [options] keytype base64 [comment];
/// blank lines and lines starting with '#' are skipped. A bad line is reported and skipped, never fatal to the rest.
/// </summary>
internal static class AuthorizedKeys
{
    public const int MaxTextChars = 1024 * 1024;

    /// <summary>A 16384-bit RSA key line is under 3 KiB, which leaves ample room for options and a comment.</summary>
    public const int MaxLineChars = 16 * 1024;

    public const int MaxKeys = 10000;

    private static readonly string[] SupportedTypes =
    [
        KeyTypeNames.Ed25519, KeyTypeNames.Rsa, EcdsaCurve.NistP256.KeyType, EcdsaCurve.NistP384.KeyType, EcdsaCurve.NistP521.KeyType,
    ];

    /// <summary>
    /// Every line of <paramref name="text"/> (LF or CRLF line ends). Limits, counted in UTF-16 characters: 1 MiB of
    /// text (else nothing is used), 16 KiB a line (that line is refused), 10000 keys (later lines are ignored).
    /// </summary>
    public static AuthorizedKeysParseResult Parse(string text, int minimumRsaBits)
    {
        var keys = new List<AuthorizedKey>();
        var problems = new List<AuthorizedKeysProblem>();
        if (text.Length > MaxTextChars)
        {
            problems.Add(new AuthorizedKeysProblem(0, $"authorized keys text longer than {MaxTextChars} characters; no key is used"));
            return new AuthorizedKeysParseResult(keys, problems);
        }

        int number = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            number++;
            var line = text.AsSpan(range);
            var content = line.Trim(" \t\r");
            if (content.IsEmpty || content[0] == '#')
            {
                continue;
            }

            if (keys.Count == MaxKeys)
            {
                problems.Add(new AuthorizedKeysProblem(number, $"more than {MaxKeys} keys; this line and the rest are ignored"));
                break;
            }

            if (TryParseLine(line, minimumRsaBits, out var key, out string problem))
            {
                keys.Add(key);
            }
            else
            {
                problems.Add(new AuthorizedKeysProblem(number, problem));
            }
        }

        return new AuthorizedKeysParseResult(keys, problems);
    }

    /// <summary>One entry, such as a key given in configuration; throws <see cref="FormatException"/> with the reason.</summary>
    public static AuthorizedKey ParseLine(string line, int minimumRsaBits) =>
        TryParseLine(line, minimumRsaBits, out var key, out string problem) ? key : throw new FormatException(problem);

    public static bool TryParseLine(
        ReadOnlySpan<char> line, int minimumRsaBits, [NotNullWhen(true)] out AuthorizedKey? key, out string problem)
    {
        key = null;
        if (line.Length > MaxLineChars)
        {
            problem = $"line longer than {MaxLineChars} characters";
            return false;
        }

        try
        {
            key = ParseContent(line.Trim(" \t\r\n"), minimumRsaBits);
            problem = "";
            return true;
        }
        catch (FormatException e)
        {
            problem = e.Message;
            return false;
        }
    }

    private static AuthorizedKey ParseContent(ReadOnlySpan<char> rest, int minimumRsaBits)
    {
        if (rest.IsEmpty || rest[0] == '#')
        {
            throw new FormatException("no key on the line");
        }

        // sshd first tries the line as a bare key and only then as options followed by a key; a first word that names
        // a key type (even one we do not support) means there are no options.
        var options = AuthorizedKeyOptions.None;
        if (!LooksLikeKeyType(rest[..WordLength(rest)]))
        {
            options = AuthorizedKeyOptions.Parse(AuthorizedKeyOptions.TakeField(ref rest));
            rest = rest.TrimStart(" \t");
        }

        string type = TakeWord(ref rest).ToString();
        if (!SupportedTypes.Contains(type))
        {
            throw new FormatException(type.Length == 0 ? "no key after the options" : $"unsupported key type {type}");
        }

        var base64 = TakeWord(ref rest);
        var blob = new byte[(base64.Length / 4 * 3) + 3];
        if (base64.IsEmpty || !Convert.TryFromBase64Chars(base64, blob, out int length))
        {
            throw new FormatException($"{type} key is missing or not valid base64");
        }

        if (!SshPublicKey.TryParse(blob.AsSpan(0, length), out var key, out string problem, minimumRsaBits))
        {
            throw new FormatException(problem);
        }

        return key.KeyType == type
            ? new AuthorizedKey(key, options, rest.Trim(" \t").ToString())
            : throw new FormatException($"line says {type} but the key is {key.KeyType}");
    }

    /// <summary>Certificates (*-cert-v01@openssh.com), FIDO keys (sk-*) and DSA are recognised as key types, then refused.</summary>
    private static bool LooksLikeKeyType(ReadOnlySpan<char> word) =>
        !word.ContainsAny("=\",") && (SupportedTypes.Contains(word.ToString()) || word.StartsWith("ssh-", StringComparison.Ordinal) ||
            word.StartsWith("ecdsa-", StringComparison.Ordinal) || word.StartsWith("sk-", StringComparison.Ordinal) ||
            word.EndsWith("@openssh.com", StringComparison.Ordinal));

    private static int WordLength(ReadOnlySpan<char> text)
    {
        int end = text.IndexOfAny(' ', '\t');
        return end < 0 ? text.Length : end;
    }

    private static ReadOnlySpan<char> TakeWord(ref ReadOnlySpan<char> text)
    {
        var word = text[..WordLength(text)];
        text = text[word.Length..].TrimStart(" \t");
        return word;
    }
}
