using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// An encryption algorithm and how much key and IV it takes from the key exchange (RFC 4253 §7.2). AEAD ciphers
/// authenticate by themselves, so the negotiated MAC is not used with them (RFC 5647 §5.1, OpenSSH PROTOCOL §1.6).
/// </summary>
internal abstract class CipherAlgorithm(string name, int keyLength, int ivLength, bool isAead)
{
    public string Name { get; } = name;

    public int KeyLength { get; } = keyLength;

    public int IvLength { get; } = ivLength;

    public bool IsAead { get; } = isAead;

    public abstract PacketCipher Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey);
}

/// <summary>aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344 §4) with a separate MAC.</summary>
internal sealed class AesCtrAlgorithm(string name, int keyLength) : CipherAlgorithm(name, keyLength, 16, isAead: false)
{
    public override PacketCipher Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return new CtrHmacPacketCipher(new AesCtr(key, iv), mac.Hash, macKey, mac.TagLength, mac.EncryptThenMac);
    }
}

/// <summary>aes128-gcm@openssh.com, aes256-gcm@openssh.com (RFC 5647 with OpenSSH's naming, PROTOCOL §1.6).</summary>
internal sealed class AesGcmAlgorithm(string name, int keyLength) : CipherAlgorithm(name, keyLength, 12, isAead: true)
{
    public override PacketCipher Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey) =>
        new GcmPacketCipher(key, iv);
}

/// <summary>chacha20-poly1305@openssh.com: 64 bytes of key, no IV (PROTOCOL.chacha20poly1305).</summary>
internal sealed class ChaChaPolyAlgorithm() : CipherAlgorithm("chacha20-poly1305@openssh.com", 64, 0, isAead: true)
{
    public override PacketCipher Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey) =>
        new ChaChaPolyPacketCipher(key);
}
