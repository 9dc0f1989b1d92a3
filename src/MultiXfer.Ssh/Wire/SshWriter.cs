using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MultiXfer.Ssh.Wire;

/// <summary>
/// Builds SSH wire data (RFC 4251 §5) in a pooled buffer. A writer made by <see cref="ForPayload"/> leaves room
/// for the packet header, so the finished payload becomes an <see cref="OutgoingPacket"/> without a copy.
/// </summary>
internal sealed class SshWriter : IDisposable
{
    private byte[] _buffer;
    private readonly int _start;
    private int _end;

    public SshWriter(int capacity = 256)
        : this(capacity, start: 0)
    {
    }

    private SshWriter(int capacity, int start)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(start + capacity);
        _start = start;
        _end = start;
    }

    /// <summary>A writer for one message, starting with its message number.</summary>
    public static SshWriter ForPayload(byte messageNumber, int capacity = 256)
    {
        var writer = new SshWriter(capacity, OutgoingPacket.PayloadOffset);
        writer.WriteByte(messageNumber);
        return writer;
    }

    public int Length => _end - _start;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(_start, _end - _start);

    public void WriteByte(byte value) => GetSpan(1)[0] = value;

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(GetSpan(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(GetSpan(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(GetSpan(bytes.Length));

    public void WriteString(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>A UTF-8 string without an intermediate array.</summary>
    public void WriteString(string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        WriteUInt32((uint)length);
        Encoding.UTF8.GetBytes(text, GetSpan(length));
    }

    public void WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    /// <summary>An mpint from an unsigned big-endian magnitude: leading zeros dropped, a zero byte added where the top bit is set.</summary>
    public void WriteMpint(ReadOnlySpan<byte> unsignedBigEndian)
    {
        var magnitude = unsignedBigEndian.TrimStart((byte)0);
        bool pad = !magnitude.IsEmpty && (magnitude[0] & 0x80) != 0;
        WriteUInt32((uint)(magnitude.Length + (pad ? 1 : 0)));
        if (pad)
        {
            WriteByte(0);
        }

        WriteBytes(magnitude);
    }

    public void WriteMpint(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "only non-negative integers are written");
        }

        WriteMpint(value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>Reserves <paramref name="count"/> bytes at the end and returns them for the caller to fill.</summary>
    public Span<byte> GetSpan(int count)
    {
        EnsureCapacity(count);
        var span = _buffer.AsSpan(_end, count);
        _end += count;
        return span;
    }

    public byte[] ToArray() => Written.ToArray();

    /// <summary>Hands the buffer over as a packet; the writer is empty afterwards and must not be used again.</summary>
    public OutgoingPacket ToPacket()
    {
        if (_start != OutgoingPacket.PayloadOffset)
        {
            throw new InvalidOperationException("only writers made by ForPayload become packets");
        }

        var packet = new OutgoingPacket(_buffer, _end - _start);
        _buffer = [];
        _end = _start;
        return packet;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            // Key exchange values and signatures pass through writers; pooled memory must not keep them.
            _buffer.AsSpan(0, _end).Clear();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void EnsureCapacity(int count)
    {
        if (_end + count <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _end + count));
        _buffer.AsSpan(0, _end).CopyTo(larger);
        _buffer.AsSpan(0, _end).Clear();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
