using System.Buffers.Binary;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// Structured reading of a fuzz input: every read succeeds, yielding zeros (or empty) once the input is used up, so
/// a harness never fails on short input and every length it takes is bounded by what is left.
/// </summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool IsEmpty => _position >= _data.Length;

    public readonly int Remaining => _data.Length - _position;

    public byte Byte() => IsEmpty ? (byte)0 : _data[_position++];

    public ushort UInt16()
    {
        Span<byte> b = stackalloc byte[2];
        Bytes(2).CopyTo(b);
        return BinaryPrimitives.ReadUInt16BigEndian(b);
    }

    public uint UInt32()
    {
        Span<byte> b = stackalloc byte[4];
        Bytes(4).CopyTo(b);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>Up to <paramref name="count"/> bytes: fewer when the input ends first.</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        int n = Math.Clamp(count, 0, Remaining);
        var slice = _data.Slice(_position, n);
        _position += n;
        return slice;
    }

    /// <summary>A chunk introduced by a 16-bit big-endian length (capped by what is left).</summary>
    public ReadOnlySpan<byte> Chunk() => Bytes(UInt16());

    public ReadOnlySpan<byte> Rest() => Bytes(Remaining);
}
