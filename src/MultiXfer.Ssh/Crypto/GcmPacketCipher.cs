using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647 §7, OpenSSH PROTOCOL §1.6): packet_length is sent in
/// clear as additional authenticated data; the 12-byte nonce is a fixed 4-byte field followed by a 64-bit
/// invocation counter that advances by one per packet.
/// </summary>
internal sealed class GcmPacketCipher : PacketCipher
{
    private const int TagSize = 16;
    private readonly AesGcm _gcm;
    private readonly byte[] _nonce;

    public GcmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (iv.Length != 12)
        {
            throw new ArgumentException("AES-GCM needs a 12-byte IV", nameof(iv));
        }

        _gcm = new AesGcm(key, TagSize);
        _nonce = iv.ToArray();
    }

    public override int BlockSize => 16;

    public override int TagLength => TagSize;

    public override bool AlignmentExcludesLength => true;

    public override void Seal(uint sequence, Span<byte> packet, Span<byte> tag)
    {
        var body = packet[4..];
        _gcm.Encrypt(_nonce, body, body, tag[..TagSize], packet[..4]);
        AdvanceInvocationCounter();
    }

    public override uint ReadLength(uint sequence, Span<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    public override bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        var body = packet[4..];
        try
        {
            _gcm.Decrypt(_nonce, body, tag[..TagSize], body, packet[..4]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        AdvanceInvocationCounter();
        return true;
    }

    public override void Dispose() => _gcm.Dispose();

    /// <summary>RFC 5647 §7.1: the invocation counter is the low 64 bits, incremented modulo 2^64.</summary>
    private void AdvanceInvocationCounter()
    {
        var counter = _nonce.AsSpan(4, 8);
        BinaryPrimitives.WriteUInt64BigEndian(counter, BinaryPrimitives.ReadUInt64BigEndian(counter) + 1);
    }
}
