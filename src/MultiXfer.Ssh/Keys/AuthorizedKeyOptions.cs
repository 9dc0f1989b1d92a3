using System.Globalization;
using System.Text;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// The options field of an authorized_keys line (sshd(8) AUTHORIZED_KEYS FILE FORMAT). Kept: the options that restrict
/// who may use the key (from=, expiry-time=), cert-authority with principals=, and command="internal-sftp" (the
/// session may run SFTP only). Options that disable features this server never offers (forwarding, pty, user rc,
/// FIDO touch) are accepted and dropped. Every other option, including any other command=, refuses the whole line:
/// ignoring a restriction is unsafe.
/// </summary>
internal sealed class AuthorizedKeyOptions
{
    public static readonly AuthorizedKeyOptions None = new(null, null, false, null, null);

    /// <summary>The one command a key or certificate may be restricted to: the SFTP server, which sessions offer anyway.</summary>
    public const string InternalSftp = "internal-sftp";

    private static readonly string[] Refused =
    [
        "tunnel", "permitopen", "permitlisten", "environment",
        "port-forwarding", "pty", "agent-forwarding", "x11-forwarding", "user-rc",
    ];

    private static readonly string[] Ignored =
    [
        "restrict", "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-pty", "no-user-rc", "no-touch-required",
    ];

    private AuthorizedKeyOptions(AddressPatternList? from, DateTimeOffset? expiryTime, bool certAuthority, string[]? principals,
        string? forceCommand)
    {
        From = from;
        ExpiryTime = expiryTime;
        CertAuthority = certAuthority;
        Principals = principals;
        ForceCommand = forceCommand;
    }

    /// <summary>from="pattern-list": the client address must match; null when absent.</summary>
    public AddressPatternList? From { get; }

    /// <summary>expiry-time="YYYYMMDD[HHMM[SS]]": the key is refused after this instant; null when absent.</summary>
    public DateTimeOffset? ExpiryTime { get; }

    /// <summary>cert-authority: the key is a CA whose user certificates log in as this user; it never logs in itself.</summary>
    public bool CertAuthority { get; }

    /// <summary>
    /// principals="a,b": with cert-authority, a certificate must name one of these instead of the user name; null when
    /// absent. Without cert-authority the line is refused, as sshd denies it.
    /// </summary>
    public IReadOnlyList<string>? Principals { get; }

    /// <summary>command="internal-sftp": sessions of this login may run SFTP only; null when absent.</summary>
    public string? ForceCommand { get; }

    /// <summary>
    /// Splits the options field off the front of <paramref name="line"/>: it ends at the first space or tab outside
    /// double quotes, and \" inside quotes does not end the quote (sshd's sshkey_advance_past_options).
    /// </summary>
    public static ReadOnlySpan<char> TakeField(ref ReadOnlySpan<char> line)
    {
        bool quoted = false;
        int i = 0;
        for (; i < line.Length && (quoted || line[i] is not (' ' or '\t')); i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '"')
            {
                i++;
            }
            else if (line[i] == '"')
            {
                quoted = !quoted;
            }
        }

        if (quoted)
        {
            throw new FormatException("unterminated quoted option value");
        }

