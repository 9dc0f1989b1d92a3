using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>RFC 4253 §6.6: string "ssh-rsa", mpint e, mpint n; signed with RFC 8332's rsa-sha2-* or SHA-1 "ssh-rsa".</summary>
internal sealed class RsaPublicKey : SshPublicKey
{
    /// <summary>OpenSSL's and OpenSSH's limit (OPENSSL_RSA_MAX_MODULUS_BITS); keeps blobs under WireLimits.MaxKeyBlob.</summary>
    public const int MaxModulusBits = 16384;

    /// <summary>OpenSSL refuses exponents above 64 bits for moduli over 3072 bits (OPENSSL_RSA_MAX_PUBEXP_BITS); keys use 65537.</summary>
    private const int MaxExponentBytes = 8;

    private readonly RSAParameters _parameters;

    public RsaPublicKey(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
        : base(Encode(exponent, modulus))
    {
        _parameters = new RSAParameters
        {
            Exponent = exponent.TrimStart((byte)0).ToArray(),
            Modulus = modulus.TrimStart((byte)0).ToArray(),
        };
        if (BitLength > MaxModulusBits || (_parameters.Modulus[^1] & 1) == 0)
        {
            throw new FormatException($"RSA modulus is even or longer than {MaxModulusBits} bits");
        }

        // e = 1 makes the "signature" the message itself; an even e has no inverse modulo lcm(p-1, q-1).
        if (_parameters.Exponent.Length > MaxExponentBytes || (_parameters.Exponent[^1] & 1) == 0 ||
            (_parameters.Exponent.Length == 1 && _parameters.Exponent[0] < 3))
        {
            throw new FormatException("RSA public exponent is even, below 3 or longer than 64 bits");
        }

        using var validated = RSA.Create(_parameters);
    }

    public override string KeyType => KeyTypeNames.Rsa;

    /// <summary>Modulus size in bits, as <c>ssh-keygen -l</c> prints it.</summary>
    public int BitLength => BigEndian.BitLength(_parameters.Modulus);

    /// <summary>The size is checked before anything is imported, so a tiny modulus gets the clear minimum-size reason.</summary>
    internal static RsaPublicKey Read(ref SshReader reader, int minimumBits)
    {
        var exponent = reader.ReadPositiveMpint(MaxExponentBytes, "RSA exponent");
        var modulus = reader.ReadPositiveMpint(MaxModulusBits / 8, "RSA modulus");
        int bits = BigEndian.BitLength(modulus);
        return bits >= minimumBits
            ? new RsaPublicKey(exponent, modulus)
            : throw new FormatException($"RSA key of {bits} bits is below the minimum of {minimumBits} bits");
    }

    /// <summary>
    /// RFC 8332 §3: RSASSA-PKCS1-v1_5 with the hash the algorithm names. The signature should be as long as the modulus;
    /// OpenSSH accepts shorter ones (some signers drop leading zeros) by left-padding, and so do we, but never longer.
    /// </summary>
    private protected override bool VerifyCore(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        HashAlgorithmName? hash = algorithm switch
        {
            KeyTypeNames.RsaSha512 => HashAlgorithmName.SHA512,
            KeyTypeNames.RsaSha256 => HashAlgorithmName.SHA256,
            KeyTypeNames.Rsa => HashAlgorithmName.SHA1,
            _ => null,
        };
        int modulusLength = _parameters.Modulus!.Length;
        if (hash is null || signature.Length > modulusLength)
        {
            return false;
        }

        using var rsa = RSA.Create(_parameters);
        return rsa.VerifyData(data, BigEndian.LeftPad(signature, modulusLength), hash.Value, RSASignaturePadding.Pkcs1);
    }

    private static byte[] Encode(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        using var writer = new SshWriter(modulus.Length + 64);
        writer.WriteString(KeyTypeNames.Rsa);
        writer.WriteMpint(exponent);
        writer.WriteMpint(modulus);
        return writer.ToArray();
    }
}
