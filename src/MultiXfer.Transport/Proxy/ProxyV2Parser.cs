using System.Buffers.Binary;
using System.Net;

namespace MultiXfer.Transport.Proxy;

/// <summary>The binary v2 header: 16 fixed bytes, an address block and TLVs, proxy-protocol.txt §2.2.</summary>
internal static class ProxyV2Parser
{
    internal static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private const int FixedLength = 16;
    private const byte Crc32CType = 0x03;

    // CRC32c (Castagnoli) in its reflected form, one table entry per byte value (RFC 4960 Appendix B).
    private static readonly uint[] CrcTable = BuildCrcTable(0x82F63B78);

    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> buffer, int maxLength, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = CheckFixedPart(buffer, maxLength, out int length);
        if (error is not null)
        {
            return ProxyParseStatus.Invalid;
        }

        if (length == 0 || buffer.Length < length)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        // One copy of the header, so that the TLV values can be memory slices that outlive the caller's buffer.
        byte[] bytes = buffer[..length].ToArray();
        var command = (bytes[12] & 0x0F) == 1 ? ProxyCommand.Proxy : ProxyCommand.Local;
        byte family = bytes[13];
        error = ReadTlvs(bytes, FixedLength + AddressSize(family), out var tlvs);
        if (error is not null)
        {
            return ProxyParseStatus.Invalid;
        }

        // §2.2: for LOCAL the receiver "must use the real connection endpoints and discard the protocol block".
        var (source, destination) = command == ProxyCommand.Proxy ? ReadEndpoints(bytes.AsSpan(FixedLength), family) : default;
        header = new ProxyHeader(2, length, command, source, destination, tlvs);
        return ProxyParseStatus.Complete;
    }

    /// <summary>
    /// Checks as much of the 16 fixed bytes as has arrived, so that a wrong or oversized header is refused before the rest
    /// arrives; <paramref name="length"/> is the whole header's length once known, else 0.
    /// </summary>
    private static string? CheckFixedPart(ReadOnlySpan<byte> buffer, int maxLength, out int length)
    {
        length = 0;
        int seen = Math.Min(buffer.Length, Signature.Length);
        int matching = buffer[..seen].CommonPrefixLength(Signature);
        if (matching < seen)
        {
            return $"v2 signature mismatch at byte {matching}";
        }

        if (buffer.Length <= 12)
        {
            return null;
        }

        // §2.2: high nibble version (must be 2), low nibble command (0 LOCAL, 1 PROXY, others "must drop").
        int version = buffer[12] >> 4, command = buffer[12] & 0x0F;
        if (version != 2 || command > 1)
        {
            return version != 2 ? $"v2 header announces version {version}" : $"v2 header has unassigned command {command}";
        }

        if (buffer.Length <= 13)
        {
            return null;
        }

        byte family = buffer[13];
        int addressSize = AddressSize(family);
        if (addressSize < 0)
        {
            return family is 0x12 or 0x22 or 0x32
                ? $"v2 header relays UDP (0x{family:X2}), this server only carries TCP"
                : $"v2 header has unknown family/transport 0x{family:X2}";
        }

        if (buffer.Length < FixedLength)
        {
            return null;
        }

        // §2.2: "the length of the protocol header in bytes is always exactly 16 + this value".
        length = FixedLength + BinaryPrimitives.ReadUInt16BigEndian(buffer[14..]);
        if (length > maxLength)
        {
            return $"v2 header of {length} bytes exceeds the {maxLength}-byte limit";
        }

        return length - FixedLength < addressSize
            ? $"v2 address block of {length - FixedLength} bytes is shorter than the {addressSize} bytes family 0x{family:X2} needs"
            : null;
    }

    /// <summary>§2.2 address block sizes of the family/transport bytes this server accepts (TCP and UNIX streams), else -1.</summary>
    private static int AddressSize(byte family) => family switch
    {
        0x00 => 0,
        0x11 => 12,
        0x21 => 36,
        0x31 => 216,
        _ => -1,
    };

    /// <summary>§2.2: source address, destination address, source port, destination port, all in network byte order.</summary>
    private static (IPEndPoint? Source, IPEndPoint? Destination) ReadEndpoints(ReadOnlySpan<byte> block, byte family)
    {
        int size = family switch { 0x11 => 4, 0x21 => 16, _ => 0 };
        if (size == 0)
        {
            return default; // AF_UNSPEC carries nothing to use, an AF_UNIX path is no IPEndPoint.
        }

        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]);
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[((2 * size) + 2)..]);
        return (new IPEndPoint(new IPAddress(block[..size]), sourcePort),
            new IPEndPoint(new IPAddress(block[size..(2 * size)]), destinationPort));
    }

    /// <summary>§2.2: type (1 byte), length (2 bytes, big-endian), value; the TLVs must fill the rest of the header exactly.</summary>
    private static string? ReadTlvs(byte[] header, int offset, out List<ProxyTlv> tlvs)
    {
        tlvs = [];
        int crcOffset = -1;
        while (offset < header.Length)
        {
            if (header.Length - offset < 3)
            {
                return $"truncated v2 TLV at offset {offset}";
            }

            byte type = header[offset];
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(offset + 1));
            int valueOffset = offset + 3;
            if (valueLength > header.Length - valueOffset)
            {
                return $"v2 TLV 0x{type:X2} at offset {offset} claims {valueLength} bytes, the header has {header.Length - valueOffset} left";
            }

            if (type == Crc32CType)
            {
                if (valueLength != 4 || crcOffset >= 0)
                {
                    return valueLength != 4 ? $"v2 CRC32c TLV of {valueLength} bytes instead of 4" : "v2 header has two CRC32c TLVs";
                }

                crcOffset = valueOffset;
            }

            tlvs.Add(new ProxyTlv(type, header.AsMemory(valueOffset, valueLength)));
            offset = valueOffset + valueLength;
        }

        return crcOffset < 0 ? null : VerifyCrc32C(header, crcOffset);
    }

    /// <summary>
    /// §2.2.3: the CRC32c of the whole header with the checksum field as zeros. HAProxy writes the value in network byte order
    /// (htonl), which is what senders in practice emit.
    /// </summary>
    private static string? VerifyCrc32C(byte[] header, int crcOffset)
    {
        uint received = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(crcOffset));
        uint crc = UpdateCrc32C(uint.MaxValue, header.AsSpan(0, crcOffset));
        crc = UpdateCrc32C(crc, [0, 0, 0, 0]);
        crc = ~UpdateCrc32C(crc, header.AsSpan(crcOffset + 4));
        return crc == received ? null : $"v2 CRC32c mismatch (header says 0x{received:X8}, computed 0x{crc:X8})";
    }

    private static uint UpdateCrc32C(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = CrcTable[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable(uint polynomial)
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++)
        {
            uint entry = i;
            for (int bit = 0; bit < 8; bit++)
            {
                entry = (entry & 1) != 0 ? (entry >> 1) ^ polynomial : entry >> 1;
            }

            table[i] = entry;
        }

        return table;
    }
}
