using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

/// <summary>
/// OpenSSL's Poly1305 as the chacha20-poly1305 cipher uses it: one context re-keyed for every message, giving
/// BouncyCastle's tags at every length, including those where its vectorised code switches paths (the RFC 8439
/// vectors and the bit-flip checks run against both implementations in Poly1305Tests).
/// </summary>
public sealed class OpenSslPoly1305Tests
{
    /// <summary>.NET on Linux needs libcrypto 3 for TLS, so the server always finds it here; the managed code is the fallback.</summary>
    internal static OpenSslPoly1305 Create() => OpenSslPoly1305.TryCreate() ?? throw new InvalidOperationException("libcrypto 3's POLY1305 did not load");

    [Fact]
    public void One_context_rekeyed_per_message_matches_BouncyCastle_at_every_length_up_to_600_and_at_packet_sizes()
    {
        var random = new Random(8439);
        using var poly = Create();
        var tag = new byte[16];
        int[] lengths = [.. Enumerable.Range(0, 601), 32_768 + 4 + 16, 35_000, 65_536, 262_144 + 9];
        foreach (int length in lengths)
        {
            var key = ChaCha20Tests.Bytes(random, 32);
            var message = ChaCha20Tests.Bytes(random, length);
            poly.Compute(key, message, tag);
            Assert.True(Poly1305Tests.BouncyCastle(key, message).AsSpan().SequenceEqual(tag), $"length {length}");
        }
    }

    [Fact]
    public void Extreme_keys_and_messages_match_the_managed_code()
    {
        using var poly = Create();
        var allOnes = Enumerable.Repeat((byte)0xFF, 70_000).ToArray();
        byte[][] keys = [Enumerable.Repeat((byte)0xFF, 32).ToArray(), new byte[32]];
        var expected = new byte[16];
        var tag = new byte[16];
        foreach (var key in keys)
        {
            foreach (var message in new[] { allOnes, allOnes[..17], allOnes[..32], allOnes[..4100] })
            {
                Poly1305.Compute(key, message, expected);
                poly.Compute(key, message, tag);
                Assert.Equal(expected, tag);
            }
        }
    }

    [Fact]
    public void Rejects_bad_key_and_tag_lengths()
    {
        using var poly = Create();
        Assert.Throws<ArgumentException>(() => poly.Compute(new byte[31], [], new byte[16]));
        Assert.Throws<ArgumentException>(() => poly.Compute(new byte[32], [], new byte[15]));
    }
}
