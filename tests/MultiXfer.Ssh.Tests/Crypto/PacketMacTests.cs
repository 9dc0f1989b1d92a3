using System.Security.Cryptography;
using System.Text;
using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

/// <summary>
/// The MAC of RFC 4253 §6.4 is HMAC(key, sequence_number || packet). Choosing a sequence number and packet whose
/// concatenation is an RFC 4231 / RFC 2202 test message turns those HMAC vectors into known answers for the
/// packet MAC, for encrypt-and-MAC (MAC over the plaintext) and encrypt-then-MAC (MAC over the ciphertext).
/// </summary>
public class PacketMacTests
{
    // RFC 4231 test case 2 and RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
    private static readonly byte[] JefeKey = Encoding.ASCII.GetBytes("Jefe");
    private const uint SequenceWhat = 0x77686174; // "what"
    private static readonly byte[] Rest = Encoding.ASCII.GetBytes(" do ya want for nothing?");

    public static TheoryData<string, string> Vectors => new()
    {
        { "SHA256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { "SHA512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
        { "SHA1", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypt_and_mac_tags_the_plaintext(string hash, string expected)
    {
        using var cipher = new CtrHmacPacketCipher(new AesCtr(new byte[16], new byte[16]), new HashAlgorithmName(hash), JefeKey,
            expected.Length / 2, encryptThenMac: false);
        byte[] packet = (byte[])Rest.Clone();
        var tag = new byte[expected.Length / 2];
        cipher.Seal(SequenceWhat, packet, tag);
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
        Assert.NotEqual(Rest, packet);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypt_then_mac_tags_the_ciphertext_with_the_length_in_clear(string hash, string expected)
    {
        // Under etm the MAC covers packet_length and the ciphertext: decrypting " do ya want for nothing?" with the same
        // key stream first makes the ciphertext equal the RFC message.
        byte[] key = new byte[16], iv = new byte[16];
        byte[] packet = (byte[])Rest.Clone();
        using (var keystream = new AesCtr(key, iv))
        {
            keystream.Transform(packet.AsSpan(4), packet.AsSpan(4));
        }

        using var cipher = new CtrHmacPacketCipher(new AesCtr(key, iv), new HashAlgorithmName(hash), JefeKey, expected.Length / 2,
            encryptThenMac: true);
        var tag = new byte[expected.Length / 2];
        cipher.Seal(SequenceWhat, packet, tag);
        Assert.Equal(Rest, packet);
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void Gcm_follows_the_RFC_5647_invocation_counter()
    {
        // Two packets with the IV's invocation counter at 2^64-1 then 0: the second must use the wrapped counter.
        byte[] key = RandomNumberGenerator.GetBytes(16);
        byte[] iv = Convert.FromHexString("0102030405060708090a0b0c").ToArray();
        iv.AsSpan(4).Fill(0xFF);
        using var cipher = new GcmPacketCipher(key, iv);
        byte[] first = [0, 0, 0, 12, 4, 94, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        byte[] second = (byte[])first.Clone();
        var tags = new byte[2][] { new byte[16], new byte[16] };
        cipher.Seal(0, first, tags[0]);
        cipher.Seal(1, second, tags[1]);

        using var reference = new AesGcm(key, 16);
        byte[] expected = new byte[12], expectedTag = new byte[16];
        byte[] nonce = Convert.FromHexString("010203040000000000000000");
        byte[] plaintext = [4, 94, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        byte[] lengthField = [0, 0, 0, 12];
        reference.Encrypt(nonce, plaintext, expected, expectedTag, lengthField);
        Assert.Equal(expected, second[4..]);
        Assert.Equal(expectedTag, tags[1]);
    }
}
