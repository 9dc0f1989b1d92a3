using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MultiXfer.Sftp.Wire;

/// <summary>
/// Collects reply packets in one pooled buffer so that a burst of pipelined replies leaves in one write. The
/// buffer goes back to the pool after every flush: an idle session holds none.
/// </summary>
internal sealed class SftpWriter : IDisposable
{
    private const int InitialSize = 64 * 1024;

    private byte[]? _buffer;
    private int _length;
    private int _packetStart = -1;

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The type of the packet begun last (the answer to the request just handled).</summary>
    public Protocol.SftpMessageType LastPacketType { get; private set; }

    /// <summary>Starts a packet: its length is filled in by <see cref="EndPacket"/>.</summary>
    public void BeginPacket(Protocol.SftpMessageType type)
    {
        LastPacketType = type;
        _packetStart = _length;
        Reserve(5);
        _length += 4;
        _buffer![_length++] = (byte)type;
    }

    public void EndPacket()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_packetStart), (uint)(_length - _packetStart - 4));
        _packetStart = -1;
    }

    /// <summary>Drops a packet begun but not ended (a handler failed half-way and answers with a status instead).</summary>
    public void AbandonPacket()
    {
        if (_packetStart >= 0)
        {
            _length = _packetStart;
            _packetStart = -1;
        }
    }

    /// <summary>Overwrites a uint32 written earlier (a count known only after the entries).</summary>
    public void PatchUInt32(int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset), value);

    public void WriteByte(byte value)
    {
        Reserve(1);
        _buffer![_length++] = value;
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt16(ushort value)
    {
        Reserve(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    public void WriteUInt32(uint value)
    {
        Reserve(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteUInt64(ulong value)
    {
        Reserve(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteInt64(long value) => WriteUInt64((ulong)value);

    public void WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        Reserve(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Reserve(4 + max);
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 4));
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), (uint)written);
        _length += 4 + written;
    }

    /// <summary>
    /// Room for a string of up to <paramref name="maxLength"/> bytes that the caller fills in place (READ replies
    /// land straight in the output buffer); complete it with <see cref="CommitString"/>.
    /// </summary>
    public Memory<byte> BeginString(int maxLength)
    {
        Reserve(4 + maxLength);
        return _buffer.AsMemory(_length + 4, maxLength);
    }

    public void CommitString(int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), (uint)length);
        _length += 4 + length;
    }

    public async ValueTask FlushAsync(Stream output, CancellationToken cancellationToken)
    {
        if (_length > 0)
        {
            await output.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
            _length = 0;
        }

        Release();
    }

    public void Dispose() => Release();

    private void Release()
    {
        if (_buffer is not null && _length == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Reserve(int count)
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(InitialSize, count));
            return;
        }

        if (_length + count > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
