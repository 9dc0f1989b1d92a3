using System.Buffers.Binary;
using System.Text;

namespace MultiXfer.Sftp.Wire;

/// <summary>
/// Reads SFTP data types (RFC 4251 §5) from one packet. Every length a client claims is checked against what the
/// packet really holds before anything is sliced or allocated.
/// </summary>
internal ref struct SftpReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SftpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsAtEnd => _position == _data.Length;

    public byte ReadByte()
    {
        Require(1);
        return _data[_position++];
    }

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

    public long ReadInt64() => (long)ReadUInt64();

    public ReadOnlySpan<byte> ReadString()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw new SftpBadMessageException("string length beyond the end of the packet");
        }

        var value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>A UTF-8 string (paths, names). Invalid UTF-8 is a bad message: FSIO names are Unicode.</summary>
    public string ReadUtf8()
    {
        var bytes = ReadString();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SftpBadMessageException("string is not valid UTF-8");
        }
    }

    /// <summary>A count of items each at least <paramref name="minimumItemBytes"/> long, checked against what remains.</summary>
    public int ReadCount(int minimumItemBytes)
    {
        uint count = ReadUInt32();
        if (count > (uint)(Remaining / Math.Max(1, minimumItemBytes)))
        {
            throw new SftpBadMessageException("item count larger than the packet can hold");
        }

        return (int)count;
    }

    private readonly void Require(int count)
    {
        if (count > Remaining)
        {
            throw new SftpBadMessageException("packet shorter than its fields");
        }
    }
}
