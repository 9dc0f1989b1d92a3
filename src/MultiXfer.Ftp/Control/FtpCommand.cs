using System.Text;

namespace MultiXfer.Ftp.Control;

/// <summary>One parsed command line: an upper-cased verb and the raw argument after the first space.</summary>
internal readonly record struct FtpCommand(string Verb, string Argument)
{
    /// <summary>RFC 959 verbs are 3 or 4 letters; extensions stay short. Longer words are not commands.</summary>
    private const int MaxVerbLength = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public bool HasArgument => Argument.Length > 0;

    /// <summary>Parses a line (without its CRLF). RFC 2640: the line is UTF-8; invalid bytes make it unparseable.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out FtpCommand command)
    {
        command = default;
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        int space = text.IndexOf(' ');
        string verb = space < 0 ? text : text[..space];
        // A letter, then letters or digits: the checksum extensions (XMD5, XSHA256) carry digits.
        if (verb.Length is 0 or > MaxVerbLength || !char.IsAsciiLetter(verb[0]) || !verb.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        command = new FtpCommand(verb.ToUpperInvariant(), space < 0 ? "" : text[(space + 1)..]);
        return true;
    }
}
