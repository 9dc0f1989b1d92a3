namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): packet_length encrypted under its own key,
/// a Poly1305 tag over the whole encrypted packet, no separate MAC. Block size 8, alignment without the length.
/// </summary>
internal sealed class ChaChaPolyPacketCipher(ReadOnlySpan<byte> key) : PacketCipher
{
    private readonly OpenSshChaChaPoly _aead = new(key);

    public override int BlockSize => 8;

    public override int TagLength => 16;

    public override bool AlignmentExcludesLength => true;

    public override void Seal(uint sequence, Span<byte> packet, Span<byte> tag) => _aead.Seal(sequence, packet, tag[..16]);

    public override uint ReadLength(uint sequence, Span<byte> prefix) => _aead.DecryptLength(sequence, prefix[..4]);

    public override bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag) => _aead.Open(sequence, packet, tag[..16]);

    public override void Dispose() => _aead.Dispose();
}
