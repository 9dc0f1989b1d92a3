using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

public sealed class OpenSshChaChaPolyTests
{
    public static TheoryData<uint> Sequences => new() { 0, 1, 2, 0x7FFFFFFF, uint.MaxValue };

    [Fact]
    public void RoundTrip_ManySizes()
    {
        var random = new Random(4253);
        var key = ChaCha20Tests.Bytes(random, 64);
        var sender = new OpenSshChaChaPoly(key);
        var receiver = new OpenSshChaChaPoly(key);
        var sizes = Enumerable.Range(0, 300).Concat([511, 512, 1019, 1024, 4096, 16 * 1024, 32 * 1024, 32 * 1024 + 4, 35_000]);
        uint sequence = uint.MaxValue - 100;
        foreach (int size in sizes)
        {
            var plaintext = Packet(random, size);
            var packet = (byte[])plaintext.Clone();
            var tag = new byte[16];
            sender.Seal(sequence, packet, tag);
            Assert.False(plaintext.AsSpan(4).SequenceEqual(packet.AsSpan(4)) && size > 8, $"size {size} was not encrypted");

            Assert.Equal((uint)size, receiver.DecryptLength(sequence, packet.AsSpan(0, 4)));
            Assert.True(receiver.Open(sequence, packet, tag), $"size {size}");
            Assert.Equal(plaintext, packet);
            sequence++;
        }
    }

    /// <summary>
    /// Builds the packet by the text of PROTOCOL.chacha20poly1305 from BouncyCastle's original ChaCha20 and Poly1305:
    /// K_2 = key[0..32], K_1 = key[32..64]; nonce BE64(seq); Poly1305 key = first 32 bytes of K_2's stream, payload from
    /// K_2's block 1 on; the tag covers the encrypted length and the encrypted payload.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sequences))]
    public void MatchesIndependentConstructionFromBouncyCastle(uint sequence)
    {
        var random = new Random((int)sequence);
        var key = ChaCha20Tests.Bytes(random, 64);
        foreach (int size in new[] { 0, 1, 60, 61, 1000, 32 * 1024 })
        {
            var plaintext = Packet(random, size);
            var nonce = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(nonce, sequence);

            var header = new ChaChaEngine(20);
            header.Init(true, new ParametersWithIV(new KeyParameter(key[32..]), nonce));
            var expected = new byte[plaintext.Length];
            header.ProcessBytes(plaintext, 0, 4, expected, 0);
            var main = new ChaChaEngine(20);
            main.Init(true, new ParametersWithIV(new KeyParameter(key[..32]), nonce));
            var block0 = new byte[64];
            main.ProcessBytes(new byte[64], 0, 64, block0, 0);
            main.ProcessBytes(plaintext, 4, plaintext.Length - 4, expected, 4);
            var expectedTag = Poly1305Tests.BouncyCastle(block0[..32], expected);

            var packet = (byte[])plaintext.Clone();
            var tag = new byte[16];
            new OpenSshChaChaPoly(key).Seal(sequence, packet, tag);
            Assert.Equal(expected, packet);
            Assert.Equal(expectedTag, tag);
        }
    }

    [Theory]
    [MemberData(nameof(Sequences))]
    public void Open_RejectsAnyBitFlip_InLengthBodyOrTag_AndTheWrongSequence(uint sequence)
    {
        var random = new Random(99);
        var cipher = new OpenSshChaChaPoly(ChaCha20Tests.Bytes(random, 64));
        var plaintext = Packet(random, 100);
        var sealedPacket = (byte[])plaintext.Clone();
        var tag = new byte[16];
        cipher.Seal(sequence, sealedPacket, tag);

        for (int bit = 0; bit < (sealedPacket.Length + tag.Length) * 8; bit++)
        {
            var packet = (byte[])sealedPacket.Clone();
            var forgedTag = (byte[])tag.Clone();
            int index = bit / 8;
            if (index < packet.Length)
            {
                packet[index] ^= (byte)(1 << (bit % 8));
            }
            else
            {
                forgedTag[index - packet.Length] ^= (byte)(1 << (bit % 8));
            }

            Assert.False(cipher.Open(sequence, packet, forgedTag), $"bit {bit}");
        }

        var copy = (byte[])sealedPacket.Clone();
        Assert.False(cipher.Open(unchecked(sequence + 1), copy, tag));
        Assert.False(cipher.Open(sequence, copy, tag.AsSpan(0, 15)));
        Assert.True(cipher.Open(sequence, copy, tag));
        Assert.Equal(plaintext, copy);
    }

