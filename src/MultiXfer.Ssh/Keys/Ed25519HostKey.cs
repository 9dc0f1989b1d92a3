using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>An Ed25519 private key (RFC 8709), held as its 32-byte RFC 8032 seed.</summary>
internal sealed class Ed25519HostKey : SshHostKey
{
    private static readonly string[] Algorithms = [KeyTypeNames.Ed25519];

    private readonly byte[] _privateKey;
    private readonly Ed25519PublicKey _publicKey;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="privateKey"/> and clears it on disposal.</summary>
    public Ed25519HostKey(byte[] privateKey)
    {
        _publicKey = new Ed25519PublicKey(Ed25519.PublicKeyFromPrivate(privateKey));
        _privateKey = privateKey;
    }

    public override SshPublicKey PublicKey => _publicKey;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>The seed, for writing the key file.</summary>
    internal ReadOnlySpan<byte> PrivateKey => _privateKey;

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        _disposed = true;
    }

    /// <summary>A cleared seed is still a valid seed, so use after disposal must fail loudly, as it does for .NET keys.</summary>
    private protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Ed25519.Sign(_privateKey, data);
    }
}
