using System.Buffers.Binary;
using System.Net;
using System.Text;
using MultiXfer.Transport.Proxy;

namespace MultiXfer.Server.Tests;

/// <summary>PROXY protocol v1/v2 header parsing against proxy-protocol.txt, with headers built byte by byte.</summary>
public sealed class ProxyHeaderParserTests
{
    private const int Limit = 1024;
    private const string V1Tcp4 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
    private const string V1Tcp6 = "PROXY TCP6 2001:db8::1 fe80::ABCD:0:1 65535 0\r\n";

    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static ProxyParseStatus Parse(byte[] bytes, out ProxyHeader? header, out string? error, int maxLength = Limit) =>
        ProxyHeaderParser.TryParse(bytes, maxLength, out header, out error);

    private static ProxyHeader ParseComplete(byte[] bytes)
    {
        var status = Parse(bytes, out var header, out string? error);
        Assert.True(status == ProxyParseStatus.Complete, $"{status}: {error}");
        Assert.Null(error);
        return header!;
    }

    private static string ParseInvalid(byte[] bytes, int maxLength = Limit)
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(bytes, out var header, out string? error, maxLength));
        Assert.Null(header);
        Assert.False(string.IsNullOrWhiteSpace(error));
        return error!;
    }

    private static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    /// <summary>A v2 header: signature, version/command, family, big-endian length of what follows, then the rest verbatim.</summary>
    private static byte[] V2(byte versionCommand, byte family, params byte[][] rest)
    {
        byte[] body = [.. rest.SelectMany(part => part)];
        return [.. Signature, versionCommand, family, (byte)(body.Length >> 8), (byte)body.Length, .. body];
    }

    private static byte[] Ipv4Block(string source, string destination, ushort sourcePort, ushort destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(), .. Port(sourcePort), .. Port(destinationPort)];

    private static byte[] Port(ushort port) => [(byte)(port >> 8), (byte)port];

    /// <summary>CRC32c bit by bit (reflected Castagnoli polynomial), independent of the parser's table.</summary>
    private static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>A TCP4 PROXY header with an ALPN and a CRC32c TLV whose value the reference implementation fills in.</summary>
    private static (byte[] Header, int CrcOffset) V2WithCrc()
    {
        byte[] header = V2(0x21, 0x11, Ipv4Block("10.1.2.3", "10.9.8.7", 40000, 21), Tlv(0x01, "ftp"u8.ToArray()), Tlv(0x03, new byte[4]));
        int crcOffset = header.Length - 4;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(crcOffset), ReferenceCrc32C(header));
        return (header, crcOffset);
    }

    [Fact]
    public void V1_tcp4_header_yields_both_endpoints_and_its_length()
    {
        var header = ParseComplete(Latin1(V1Tcp4));

        Assert.Equal(new ProxyHeader(1, V1Tcp4.Length, ProxyCommand.Proxy, IPEndPoint.Parse("192.168.0.1:56324"),
            IPEndPoint.Parse("192.168.0.11:443"), header.Tlvs), header);
        Assert.Empty(header.Tlvs);
    }

    [Fact]
    public void V1_tcp6_header_yields_both_endpoints()
    {
        var header = ParseComplete(Latin1(V1Tcp6));

        Assert.Equal(V1Tcp6.Length, header.Length);
        Assert.Equal(ProxyCommand.Proxy, header.Command);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:65535"), header.Source);
        Assert.Equal(IPEndPoint.Parse("[fe80::abcd:0:1]:0"), header.Destination);
    }

    [Fact]
    public void V1_tcp6_header_may_carry_ipv4_mapped_addresses_as_inet_ntop_writes_them()
    {
        var header = ParseComplete(Latin1("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.7 5000 21\r\n"));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1").MapToIPv6(), 5000), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7").MapToIPv6(), 21), header.Destination);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")]
    [InlineData("PROXY UNKNOWN whatever the sender put here, even  two spaces\r\n")]
    public void V1_unknown_header_is_a_proxy_command_without_endpoints(string line)
    {
        var header = ParseComplete(Latin1(line));

        Assert.Equal(new ProxyHeader(1, line.Length, ProxyCommand.Proxy, null, null, header.Tlvs), header);
    }

    [Fact]
    public void V1_longest_line_of_107_bytes_is_accepted_and_one_more_byte_is_not()
    {
        string longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.Equal(ProxyHeaderParser.MaxV1Length, longest.Length);
        Assert.Equal(107, ParseComplete(Latin1(longest)).Length);

        Assert.Contains("CRLF", ParseInvalid(Latin1(longest.Replace("UNKNOWN ", "UNKNOWN  ", StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_without_crlf_within_107_bytes_is_invalid_and_needs_more_data_before()
    {
        byte[] noEnd = Latin1("PROXY UNKNOWN " + new string('f', 200));

        Assert.Equal(ProxyParseStatus.NeedMoreData, Parse(noEnd[..106], out _, out _));
        Assert.Contains("107", ParseInvalid(noEnd[..107]), StringComparison.Ordinal);
        ParseInvalid(noEnd);
    }

    [Fact]
    public void Trailing_data_after_a_header_is_not_part_of_its_length()
    {
        byte[] trailer = "SSH-2.0-client\r\n"u8.ToArray();
        byte[] v2 = V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2));

        Assert.Equal(V1Tcp4.Length, ParseComplete([.. Latin1(V1Tcp4), .. trailer]).Length);
        Assert.Equal(15, ParseComplete([.. Latin1("PROXY UNKNOWN\r\n"), .. trailer]).Length);
        Assert.Equal(28, ParseComplete([.. v2, .. trailer]).Length);
        Assert.Equal(28, ParseComplete([.. v2, 0xFF, 0x00]).Length);
    }

    [Theory]
    [InlineData(V1Tcp4)]
    [InlineData(V1Tcp6)]
    [InlineData("PROXY UNKNOWN\r\n")]
    public void Every_prefix_of_a_v1_header_needs_more_data_until_the_whole_line(string line)
    {
        byte[] bytes = Latin1(line + "USER anonymous\r\n");
        for (int length = 0; length < line.Length; length++)
        {
            Assert.True(Parse(bytes[..length], out var header, out string? error) == ProxyParseStatus.NeedMoreData, $"prefix of {length}: {error}");
            Assert.Null(header);
        }

        for (int length = line.Length; length <= bytes.Length; length++)
        {
            Assert.Equal(line.Length, ParseComplete(bytes[..length]).Length);
        }
    }

    [Fact]
    public void Every_prefix_of_a_v2_header_needs_more_data_until_the_whole_header()
    {
        var (v2, _) = V2WithCrc();
        byte[] bytes = [.. v2, .. "220 ready\r\n"u8];
        for (int length = 0; length < v2.Length; length++)
        {
            Assert.True(Parse(bytes[..length], out var header, out string? error) == ProxyParseStatus.NeedMoreData, $"prefix of {length}: {error}");
            Assert.Null(header);
        }

        for (int length = v2.Length; length <= bytes.Length; length++)
        {
            Assert.Equal(v2.Length, ParseComplete(bytes[..length]).Length);
        }
    }

    [Theory]
    [InlineData("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")]
    [InlineData("PROXY TCP4\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 999999\r\n")]
    [InlineData("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 16909060 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 ::1 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP6 ::ffff:1.2.3.04 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 ::ffff:1.2.3 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 ::ffff:1.2.3.4% ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 [::1] ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1::2::3 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 12345::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY UNKNOWNX\r\n")]
    [InlineData("PROXY \r\n")]
    [InlineData("PROXY\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n")]
    [InlineData("PROXY UNKNOWN caf\u00e9\r\n")]
    [InlineData("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    public void Malformed_v1_header_is_invalid(string line) => ParseInvalid(Latin1(line));

    [Theory]
    [InlineData("PROXX")]
    [InlineData("PROXY TCP5")]
    [InlineData("PROXY  ")]
    [InlineData("PROXY UNKNOWNX")]
    [InlineData("PROXY TCP4 1.2.3.4\n")]
    [InlineData("PROXY UNKNOWN \u00ff")]
    [InlineData("PROXY UNKNOWN \rX")]
    [InlineData("SSH-")]
    [InlineData("USER")]
    [InlineData("\u0016\u0003")]
    public void Partial_input_that_cannot_become_a_header_is_invalid_at_once(string start) => ParseInvalid(Latin1(start));

    [Fact]
    public void V2_tcp4_proxy_header_yields_both_endpoints()
    {
        byte[] bytes = V2(0x21, 0x11, Ipv4Block("203.0.113.7", "192.0.2.1", 51234, 990));
        var header = ParseComplete(bytes);

        Assert.Equal(new ProxyHeader(2, 28, ProxyCommand.Proxy, IPEndPoint.Parse("203.0.113.7:51234"),
            IPEndPoint.Parse("192.0.2.1:990"), header.Tlvs), header);
        Assert.Empty(header.Tlvs);
    }

    [Fact]
    public void V2_tcp6_proxy_header_yields_both_endpoints()
    {
        byte[] block = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8:ffff::1").GetAddressBytes(), .. Port(65535), .. Port(22)];
        var header = ParseComplete(V2(0x21, 0x21, block));

        Assert.Equal(16 + 36, header.Length);
        Assert.Equal(ProxyCommand.Proxy, header.Command);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::7]:65535"), header.Source);
        Assert.Equal(IPEndPoint.Parse("[2001:db8:ffff::1]:22"), header.Destination);
    }

    [Fact]
    public void V2_local_header_has_no_endpoints_even_when_it_carries_addresses()
    {
        var empty = ParseComplete(V2(0x20, 0x00));
        Assert.Equal(new ProxyHeader(2, 16, ProxyCommand.Local, null, null, empty.Tlvs), empty);
        Assert.Empty(empty.Tlvs);

        // §2.2: receivers "must not assume zero is presented for LOCAL connections"; the block is skipped, TLVs after it still read.
        var withAddresses = ParseComplete(V2(0x20, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2), Tlv(0x04, [0, 0])));
        Assert.Equal(ProxyCommand.Local, withAddresses.Command);
        Assert.Equal(16 + 12 + 5, withAddresses.Length);
        Assert.Null(withAddresses.Source);
        Assert.Null(withAddresses.Destination);
        Assert.Equal(0x04, Assert.Single(withAddresses.Tlvs).Type);
    }

    [Fact]
    public void V2_unspec_proxy_header_has_no_endpoints_and_its_bytes_are_tlvs()
    {
        var header = ParseComplete(V2(0x21, 0x00, Tlv(0x02, "example.org"u8.ToArray())));

        Assert.Equal(ProxyCommand.Proxy, header.Command);
        Assert.Null(header.Source);
        Assert.Null(header.Destination);
        Assert.Equal("example.org"u8.ToArray(), Assert.Single(header.Tlvs).Value.ToArray());
    }

    [Fact]
    public void V2_unix_stream_header_skips_the_216_byte_address_block()
    {
        byte[] paths = new byte[216];
        "/run/client.sock"u8.CopyTo(paths);
        "/run/server.sock"u8.CopyTo(paths.AsSpan(108));
        var header = ParseComplete(V2(0x21, 0x31, paths, Tlv(0x05, [1, 2, 3])));

        Assert.Equal(16 + 216 + 6, header.Length);
        Assert.Null(header.Source);
        Assert.Null(header.Destination);
        Assert.Equal([1, 2, 3], Assert.Single(header.Tlvs).Value.ToArray());
        ParseInvalid(V2(0x21, 0x31, new byte[215]));
    }

    [Fact]
    public void V2_tlvs_are_returned_in_order_with_their_values()
    {
        byte[] bytes = V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2),
            Tlv(0x01, "h2"u8.ToArray()), Tlv(0x02, "files.example.org"u8.ToArray()), Tlv(0x05, "id-42"u8.ToArray()), Tlv(0xE0, []));
        var header = ParseComplete(bytes);

        Assert.Equal(bytes.Length, header.Length);
        Assert.Equal([0x01, 0x02, 0x05, 0xE0], header.Tlvs.Select(tlv => tlv.Type));
        Assert.Equal(["h2", "files.example.org", "id-42", ""], header.Tlvs.Select(tlv => Encoding.ASCII.GetString(tlv.Value.Span)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void V2_truncated_tlv_is_invalid(int leftOver)
    {
        byte[] bytes = V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2), Tlv(0x01, "h2"u8.ToArray()), new byte[leftOver]);

        Assert.Contains("truncated", ParseInvalid(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void V2_tlv_that_overruns_the_header_is_invalid()
    {
        byte[] tlv = Tlv(0x02, "example.org"u8.ToArray());
        tlv[2]++; // claims one byte more than the header holds
        byte[] bytes = V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2), tlv);

        Assert.Contains("claims 12 bytes", ParseInvalid([.. bytes, (byte)'x']), StringComparison.Ordinal);
    }

    [Fact]
    public void V2_length_over_the_limit_is_invalid_after_16_bytes()
    {
        byte[] fixedPart = [.. Signature, 0x21, 0x11, 0xFF, 0xFF];

        Assert.Equal("v2 header of 65551 bytes exceeds the 1024-byte limit", ParseInvalid(fixedPart));
        Assert.Equal(ProxyParseStatus.NeedMoreData, Parse(fixedPart[..15], out _, out _));

        byte[] exact = V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2));
        Assert.Equal(ProxyParseStatus.Complete, Parse(exact, out _, out _, maxLength: 28));
        ParseInvalid(exact, maxLength: 27);
    }

    [Theory]
    [InlineData(0x11, "version 1")]
    [InlineData(0x31, "version 3")]
    [InlineData(0x01, "version 0")]
    [InlineData(0x22, "command 2")]
    [InlineData(0x2F, "command 15")]
    public void V2_bad_version_or_command_is_invalid_from_its_13th_byte(byte versionCommand, string reason)
    {
        Assert.Contains(reason, ParseInvalid([.. Signature, versionCommand]), StringComparison.Ordinal);
        ParseInvalid(V2(versionCommand, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2)));
    }

    [Theory]
    [InlineData(0x12)]
    [InlineData(0x22)]
    [InlineData(0x32)]
    [InlineData(0x13)]
    [InlineData(0x41)]
    [InlineData(0x01)]
    [InlineData(0x10)]
    public void V2_udp_and_unknown_families_are_invalid_from_their_14th_byte(byte family)
    {
        ParseInvalid([.. Signature, 0x21, family]);
        ParseInvalid(V2(0x21, family, new byte[36]));
    }

    [Fact]
    public void V2_udp_is_refused_with_a_reason_naming_it()
    {
        Assert.Contains("UDP", ParseInvalid([.. Signature, 0x21, 0x12]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x11, 11)]
    [InlineData(0x21, 35)]
    [InlineData(0x31, 0)]
    public void V2_address_block_shorter_than_its_family_needs_is_invalid_from_the_16th_byte(byte family, int blockLength)
    {
        byte[] bytes = V2(0x21, family, new byte[blockLength]);

        ParseInvalid(bytes[..16]);
        ParseInvalid(bytes);
    }

    [Fact]
    public void V2_wrong_signature_byte_is_invalid_at_once()
    {
        for (int i = 1; i < Signature.Length; i++)
        {
            byte[] prefix = Signature[..(i + 1)];
            prefix[i] ^= 0x40;
            Assert.Contains($"byte {i}", ParseInvalid(prefix), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reference_crc32c_gives_the_published_check_value()
    {
        // RFC 3720 B.4 / the CRC catalogue: CRC-32C of the ASCII digits "123456789" is 0xE3069283.
        Assert.Equal(0xE3069283u, ReferenceCrc32C("123456789"u8));
    }

    [Fact]
    public void V2_crc32c_computed_independently_is_accepted()
    {
        var (bytes, crcOffset) = V2WithCrc();
        var header = ParseComplete(bytes);

        Assert.Equal([0x01, 0x03], header.Tlvs.Select(tlv => tlv.Type));
        Assert.Equal(bytes[crcOffset..], header.Tlvs[1].Value.ToArray());
        Assert.Equal(IPEndPoint.Parse("10.1.2.3:40000"), header.Source);
    }

    [Fact]
    public void V2_crc32c_mismatch_is_invalid_and_reports_the_independently_computed_value()
    {
        var (bytes, crcOffset) = V2WithCrc();
        uint good = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(crcOffset));

        bytes[crcOffset + 3] ^= 1;
        Assert.Contains($"computed 0x{good:X8}", ParseInvalid(bytes), StringComparison.Ordinal);

        (bytes, _) = V2WithCrc();
        bytes[19]++; // the source address changes, the checksum does not
        Assert.Contains("CRC32c", ParseInvalid(bytes), StringComparison.Ordinal);

        (bytes, _) = V2WithCrc();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(crcOffset), good); // network byte order is what counts
        ParseInvalid(bytes);
    }

    [Fact]
    public void V2_crc32c_tlv_of_the_wrong_size_is_invalid()
    {
        ParseInvalid(V2(0x21, 0x11, Ipv4Block("10.0.0.1", "10.0.0.2", 1, 2), Tlv(0x03, [0, 0, 0])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PROX")]
    [InlineData("PROXY ")]
    [InlineData("PROXY TCP4 1.2.3.4")]
    [InlineData("\r")]
    [InlineData("\r\n\r\n\u0000")]
    [InlineData("\r\n\r\n\u0000\r\nQUIT\n")]
    [InlineData("\r\n\r\n\u0000\r\nQUIT\n\u0021\u0011")]
    public void Could_be_header_for_partial_prefixes_of_both_signatures(string prefix)
    {
        Assert.True(ProxyHeaderParser.CouldBeHeader(Latin1(prefix)));
    }

    [Theory]
    [InlineData("SSH-")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("\u0016\u0003")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000")]
    [InlineData("USER")]
    [InlineData("PROXY\r\n")]
    [InlineData("PROXX")]
    [InlineData("\r\n\r\n\u0001")]
    [InlineData("\n")]
    public void Could_not_be_header_for_other_protocols(string prefix)
    {
        Assert.False(ProxyHeaderParser.CouldBeHeader(Latin1(prefix)));
    }
}