    [Fact]
    public void Open_LeavesARejectedPacketUndecrypted()
    {
        var random = new Random(5);
        var cipher = new OpenSshChaChaPoly(ChaCha20Tests.Bytes(random, 64));
        var packet = Packet(random, 200);
        var tag = new byte[16];
        cipher.Seal(9, packet, tag);
        tag[0] ^= 1;
        var received = (byte[])packet.Clone();
        Assert.False(cipher.Open(9, received, tag));
        Assert.Equal(packet, received);
    }

    [Fact]
    public void DecryptLength_UsesTheHeaderKeyAndLeavesItsInputAlone()
    {
        var key = ChaCha20Tests.Bytes(new Random(3), 64);
        var packet = Packet(new Random(4), 12345);
        var tag = new byte[16];
        new OpenSshChaChaPoly(key).Seal(77, packet, tag);
        var encryptedLength = packet[..4];

        // K_1 alone, counter 0, decrypts the length: a receiver that swapped the halves would not get 12345.
        var keystream = new byte[64];
        new ChaCha20(key.AsSpan(32)).KeystreamBlock(Nonce(77), 0, keystream);
        Assert.Equal(12345u, BinaryPrimitives.ReadUInt32BigEndian(Xor(encryptedLength, keystream)));

        Assert.Equal(12345u, new OpenSshChaChaPoly(key).DecryptLength(77, encryptedLength));
        Assert.Equal(packet[..4], encryptedLength);
        Assert.NotEqual(12345u, new OpenSshChaChaPoly(key).DecryptLength(78, encryptedLength));
    }

    /// <summary>
    /// The bench's alternative bulk path: .NET's IETF ChaCha20-Poly1305 with nonce 0^4 || BE64(seq) encrypts with the
    /// block counter starting at 1, i.e. state words 12-15 = (1, 0, seq words), which is OpenSSH's K_2 payload stream.
    /// Its own tag is ignored; calling Encrypt on ciphertext decrypts, in place too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sequences))]
    public void DotNetIetfChaCha20Poly1305Ciphertext_EqualsOpenSshPayloadStream(uint sequence)
    {
        Assert.True(ChaCha20Poly1305.IsSupported);
        var random = new Random(7539);
        var k2 = ChaCha20Tests.Bytes(random, 32);
        using var ietf = new ChaCha20Poly1305(k2);
        var ietfNonce = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(ietfNonce.AsSpan(4), sequence);
        var ignoredTag = new byte[16];
        foreach (int size in new[] { 0, 1, 63, 64, 65, 1000, 32 * 1024 })
        {
            var payload = ChaCha20Tests.Bytes(random, size);
            var expected = new byte[size];
            new ChaCha20(k2).Transform(Nonce(sequence), 1, payload, expected);

            var actual = (byte[])payload.Clone();
            ietf.Encrypt(ietfNonce, actual, actual, ignoredTag);
            Assert.Equal(expected, actual);
            ietf.Encrypt(ietfNonce, actual, actual, ignoredTag);
            Assert.Equal(payload, actual);
        }
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new OpenSshChaChaPoly(new byte[32]));
        Assert.Throws<ArgumentException>(() => new OpenSshChaChaPoly(new byte[65]));
        var cipher = new OpenSshChaChaPoly(new byte[64]);
        Assert.Throws<ArgumentException>(() => cipher.Seal(0, new byte[3], new byte[16]));
        Assert.Throws<ArgumentException>(() => cipher.Seal(0, new byte[8], new byte[15]));
        Assert.Throws<ArgumentException>(() => cipher.Open(0, new byte[3], new byte[16]));
        Assert.Throws<ArgumentException>(() => cipher.DecryptLength(0, new byte[3]));
    }

    /// <summary>packet_length (big-endian) followed by <paramref name="length"/> random bytes.</summary>
    private static byte[] Packet(Random random, int length)
    {
        var packet = new byte[4 + length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)length);
        random.NextBytes(packet.AsSpan(4));
        return packet;
    }

    private static byte[] Nonce(uint sequence)
    {
        var nonce = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequence);
        return nonce;
    }

    private static byte[] Xor(byte[] data, byte[] keystream) => data.Select((b, i) => (byte)(b ^ keystream[i])).ToArray();
}
