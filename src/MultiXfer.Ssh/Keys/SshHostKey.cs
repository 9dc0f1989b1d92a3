using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>A private key that signs for the server (RFC 4253 §8: the exchange hash; §6.6 signature encoding).</summary>
internal abstract class SshHostKey : IDisposable
{
    public string KeyType => PublicKey.KeyType;

    public abstract SshPublicKey PublicKey { get; }

    /// <summary>Signature algorithms this key can produce, most preferred first (RFC 8332 §3.1 for RSA).</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>A full signature blob (string algorithm, string signature) over <paramref name="data"/>.</summary>
    public byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        if (!SignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ArgumentException($"a {KeyType} key does not sign with {signatureAlgorithm}", nameof(signatureAlgorithm));
        }

        return SshSignature.Encode(signatureAlgorithm, SignCore(signatureAlgorithm, data));
    }

    /// <summary>
    /// A new key: "ed25519", "rsa" (3072 bits, ssh-keygen's default and NIST's 128-bit level), "ecdsa-nistp256",
    /// "ecdsa-nistp384" or "ecdsa-nistp521".
    /// </summary>
    public static SshHostKey Generate(string kind) => kind switch
    {
        "ed25519" => new Ed25519HostKey(Ed25519.GeneratePrivateKey()),
        "rsa" => new RsaHostKey(RSA.Create(3072)),
        "ecdsa-nistp256" => EcdsaHostKey.Generate(EcdsaCurve.NistP256),
        "ecdsa-nistp384" => EcdsaHostKey.Generate(EcdsaCurve.NistP384),
        "ecdsa-nistp521" => EcdsaHostKey.Generate(EcdsaCurve.NistP521),
        _ => throw new ArgumentException($"unknown host key kind {kind}", nameof(kind)),
    };

    public abstract void Dispose();

    /// <summary>The signature string inside the blob, for an algorithm already checked against <see cref="SignatureAlgorithms"/>.</summary>
    private protected abstract byte[] SignCore(string algorithm, ReadOnlySpan<byte> data);
}
