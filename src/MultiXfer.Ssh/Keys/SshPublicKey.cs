using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// A public key in the SSH encoding of RFC 4253 §6.6. Keys hold only bytes, never OS key handles, so they need no
/// disposal and can sit in configuration for the life of the process; a .NET key object is made per verification.
/// </summary>
internal abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    /// <summary>NIST SP 800-131A disallows RSA signatures with keys below 2048 bits.</summary>
    public const int DefaultMinimumRsaBits = 2048;

    /// <summary>OpenSSH's own floor (SSH_RSA_MINIMUM_MODULUS_SIZE); a configured minimum below it is a mistake.</summary>
    public const int LowestMinimumRsaBits = 1024;

    private protected SshPublicKey(byte[] blob) => Blob = blob;

    public abstract string KeyType { get; }

    /// <summary>The public key blob, exactly as received or as it is sent; shared, so callers must not change it.</summary>
    public byte[] Blob { get; }

    /// <summary>What <c>ssh-keygen -l -E sha256</c> prints: SHA-256 of the blob, base64 without padding.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(Blob)).TrimEnd('=');

    /// <summary>
    /// Parses a blob completely: unknown types, trailing bytes, off-curve points and weak RSA keys are refused
    /// with a reason fit for a log line. Never throws for bad input.
    /// </summary>
    public static bool TryParse(
        ReadOnlySpan<byte> blob,
        [NotNullWhen(true)] out SshPublicKey? key,
        out string problem,
        int minimumRsaBits = DefaultMinimumRsaBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumRsaBits, LowestMinimumRsaBits);
        key = null;
        if (blob.Length > WireLimits.MaxKeyBlob)
        {
            problem = $"key blob longer than {WireLimits.MaxKeyBlob} bytes";
            return false;
        }

        try
        {
            var reader = new SshReader(blob);
            string type = reader.ReadAscii(KeyTypeNames.MaxNameLength, "key type");
            SshPublicKey parsed = type switch
            {
                KeyTypeNames.Ed25519 => Ed25519PublicKey.Read(ref reader),
                KeyTypeNames.Rsa => RsaPublicKey.Read(ref reader, minimumRsaBits),
                _ when EcdsaCurve.FromKeyType(type) is { } curve => EcdsaPublicKey.Read(ref reader, curve),
                _ => throw new FormatException($"unsupported key type {type}"),
            };
            if (!reader.IsAtEnd)
            {
                throw new FormatException($"{type} key blob has trailing data");
            }

            key = parsed;
            problem = "";
            return true;
        }
        catch (Exception e) when (e is SshProtocolException or FormatException or CryptographicException)
        {
            problem = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Checks a signature blob (RFC 4253 §6.6: string algorithm, string signature) over <paramref name="data"/>.
    /// The algorithm must be one this key type signs with and one the caller allows. Never throws for bad input.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob, IReadOnlySet<string> allowedSignatureAlgorithms)
    {
        try
        {
            var reader = new SshReader(signatureBlob);
            string algorithm = reader.ReadAscii(KeyTypeNames.MaxNameLength, "signature algorithm");
            var signature = reader.ReadString(WireLimits.MaxKeyBlob, "signature");
            return reader.IsAtEnd && allowedSignatureAlgorithms.Contains(algorithm) && VerifyCore(algorithm, data, signature);
        }
        catch (Exception e) when (e is SshProtocolException or FormatException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Verifies the inner signature; false when <paramref name="algorithm"/> does not belong to this key type.</summary>
    private protected abstract bool VerifyCore(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    public bool Equals(SshPublicKey? other) => other is not null && Blob.AsSpan().SequenceEqual(other.Blob);

    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Blob);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{KeyType} {Fingerprint}";
}
