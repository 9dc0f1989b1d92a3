using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// One direction of chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): K_1 encrypts the 4-byte
/// packet_length on its own, K_2 encrypts the rest of the packet from block counter 1 and its block 0 keys the
/// Poly1305 tag over both ciphertexts. The nonce of both is the packet sequence number as a big-endian uint64.
/// Tags come from OpenSSL's vectorised Poly1305 where libcrypto 3 is there (<see cref="OpenSslPoly1305"/>), from
/// <see cref="Poly1305"/> otherwise.
/// </summary>
internal sealed class OpenSshChaChaPoly : IDisposable
{
    public const int KeySize = 64;
    public const int TagSize = Poly1305.TagSize;
    public const int LengthSize = 4;

    private readonly ChaCha20 _main;
    private readonly ChaCha20 _header;
    private readonly OpenSslPoly1305? _openSslPoly1305 = OpenSslPoly1305.TryCreate();

    /// <param name="key">The 64 bytes the key exchange derives: K_2 first, then K_1 ("Detailed Construction").</param>
    public OpenSshChaChaPoly(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"chacha20-poly1305@openssh.com takes {KeySize} bytes of key.", nameof(key));
        }

        _main = new ChaCha20(key[..32]);
        _header = new ChaCha20(key[32..]);
    }

    /// <summary>
    /// Encrypts <paramref name="packet"/> (packet_length, then padding_length, payload and padding) in place and
    /// writes the tag over the ciphertext.
    /// </summary>
    public void Seal(uint sequence, Span<byte> packet, Span<byte> tag16)
    {
        CheckPacket(packet);
        if (tag16.Length != TagSize)
        {
            throw new ArgumentException($"The tag is {TagSize} bytes.", nameof(tag16));
        }

        Span<byte> nonce = stackalloc byte[ChaCha20.NonceSize];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequence);
        Span<byte> polyKey = stackalloc byte[ChaCha20.BlockSize];
        _main.KeystreamBlock(nonce, 0, polyKey);

        _header.Transform(nonce, 0, packet[..LengthSize], packet[..LengthSize]);
        _main.Transform(nonce, 1, packet[LengthSize..], packet[LengthSize..]);
        if (_openSslPoly1305 is { } openSsl)
        {
            openSsl.Compute(polyKey[..Poly1305.KeySize], packet, tag16);
        }
        else
        {
            Poly1305.Compute(polyKey[..Poly1305.KeySize], packet, tag16);
        }

        CryptographicOperations.ZeroMemory(polyKey);
    }

    /// <summary>Decrypts packet_length from the first 4 bytes received; the MAC cannot be checked before the whole packet is in.</summary>
    public uint DecryptLength(uint sequence, ReadOnlySpan<byte> encryptedLength4)
    {
        if (encryptedLength4.Length != LengthSize)
        {
            throw new ArgumentException($"The encrypted packet_length is {LengthSize} bytes.", nameof(encryptedLength4));
        }

        Span<byte> nonce = stackalloc byte[ChaCha20.NonceSize];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequence);
        Span<byte> length = stackalloc byte[LengthSize];
        _header.Transform(nonce, 0, encryptedLength4, length);
        return BinaryPrimitives.ReadUInt32BigEndian(length);
    }

    /// <summary>
    /// Checks the tag over the received ciphertext (length field included) and only then decrypts the packet in place.
    /// Returns false, leaving the packet undefined, when the tag does not match.
    /// </summary>
    public bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag16)
    {
        CheckPacket(packet);
        Span<byte> nonce = stackalloc byte[ChaCha20.NonceSize];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequence);
        Span<byte> polyKey = stackalloc byte[ChaCha20.BlockSize];
        _main.KeystreamBlock(nonce, 0, polyKey);

        // "the MAC MUST be checked before decryption": nothing is decrypted for a forged packet.
        bool authentic = _openSslPoly1305 is { } openSsl
            ? openSsl.Verify(polyKey[..Poly1305.KeySize], packet, tag16)
            : Poly1305.Verify(polyKey[..Poly1305.KeySize], packet, tag16);
        CryptographicOperations.ZeroMemory(polyKey);
        if (!authentic)
        {
            return false;
        }

        _header.Transform(nonce, 0, packet[..LengthSize], packet[..LengthSize]);
        _main.Transform(nonce, 1, packet[LengthSize..], packet[LengthSize..]);
        return true;
    }

    public void Dispose() => _openSslPoly1305?.Dispose();

    private static void CheckPacket(Span<byte> packet)
    {
        if (packet.Length < LengthSize)
        {
            throw new ArgumentException($"A packet starts with its {LengthSize}-byte packet_length.", nameof(packet));
        }
    }
}
