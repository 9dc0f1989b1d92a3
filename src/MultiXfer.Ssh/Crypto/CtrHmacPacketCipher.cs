using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// AES-CTR (RFC 4344 §4) with an HMAC-SHA2 (RFC 6668) or HMAC-SHA1 MAC, in either order:
/// encrypt-and-MAC as RFC 4253 §6.4 defines it (MAC over the plaintext, packet_length encrypted), or
/// encrypt-then-MAC as OpenSSH's *-etm@openssh.com MACs do (PROTOCOL §1.6: packet_length in clear, MAC over the
/// ciphertext, checked before anything is decrypted).
/// </summary>
internal sealed class CtrHmacPacketCipher : PacketCipher
{
    private const int AesBlock = 16;
    private readonly AesCtr _cipher;
    private readonly IncrementalHash _mac;
    private readonly bool _encryptThenMac;
    private readonly int _tagLength;

    public CtrHmacPacketCipher(AesCtr cipher, HashAlgorithmName macHash, ReadOnlySpan<byte> macKey, int tagLength, bool encryptThenMac)
    {
        _cipher = cipher;
        _mac = IncrementalHash.CreateHMAC(macHash, macKey);
        _tagLength = tagLength;
        _encryptThenMac = encryptThenMac;
    }

    public override int BlockSize => AesBlock;

    public override int TagLength => _tagLength;

    public override bool AlignmentExcludesLength => _encryptThenMac;

    /// <summary>Encrypt-and-MAC encrypts packet_length inside the first block, so a whole block is needed to read it.</summary>
    public override int LengthPrefixBytes => _encryptThenMac ? 4 : AesBlock;

    public override void Seal(uint sequence, Span<byte> packet, Span<byte> tag)
    {
        if (_encryptThenMac)
        {
            _cipher.Transform(packet[4..], packet[4..]);
            ComputeMac(sequence, packet, tag);
        }
        else
        {
            ComputeMac(sequence, packet, tag);
            _cipher.Transform(packet, packet);
        }
    }

    public override uint ReadLength(uint sequence, Span<byte> prefix)
    {
        if (!_encryptThenMac)
        {
            _cipher.Transform(prefix[..AesBlock], prefix[..AesBlock]);
        }

        return BinaryPrimitives.ReadUInt32BigEndian(prefix);
    }

    public override bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[64];
        expected = expected[.._tagLength];
        if (_encryptThenMac)
        {
            ComputeMac(sequence, packet, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, tag[.._tagLength]))
            {
                return false;
            }

            _cipher.Transform(packet[4..], packet[4..]);
            return true;
        }

        // The first block was decrypted by ReadLength.
        _cipher.Transform(packet[AesBlock..], packet[AesBlock..]);
        ComputeMac(sequence, packet, expected);
        return CryptographicOperations.FixedTimeEquals(expected, tag[.._tagLength]);
    }

    public override void Dispose()
    {
        _cipher.Dispose();
        _mac.Dispose();
    }

    /// <summary>RFC 4253 §6.4: mac = MAC(key, sequence_number || packet), truncated to the MAC's length.</summary>
    private void ComputeMac(uint sequence, ReadOnlySpan<byte> packet, Span<byte> tag)
    {
        Span<byte> sequenceBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sequenceBytes, sequence);
        _mac.AppendData(sequenceBytes);
        _mac.AppendData(packet);
        Span<byte> full = stackalloc byte[64];
        int written = _mac.GetHashAndReset(full);
        full[..Math.Min(written, tag.Length)].CopyTo(tag);
    }
}
