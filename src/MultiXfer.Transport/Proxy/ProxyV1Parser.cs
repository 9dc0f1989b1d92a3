using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MultiXfer.Transport.Proxy;

/// <summary>The human-readable v1 header: one US-ASCII line ending in CRLF, proxy-protocol.txt §2.1.</summary>
internal static class ProxyV1Parser
{
    internal static ReadOnlySpan<byte> Preamble => "PROXY "u8;

    // §2.1: after "PROXY " only these protocol names are allowed, each followed by a space; UNKNOWN may end the line at once.
    private static readonly byte[][] Protocols = ["TCP4 "u8.ToArray(), "TCP6 "u8.ToArray(), "UNKNOWN "u8.ToArray(), "UNKNOWN\r"u8.ToArray()];

    private static readonly SearchValues<char> Ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:");

    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> buffer, out ProxyHeader? header, out string? error)
    {
        header = null;
        ReadOnlySpan<byte> window = buffer[..Math.Min(buffer.Length, ProxyHeaderParser.MaxV1Length)];
        error = Inconsistency(window);
        if (error is not null)
        {
            return ProxyParseStatus.Invalid;
        }

        for (int i = 0; i < window.Length; i++)
        {
            byte b = window[i];
            error = b switch
            {
                > 0x7F => $"non-ASCII byte 0x{b:X2} at offset {i} of a v1 header",
                // §2.1: "The receiver must not tolerate a single CR or LF character to end the line".
                (byte)'\n' when i == 0 || window[i - 1] != '\r' => "v1 header line ends in a bare LF",
                (byte)'\r' when i + 1 < window.Length && window[i + 1] != '\n' => "v1 header has a CR not followed by LF",
                _ => null,
            };
            if (error is not null)
            {
                return ProxyParseStatus.Invalid;
            }

            if (b == '\n')
            {
                header = ParseLine(Encoding.ASCII.GetString(window[..(i - 1)]), i + 1, out error);
                return header is null ? ProxyParseStatus.Invalid : ProxyParseStatus.Complete;
            }
        }

        // §2.1: "If the CRLF sequence is not found in the first 107 characters, the receiver should declare the line invalid."
        if (window.Length < ProxyHeaderParser.MaxV1Length)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        error = $"no CRLF within the first {ProxyHeaderParser.MaxV1Length} bytes of a v1 header";
        return ProxyParseStatus.Invalid;
    }

    /// <summary>Why the bytes seen so far cannot start a v1 header, so that a wrong header is refused before its CRLF arrives.</summary>
    private static string? Inconsistency(ReadOnlySpan<byte> received)
    {
        if (!ProxyHeaderParser.IsPrefixOf(received, Preamble))
        {
            return "v1 header does not start with \"PROXY \"";
        }

        if (received.Length <= Preamble.Length)
        {
            return null;
        }

        foreach (byte[] protocol in Protocols)
        {
            if (ProxyHeaderParser.IsPrefixOf(received[Preamble.Length..], protocol))
            {
                return null;
            }
        }

        return "v1 header names no known protocol (TCP4, TCP6 or UNKNOWN)";
    }

    /// <summary>The line without its CRLF; its preamble and protocol name are already known to be well formed.</summary>
    private static ProxyHeader? ParseLine(string line, int length, out string? error)
    {
        string[] fields = line.Split(' ');
        error = null;
        if (fields[1] == "UNKNOWN")
        {
            // §2.1: the receiver "must ignore anything presented before the CRLF" and use the real connection's endpoints.
            return new ProxyHeader(1, length, ProxyCommand.Proxy, null, null, []);
        }

        bool ipv4 = fields[1] == "TCP4";
        if (fields.Length != 6)
        {
            error = $"v1 {fields[1]} header needs 4 fields after the protocol, separated by single spaces";
            return null;
        }

        if (ParseAddress(fields[2], ipv4) is not { } source || ParseAddress(fields[3], ipv4) is not { } destination)
        {
            error = $"v1 {fields[1]} header has an address that is not a canonical {(ipv4 ? "IPv4" : "IPv6")} address";
            return null;
        }

        if (!TryParseDecimal(fields[4], ushort.MaxValue, out int sourcePort)
            || !TryParseDecimal(fields[5], ushort.MaxValue, out int destinationPort))
        {
            error = $"v1 {fields[1]} header has a port that is not a decimal 0-65535 without leading zeros";
            return null;
        }

        return new ProxyHeader(1, length, ProxyCommand.Proxy,
            new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), []);
    }

    private static IPAddress? ParseAddress(string text, bool ipv4) => ipv4 ? ParseIPv4(text) : ParseIPv6(text);

    /// <summary>§2.1: exactly 4 decimal numbers 0-255 separated by single dots, no leading zeros (IPAddress.Parse takes octal and "1.2").</summary>
    private static IPAddress? ParseIPv4(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!TryParseDecimal(parts[i], byte.MaxValue, out int value))
            {
                return null;
            }

            bytes[i] = (byte)value;
        }

        return new IPAddress(bytes);
    }

    /// <summary>
    /// §2.1: hex groups and colons, at most one "::". IPAddress.TryParse alone would also take scope ids ("%eth0") and sloppy dotted
    /// tails; a dotted tail itself is allowed because inet_ntop, which HAProxy uses, writes IPv4-mapped addresses as "::ffff:a.b.c.d".
    /// </summary>
    private static IPAddress? ParseIPv6(string text)
    {
        int tail = text.LastIndexOf(':') + 1;
        string last = text[tail..];
        bool wellFormed = !text.AsSpan(0, tail).ContainsAnyExcept(Ipv6Characters)
            && (last.Contains('.', StringComparison.Ordinal) ? ParseIPv4(last) is not null : !last.AsSpan().ContainsAnyExcept(Ipv6Characters));
        return wellFormed && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? address : null;
    }

    /// <summary>§2.1: plain decimal digits, "heading zeroes are not permitted" (so no sign either), at most <paramref name="max"/>.</summary>
    private static bool TryParseDecimal(string text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 5 || (text[0] == '0' && text.Length > 1))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return value <= max;
    }
}
