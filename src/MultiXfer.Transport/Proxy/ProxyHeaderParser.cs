using System.Net;

namespace MultiXfer.Transport.Proxy;

public enum ProxyParseStatus { NeedMoreData, Complete, Invalid }

/// <summary>
/// PROXY = the proxy relays a client (addresses present); Local = health check / proxy's own connection (use the real TCP endpoints).
/// </summary>
public enum ProxyCommand { Proxy, Local }

public readonly record struct ProxyTlv(byte Type, ReadOnlyMemory<byte> Value);

/// <summary>
/// Length = total bytes of the header (what the caller must consume from the socket).
/// Source/Destination are null for LOCAL, for v1 "UNKNOWN", and for v2 AF_UNSPEC / AF_UNIX.
/// </summary>
public sealed record ProxyHeader(int Version, int Length, ProxyCommand Command, IPEndPoint? Source,
    IPEndPoint? Destination, IReadOnlyList<ProxyTlv> Tlvs);

/// <summary>
/// The HAProxy PROXY protocol header, versions 1 (text) and 2 (binary), as proxy-protocol.txt (HAProxy 2.8) defines it.
/// Pure parsing over the bytes received so far: the caller reads, calls again while <see cref="ProxyParseStatus.NeedMoreData"/>,
/// and consumes <see cref="ProxyHeader.Length"/> bytes on success.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>proxy-protocol.txt §2.1: "PROXY UNKNOWN" with two full IPv6 addresses and ports, CRLF included.</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// True when <paramref name="prefix"/> (possibly only 1..n bytes) is consistent with the start of a v1 ("PROXY ") or v2
    /// (12-byte signature) header. An empty prefix is consistent with both.
    /// </summary>
    public static bool CouldBeHeader(ReadOnlySpan<byte> prefix) =>
        IsPrefixOf(prefix, ProxyV1Parser.Preamble) || IsPrefixOf(prefix, ProxyV2Parser.Signature);

    /// <summary>
    /// Parses a header at the start of <paramref name="buffer"/> (which may contain further bytes after it).
    /// <paramref name="maxLength"/> caps the whole v2 header (16 + len); a header that claims more is Invalid.
    /// On Invalid, <paramref name="error"/> is a short human-readable reason for logs.
    /// </summary>
    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> buffer, int maxLength, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (buffer.IsEmpty)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        // §2.2: the two formats differ in their first byte ('P' against CR), so one byte picks the parser.
        if (buffer[0] == ProxyV2Parser.Signature[0])
        {
            return ProxyV2Parser.TryParse(buffer, maxLength, out header, out error);
        }

        if (buffer[0] == ProxyV1Parser.Preamble[0])
        {
            return ProxyV1Parser.TryParse(buffer, out header, out error);
        }

        error = $"not a PROXY protocol header (first byte 0x{buffer[0]:X2})";
        return ProxyParseStatus.Invalid;
    }

    /// <summary>True when the shorter of the two is a prefix of the other: what has arrived agrees with <paramref name="expected"/>.</summary>
    internal static bool IsPrefixOf(ReadOnlySpan<byte> received, ReadOnlySpan<byte> expected)
    {
        int common = Math.Min(received.Length, expected.Length);
        return received[..common].SequenceEqual(expected[..common]);
    }
}
