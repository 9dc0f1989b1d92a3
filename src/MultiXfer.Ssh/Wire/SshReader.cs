using System.Buffers.Binary;
using System.Text;

namespace MultiXfer.Ssh.Wire;

/// <summary>
/// Reads the data types of RFC 4251 §5 from one message. Every read is checked against what actually arrived,
/// so a length a peer claims can never make us read past the message or allocate more than it carried.
/// </summary>
internal ref struct SshReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsAtEnd => _position == _data.Length;

    public readonly int Position => _position;

    public byte ReadByte()
    {
        Require(1);
        return _data[_position++];
    }

    /// <summary>RFC 4251 §5: any non-zero value is true.</summary>
    public bool ReadBoolean() => ReadByte() != 0;

    public uint ReadUInt32()
    {
        Require(4);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        Require(8);
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Require(count);
        var bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }

    /// <summary>A length-prefixed byte string, checked against what remains before anything is sliced.</summary>
    public ReadOnlySpan<byte> ReadString()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw SshProtocolException.Malformed("message: string length beyond the end of the message");
        }

        return ReadBytes((int)length);
    }

    /// <summary>A string with a limit of its own (key blobs, signatures) on top of the message bounds.</summary>
    public ReadOnlySpan<byte> ReadString(int maxBytes, string what)
    {
        var value = ReadString();
        if (value.Length > maxBytes)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"{what} longer than {maxBytes} bytes");
        }

        return value;
    }

    /// <summary>ISO-10646 UTF-8 text (RFC 4251 §5); invalid sequences are a protocol error, not a replacement character.</summary>
    public string ReadUtf8(int maxBytes, string what)
    {
        var bytes = ReadString(maxBytes, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw SshProtocolException.Malformed($"{what}: not UTF-8");
        }
    }

    /// <summary>US-ASCII text such as algorithm, service, method, channel type and request names.</summary>
    public string ReadAscii(int maxBytes, string what)
    {
        var bytes = ReadString(maxBytes, what);
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7e)
            {
                throw SshProtocolException.Malformed($"{what}: not printable US-ASCII");
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>
    /// A name-list (RFC 4251 §5): comma-separated, non-empty US-ASCII names without commas. Empty lists are
    /// allowed; the byte and name counts are capped.
    /// </summary>
    public string[] ReadNameList(string what)
    {
        var bytes = ReadString(WireLimits.MaxNameListBytes, what);
        if (bytes.IsEmpty)
        {
            return [];
        }

        int count = bytes.Count((byte)',') + 1;
        if (count > WireLimits.MaxNames)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"{what}: more than {WireLimits.MaxNames} names");
        }

        var names = new string[count];
        int index = 0;
        foreach (var range in bytes.Split((byte)','))
        {
            var name = bytes[range];
            if (name.IsEmpty || name.Length > 64)
            {
                throw SshProtocolException.Malformed($"{what}: empty name or name longer than 64 characters");
            }

            foreach (byte b in name)
            {
                if (b is <= 0x20 or >= 0x7f)
                {
                    throw SshProtocolException.Malformed($"{what}: name is not printable US-ASCII");
                }
            }

            names[index++] = Encoding.ASCII.GetString(name);
        }

        return names;
    }

    /// <summary>
    /// An mpint (RFC 4251 §5) that must be positive, returned as unsigned big-endian magnitude without the sign
    /// byte. Negative values and non-minimal encodings are rejected.
    /// </summary>
    public ReadOnlySpan<byte> ReadPositiveMpint(int maxBytes, string what)
    {
        var bytes = ReadString(maxBytes + 1, what);
        if (bytes.IsEmpty || (bytes[0] & 0x80) != 0)
        {
            throw SshProtocolException.Malformed($"{what}: not a positive integer");
        }

        if (bytes[0] == 0)
        {
            if (bytes.Length == 1 || (bytes[1] & 0x80) == 0)
            {
                throw SshProtocolException.Malformed($"{what}: integer with a superfluous leading zero");
            }

            bytes = bytes[1..];
        }

        return bytes;
    }

    /// <summary>Everything not yet read (for messages whose tail is opaque, such as request-specific data).</summary>
    public ReadOnlySpan<byte> ReadRemaining()
    {
        var rest = _data[_position..];
        _position = _data.Length;
        return rest;
    }

    private readonly void Require(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw SshProtocolException.Malformed("message: truncated");
        }
    }
}
