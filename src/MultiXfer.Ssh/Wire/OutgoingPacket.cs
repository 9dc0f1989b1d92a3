using System.Buffers;

namespace MultiXfer.Ssh.Wire;

/// <summary>
/// A payload waiting to be sent: a pooled buffer with the payload at <see cref="PayloadOffset"/>, leaving room for
/// packet_length and padding_length (RFC 4253 §6). The packet writer owns it once queued and returns the buffer.
/// </summary>
internal readonly struct OutgoingPacket(byte[] buffer, int payloadLength)
{
    /// <summary>uint32 packet_length + byte padding_length.</summary>
    public const int PayloadOffset = 5;

    public byte[] Buffer { get; } = buffer;

    public int PayloadLength { get; } = payloadLength;

    public ReadOnlySpan<byte> Payload => Buffer.AsSpan(PayloadOffset, PayloadLength);

    public byte MessageNumber => Buffer[PayloadOffset];

    /// <summary>A packet around a payload built elsewhere (tests, small fixed messages).</summary>
    public static OutgoingPacket Copy(ReadOnlySpan<byte> payload)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PayloadOffset + payload.Length);
        payload.CopyTo(buffer.AsSpan(PayloadOffset));
        return new OutgoingPacket(buffer, payload.Length);
    }

    public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
}
