using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// X25519 (RFC 7748 §5) for curve25519-sha256 key exchange (RFC 8731). .NET has no X25519, so this wraps
/// BouncyCastle.Cryptography; it is the only file that references it for X25519, so it can be replaced here alone.
/// </summary>
internal static class Curve25519
{
    public const int KeySize = 32;

    /// <summary>
    /// A random 32-byte private key (RFC 7748 §6.1) and its public key, X25519(k, 9). The scalar is clamped when used,
    /// as §5 prescribes, so it is kept as drawn.
    /// </summary>
    public static (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        byte[] privateKey = RandomNumberGenerator.GetBytes(KeySize);
        byte[] publicKey = new byte[KeySize];
        X25519.ScalarMultBase(privateKey, 0, publicKey, 0);
        return (privateKey, publicKey);
    }

    /// <summary>
    /// X25519(privateKey, peerPublicKey). False, with the output cleared, when a length is not 32 or the result is all
    /// zeros: RFC 7748 §6.1 has the exchange fail when the peer's point has small order and forces that value.
    /// </summary>
    public static bool TryComputeSharedSecret(
        ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> peerPublicKey32, Span<byte> sharedSecret32)
    {
        if (privateKey32.Length != KeySize || peerPublicKey32.Length != KeySize || sharedSecret32.Length != KeySize)
        {
            sharedSecret32.Clear();
            return false;
        }

        byte[] scalar = privateKey32.ToArray();
        byte[] result = new byte[KeySize];
        try
        {
            X25519.ScalarMult(scalar, 0, peerPublicKey32.ToArray(), 0, result, 0);

            // The comparison with zero runs in constant time so the timing says nothing about the secret's bytes.
            if (CryptographicOperations.FixedTimeEquals(result, stackalloc byte[KeySize]))
            {
                sharedSecret32.Clear();
                return false;
            }

            result.CopyTo(sharedSecret32);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
            CryptographicOperations.ZeroMemory(result);
        }
    }
}
