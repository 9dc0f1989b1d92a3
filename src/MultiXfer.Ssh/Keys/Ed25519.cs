using System.Security.Cryptography;
using Bc = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// Ed25519 (RFC 8032 §5.1), the one primitive .NET lacks. BouncyCastle stays behind this class so it can be
/// swapped; every length is checked here because BouncyCastle indexes arrays without checking them itself.
/// </summary>
internal static class Ed25519
{
    public const int PrivateKeySize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    /// <summary>RFC 8032 §5.1.5: the private key is 32 random bytes (the seed OpenSSH stores first in its 64-byte "sk").</summary>
    public static byte[] GeneratePrivateKey() => RandomNumberGenerator.GetBytes(PrivateKeySize);

    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey)
    {
        var sk = Require(privateKey, PrivateKeySize, nameof(privateKey));
        var pk = new byte[PublicKeySize];
        Bc.GeneratePublicKey(sk, 0, pk, 0);
        CryptographicOperations.ZeroMemory(sk);
        return pk;
    }

    public static byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        var sk = Require(privateKey, PrivateKeySize, nameof(privateKey));
        var m = message.ToArray();
        var signature = new byte[SignatureSize];
        Bc.Sign(sk, 0, m, 0, m.Length, signature, 0);
        CryptographicOperations.ZeroMemory(sk);
        return signature;
    }

    /// <summary>False for a signature or key of the wrong length, an undecodable point or a non-canonical S.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        var m = message.ToArray();
        return Bc.Verify(signature.ToArray(), 0, publicKey.ToArray(), 0, m, 0, m.Length);
    }

    private static byte[] Require(ReadOnlySpan<byte> value, int length, string name) =>
        value.Length == length ? value.ToArray() : throw new ArgumentException($"Ed25519 {name} must be {length} bytes", name);
}
