using System.Buffers.Binary;

namespace MultiXfer.Ssh.Crypto;

/// <summary>The protection before the first NEWKEYS: none (RFC 4253 §6.3 "none" cipher and §6.4 "none" MAC).</summary>
internal sealed class NoneCipher : PacketCipher
{
    public static NoneCipher Instance { get; } = new();

    public override int BlockSize => 8;

    public override int TagLength => 0;

    public override bool AlignmentExcludesLength => false;

    public override void Seal(uint sequence, Span<byte> packet, Span<byte> tag)
    {
    }

    public override uint ReadLength(uint sequence, Span<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    public override bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
}