        var field = line[..i];
        line = line[i..];
        return field;
    }

    /// <summary>Comma-separated options; names are case-insensitive and values are double-quoted, as sshd parses them.</summary>
    public static AuthorizedKeyOptions Parse(ReadOnlySpan<char> field)
    {
        AddressPatternList? from = null;
        DateTimeOffset? expiry = null;
        bool certAuthority = false;
        string[]? principals = null;
        string? command = null;
        while (true)
        {
            int nameEnd = field.IndexOfAny('=', ',');
            string name = (nameEnd < 0 ? field : field[..nameEnd]).ToString();
            field = nameEnd < 0 ? [] : field[nameEnd..];
            string? value = field.StartsWith('=') ? ReadQuoted(ref field, name) : null;
            switch (name.ToLowerInvariant())
            {
                case "from" when value is not null:
                    from = from is null ? AddressPatternList.Parse(value) : throw new FormatException("more than one from= option");
                    break;
                case "expiry-time" when value is not null:
                    // Like sshd, the earliest of several expiry times applies.
                    var time = ParseExpiryTime(value);
                    expiry = expiry is null || time < expiry ? time : expiry;
                    break;
                case "cert-authority" when value is null:
                    certAuthority = true;
                    break;
                case "principals" when value is not null:
                    principals = principals is null ? ParsePrincipals(value) : throw new FormatException("more than one principals= option");
                    break;
                case "command" when value is not null:
                    command = command is not null ? throw new FormatException("more than one command= option")
                        : value == InternalSftp ? value
                        : throw new FormatException($"command=\"{value}\" is not supported: only command=\"{InternalSftp}\" can be honoured " +
                            "by this server, so the key is refused rather than used without it");
                    break;
                case var ignored when value is null && Ignored.Contains(ignored):
                    break;
                case "from" or "expiry-time" or "principals" or "command":
                    throw new FormatException($"option {name} needs a quoted value");
                case var flag when flag == "cert-authority" || Ignored.Contains(flag):
                    throw new FormatException($"option {name} takes no value");
                case var refused when Refused.Contains(refused):
                    throw new FormatException($"option {name}{(value is null ? "" : "=")} is not supported by this server; " +
                        "the key is refused rather than used without it");
                case "":
                    throw new FormatException("empty option");
                default:
                    throw new FormatException($"unknown option {name}{(value is null ? "" : "=")}");
            }

            if (field.IsEmpty)
            {
                // sshd denies a line with principals= but no cert-authority ("principals on non-CA key").
                return principals is null || certAuthority
                    ? new AuthorizedKeyOptions(from, expiry, certAuthority, principals, command)
                    : throw new FormatException("principals= needs cert-authority on the same line");
            }

            if (field[0] != ',')
            {
                throw new FormatException($"expected ',' after option {name}");
            }

            field = field[1..];
        }
    }

    /// <summary>sshd splits principals= on commas; an empty name could never match a certificate's principal.</summary>
    private static string[] ParsePrincipals(string value)
    {
        var names = value.Split(',');
        return names.All(n => n.Length > 0)
            ? names
            : throw new FormatException($"principals=\"{value}\" has an empty name");
    }

    /// <summary>
    /// ="value" at the front of <paramref name="field"/>; \" stands for a quote, other backslashes are literal
    /// (sshd's opt_dequote).
    /// </summary>
    private static string ReadQuoted(ref ReadOnlySpan<char> field, string name)
    {
        if (field.Length < 2 || field[1] != '"')
        {
            throw new FormatException($"option {name}= needs a double-quoted value");
        }

        var value = new StringBuilder();
        for (int i = 2; i < field.Length; i++)
        {
            if (field[i] == '"')
            {
                field = field[(i + 1)..];
                return value.ToString();
            }

            bool escapedQuote = field[i] == '\\' && i + 1 < field.Length && field[i + 1] == '"';
            i += escapedQuote ? 1 : 0;
            value.Append(field[i]);
        }

        throw new FormatException($"option {name}= has an unterminated value");
    }

    /// <summary>
    /// YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally ending in Z. sshd reads the time in its own time zone
    /// unless it ends in Z; this server always reads UTC, so a file means the same on every host.
    /// </summary>
    private static DateTimeOffset ParseExpiryTime(string value)
    {
        string digits = value.EndsWith('Z') ? value[..^1] : value;
        string? format = digits.Length switch
        {
            8 => "yyyyMMdd",
            12 => "yyyyMMddHHmm",
            14 => "yyyyMMddHHmmss",
            _ => null,
        };
        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (format is null || !digits.All(char.IsAsciiDigit) ||
            !DateTime.TryParseExact(digits, format, CultureInfo.InvariantCulture, Utc, out var time))
        {
            throw new FormatException($"expiry-time \"{value}\" is not YYYYMMDD[HHMM[SS]]");
        }

        return new DateTimeOffset(time, TimeSpan.Zero);
    }
}
