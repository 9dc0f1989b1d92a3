using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>RFC 8709 §4: string "ssh-ed25519", string key (32 bytes, RFC 8032 encoding).</summary>
internal sealed class Ed25519PublicKey : SshPublicKey
{
    private readonly byte[] _key;

    public Ed25519PublicKey(ReadOnlySpan<byte> key)
        : base(Encode(key))
    {
        _key = key.ToArray();
    }

    public override string KeyType => KeyTypeNames.Ed25519;

    /// <summary>The 32-byte encoded point.</summary>
    public ReadOnlySpan<byte> Key => _key;

    internal static Ed25519PublicKey Read(ref SshReader reader) => new(ReadKey(ref reader));

    /// <summary>The key string, here and inside an OpenSSH private key; only its length can be checked (RFC 8709 §4).</summary>
    internal static ReadOnlySpan<byte> ReadKey(ref SshReader reader)
    {
        var key = reader.ReadString();
        return key.Length == Ed25519.PublicKeySize
            ? key
            : throw new FormatException($"ssh-ed25519 public key is {key.Length} bytes, not {Ed25519.PublicKeySize}");
    }

    /// <summary>RFC 8709 §6: the signature is the 64-byte R || S of RFC 8032 §5.1.6, SHA-512 built in.</summary>
    private protected override bool VerifyCore(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        algorithm == KeyTypeNames.Ed25519 && Ed25519.Verify(_key, data, signature);

    private static byte[] Encode(ReadOnlySpan<byte> key)
    {
        if (key.Length != Ed25519.PublicKeySize)
        {
            throw new ArgumentException($"an Ed25519 public key is {Ed25519.PublicKeySize} bytes", nameof(key));
        }

        using var writer = new SshWriter(64);
        writer.WriteString(KeyTypeNames.Ed25519);
        writer.WriteString(key);
        return writer.ToArray();
    }
}
