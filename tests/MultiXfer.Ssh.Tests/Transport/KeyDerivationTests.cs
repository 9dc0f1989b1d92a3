using System.Security.Cryptography;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Transport;

namespace MultiXfer.Ssh.Tests.Transport;

/// <summary>
/// RFC 4253 §7.2 key derivation against NIST CAVS 14.1 SSH KDF vectors (as OpenSSL's evpkdf_ssh.txt carries them):
/// K is given mpint-encoded, as the exchange hands it over.
/// </summary>
public class KeyDerivationTests
{
    private const string Sha1Key = "0000008055bae931c07fd824bf10add1902b6fbc7c665347383498a686929ff5a25f8e40cb6645ea814fb1a5e0a11f852f86255641e5ed986e8"
        + "3a78bc8269480eac0b0dfd770cab92e7a28dd87ff452466d6ae867cead63b366b1c286e6c4811a9f14c27aea14c5171d49b78c06e3735d36e6a3be321dd5fc82308f34"
        + "ee1cb17fba94a59";

    private const string Sha256Key = "0000008100831889c603d4dc01d0d9f19f07ccadb6a9fa7662305277d59efbc872f38325de2ec2151f58649f5fd15ff3a099f0191dca6"
        + "9be0b9c88ef729fe74af849cc8e7479f8a5406842af88e12167607103cda449a1394c86b2c21d4083cdee216f74078d4e878b352df901727870815528ae99f74f25c2"
        + "1a8a39772940d871badb39a6";

    public static TheoryData<string, string, string, string, char, string> Vectors => new()
    {
        // SHA-1, H = session id; C and D are longer than one digest, so the extension rule (K1 || K2 ...) is exercised.
        { "SHA1", Sha1Key, "a4ebd45934f56792b5112dcd75a1075fdc889245", "a4ebd45934f56792b5112dcd75a1075fdc889245", 'A', "e2f627c0b43f1ac1" },
        { "SHA1", Sha1Key, "a4ebd45934f56792b5112dcd75a1075fdc889245", "a4ebd45934f56792b5112dcd75a1075fdc889245", 'C',
            "1ca9d310f86d51f6cb8e7007cb2b220d55c5281ce680b533" },
        { "SHA1", Sha1Key, "a4ebd45934f56792b5112dcd75a1075fdc889245", "a4ebd45934f56792b5112dcd75a1075fdc889245", 'D',
            "2c60df8603d34cc1dbb03c11f725a44b44008851c73d6844" },
        { "SHA1", Sha1Key, "a4ebd45934f56792b5112dcd75a1075fdc889245", "a4ebd45934f56792b5112dcd75a1075fdc889245", 'F',
            "e3e2fdb9d7bc21165a3dbe47e1eceb7764390bab" },

        // SHA-256 with a session id different from H (a rekey).
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'A', "3aa08d67c81310b7" },
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'B', "cf46596878a17a87" },
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'C', "871db438b8b33c2102ddab0c1f7be51ee4c2cbdf52a01a58" },
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'D', "04ac13599b84c22be0f1e5f7b96def31598e6ad36be412e8" },
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'E',
            "f00c83a8afb5d1793749d4aae825b80e67ccd7f67e08f572222ccf42126ea2f0" },
        { "SHA256", Sha256Key, "f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1",
            "15bd2e8c86d23eace4a581377ef8a3f5266dbd081cfcd01ab2b68506438228a2", 'F',
            "df0570749d67136095b0dda6d461676b7eeb9a386f126306d436cab16dfd1b3c" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Derives_the_CAVS_keys(string hash, string key, string exchangeHash, string sessionId, char letter, string expected)
    {
        var outcome = new KexOutcome(Convert.FromHexString(key), Convert.FromHexString(exchangeHash));
        byte[] derived = KeyDerivation.Derive(new HashAlgorithmName(hash), outcome, Convert.FromHexString(sessionId), letter, expected.Length / 2);
        Assert.Equal(expected, Convert.ToHexStringLower(derived));
    }

    [Fact]
    public void Longer_keys_extend_by_hashing_what_came_before()
    {
        // A 64-byte chacha20-poly1305 key from SHA-256: K1 || HASH(K || H || K1), per RFC 4253 §7.2.
        var outcome = new KexOutcome(Convert.FromHexString(Sha256Key), Convert.FromHexString("f77992d066bc305419a6c1b0879008856287b95ec20c2b1be5a5c8189cadbbb1"));
        byte[] session = RandomNumberGenerator.GetBytes(32);
        byte[] key = KeyDerivation.Derive(HashAlgorithmName.SHA256, outcome, session, 'C', 64);
        byte[] first = SHA256.HashData([.. outcome.EncodedSecret, .. outcome.ExchangeHash, (byte)'C', .. session]);
        byte[] second = SHA256.HashData([.. outcome.EncodedSecret, .. outcome.ExchangeHash, .. first]);
        Assert.Equal([.. first, .. second], key);
    }
}
