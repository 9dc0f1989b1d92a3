using System.Numerics;
using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>The finite-field arithmetic of RFC 4253 §8 shared by fixed groups and group exchange.</summary>
internal static class DiffieHellman
{
    /// <summary>
    /// Our exponent y has 512 bits: twice the 256-bit strength of the strongest cipher keys, as OpenSSH sizes it,
    /// and far cheaper than a full-size exponent in 8192-bit groups.
    /// </summary>
    private const int ExponentBytes = 64;

    /// <summary>Reads e and checks 1 &lt; e &lt; p-1 (RFC 4253 §8: values outside must not be accepted).</summary>
    public static BigInteger ReadPublicValue(ref SshReader reader, DhGroup group)
    {
        var bytes = reader.ReadPositiveMpint(group.Bits / 8 + 1, "e");
        var e = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        if (e <= BigInteger.One || e >= group.Prime - BigInteger.One)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "the client's Diffie-Hellman value is out of range");
        }

        return e;
    }

    /// <summary>Returns f = g^y mod p and K = e^y mod p for a fresh random y.</summary>
    public static (BigInteger F, BigInteger K) Agree(DhGroup group, BigInteger e)
    {
        Span<byte> random = stackalloc byte[ExponentBytes];
        RandomNumberGenerator.Fill(random);
        var y = new BigInteger(random, isUnsigned: true, isBigEndian: true) | BigInteger.One;
        CryptographicOperations.ZeroMemory(random);
        var f = BigInteger.ModPow(DhGroup.Generator, y, group.Prime);
        var k = BigInteger.ModPow(e, y, group.Prime);
        if (k <= BigInteger.One || k >= group.Prime - BigInteger.One)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "the Diffie-Hellman result is degenerate");
        }

        return (f, k);
    }

    public static byte[] EncodeMpint(BigInteger value)
    {
        using var writer = new SshWriter(value.GetByteCount() + 4);
        writer.WriteMpint(value);
        return writer.ToArray();
    }
}
