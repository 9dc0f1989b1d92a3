using System.Buffers.Binary;
using System.Text;

namespace MultiXfer.Sftp.Tests.Client;

/// <summary>Packet types and status codes as numbers, written out independently of the server's enums.</summary>
internal static class Fxp
{
    public const byte Init = 1;
    public const byte Version = 2;
    public const byte Open = 3;
    public const byte Close = 4;
    public const byte Read = 5;
    public const byte Write = 6;
    public const byte Lstat = 7;
    public const byte Fstat = 8;
    public const byte Setstat = 9;
    public const byte Fsetstat = 10;
    public const byte Opendir = 11;
    public const byte Readdir = 12;
    public const byte Remove = 13;
    public const byte Mkdir = 14;
    public const byte Rmdir = 15;
    public const byte Realpath = 16;
    public const byte Stat = 17;
    public const byte Rename = 18;
    public const byte Readlink = 19;
    public const byte Symlink = 20;
    public const byte Link = 21;
    public const byte Block = 22;
    public const byte Unblock = 23;
    public const byte Status = 101;
    public const byte Handle = 102;
    public const byte Data = 103;
    public const byte Name = 104;
    public const byte Attrs = 105;
    public const byte Extended = 200;
    public const byte ExtendedReply = 201;
}

internal static class Fx
{
    public const uint Ok = 0;
    public const uint Eof = 1;
    public const uint NoSuchFile = 2;
    public const uint PermissionDenied = 3;
    public const uint Failure = 4;
    public const uint BadMessage = 5;
    public const uint OpUnsupported = 8;
    public const uint InvalidHandle = 9;
    public const uint NoSuchPath = 10;
    public const uint FileAlreadyExists = 11;
    public const uint LockConflict = 17;
    public const uint DirNotEmpty = 18;
    public const uint NotADirectory = 19;
    public const uint InvalidFilename = 20;
    public const uint LinkLoop = 21;
    public const uint InvalidParameter = 23;
    public const uint FileIsADirectory = 24;
    public const uint ByteRangeLockConflict = 25;
    public const uint NoMatchingByteRangeLock = 31;
}

/// <summary>Version 3/4 pflags.</summary>
internal static class Pflags
{
    public const uint Read = 0x01;
    public const uint Write = 0x02;
    public const uint Append = 0x04;
    public const uint Creat = 0x08;
    public const uint Trunc = 0x10;
    public const uint Excl = 0x20;
    public const uint Text = 0x40;
}

/// <summary>Version 5/6 open flags and ACE masks.</summary>
internal static class OpenFlags6
{
    public const uint CreateNew = 0;
    public const uint CreateTruncate = 1;
    public const uint OpenExisting = 2;
    public const uint OpenOrCreate = 3;
    public const uint TruncateExisting = 4;
    public const uint AppendData = 0x8;
    public const uint AppendDataAtomic = 0x10;
    public const uint TextMode = 0x20;
    public const uint BlockRead = 0x40;
    public const uint BlockWrite = 0x80;
    public const uint BlockDelete = 0x100;
    public const uint BlockAdvisory = 0x200;
    public const uint NoFollow = 0x400;
    public const uint DeleteOnClose = 0x800;

    public const uint AceReadData = 0x1;
    public const uint AceWriteData = 0x2;
    public const uint AceAppendData = 0x4;
    public const uint AceReadAttributes = 0x80;
    public const uint AceWriteAttributes = 0x100;
}

/// <summary>Builds the body of a packet (everything after the length).</summary>
internal sealed class PacketBuilder
{
    private readonly MemoryStream _data = new();

    public int Length => (int)_data.Length;

    public PacketBuilder Byte(byte value)
    {
        _data.WriteByte(value);
        return this;
    }

    public PacketBuilder Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public PacketBuilder UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        _data.Write(b);
        return this;
    }

    public PacketBuilder UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _data.Write(b);
        return this;
    }

    public PacketBuilder UInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        _data.Write(b);
        return this;
    }

    public PacketBuilder Int64(long value) => UInt64((ulong)value);

    public PacketBuilder String(string value) => String(Encoding.UTF8.GetBytes(value));

    public PacketBuilder String(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        _data.Write(value);
        return this;
    }

    public PacketBuilder Raw(ReadOnlySpan<byte> value)
    {
        _data.Write(value);
        return this;
    }

    public byte[] ToArray() => _data.ToArray();

    /// <summary>uint32 length + this body.</summary>
    public byte[] Framed()
    {
        var body = _data.ToArray();
        var framed = new byte[body.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)body.Length);
        body.CopyTo(framed, 4);
        return framed;
    }
}

/// <summary>Reads SFTP data types from a reply, throwing on anything short (a malformed reply fails the test).</summary>
internal sealed class WireReader(byte[] data, int position = 0)
{
    private int _position = position;

    public int Remaining => data.Length - _position;

    public bool AtEnd => _position == data.Length;

    public byte Byte()
    {
        Need(1);
        return data[_position++];
    }

    public bool Bool() => Byte() != 0;

    public ushort UInt16()
    {
        Need(2);
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(_position));
        _position += 2;
        return v;
    }

    public uint UInt32()
    {
        Need(4);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(_position));
        _position += 4;
        return v;
    }

    public ulong UInt64()
    {
        Need(8);
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(_position));
        _position += 8;
        return v;
    }

    public long Int64() => (long)UInt64();

    public byte[] Bytes(int count)
    {
        Need(count);
        var v = data.AsSpan(_position, count).ToArray();
        _position += count;
        return v;
    }

    public byte[] String()
    {
        uint length = UInt32();
        if (length > Remaining)
        {
            throw new InvalidDataException($"string of {length} bytes with {Remaining} left");
        }

        return Bytes((int)length);
    }

    public string Utf8() => Encoding.UTF8.GetString(String());

    public byte[] Rest() => Bytes(Remaining);

    private void Need(int count)
    {
        if (count > Remaining)
        {
            throw new InvalidDataException($"need {count} bytes, {Remaining} left");
        }
    }
}

/// <summary>A reply as a client sees it.</summary>
internal sealed class Reply(byte type, byte[] payload)
{
    public byte Type { get; } = type;

    /// <summary>Everything after the type byte.</summary>
    public byte[] Payload { get; } = payload;

    /// <summary>The request id (the version number for VERSION).</summary>
    public uint Id => BinaryPrimitives.ReadUInt32BigEndian(Payload);

    /// <summary>A reader positioned after the id.</summary>
    public WireReader Body() => new(Payload, 4);

    public uint StatusCode
    {
        get
        {
            Assert.True(Type == Fxp.Status, $"expected STATUS, got type {Type}{Describe()}");
            return Body().UInt32();
        }
    }

    public string StatusMessage
    {
        get
        {
            var r = Body();
            r.UInt32();
            return r.Utf8();
        }
    }

    public byte[] Handle
    {
        get
        {
            Assert.True(Type == Fxp.Handle, $"expected HANDLE, got type {Type}{Describe()}");
            return Body().String();
        }
    }

    public byte[] Data
    {
        get
        {
            Assert.True(Type == Fxp.Data, $"expected DATA, got type {Type}{Describe()}");
            return Body().String();
        }
    }

    public string Describe()
    {
        if (Type == Fxp.Status && Payload.Length >= 8)
        {
            var r = Body();
            uint code = r.UInt32();
            string message = r.Remaining >= 4 ? r.Utf8() : "";
            return $" (status {code}: {message})";
        }

        return "";
    }

    public override string ToString() => $"type {Type} id {(Payload.Length >= 4 ? Id : 0)}{Describe()}";
}
