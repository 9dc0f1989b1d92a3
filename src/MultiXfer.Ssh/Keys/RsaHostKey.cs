using System.Numerics;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>An RSA private key; signs with RFC 8332's rsa-sha2-512 and rsa-sha2-256, and SHA-1 "ssh-rsa" for old clients.</summary>
internal sealed class RsaHostKey : SshHostKey
{
    private static readonly string[] Algorithms = [KeyTypeNames.RsaSha512, KeyTypeNames.RsaSha256, KeyTypeNames.Rsa];

    private readonly RSA _rsa;
    private readonly RsaPublicKey _publicKey;

    /// <summary>Takes ownership of <paramref name="rsa"/>.</summary>
    public RsaHostKey(RSA rsa)
    {
        _rsa = rsa;
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        _publicKey = new RsaPublicKey(parameters.Exponent, parameters.Modulus);
    }

    public override SshPublicKey PublicKey => _publicKey;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>
    /// A key from OpenSSH's fields (PROTOCOL.key: n, e, d, iqmp, p, q). .NET also wants the CRT exponents d mod (p-1)
    /// and d mod (q-1), and every CRT value exactly half the modulus length.
    /// </summary>
    internal static RsaHostKey FromComponents(
        ReadOnlySpan<byte> n,
        ReadOnlySpan<byte> e,
        ReadOnlySpan<byte> d,
        ReadOnlySpan<byte> p,
        ReadOnlySpan<byte> q,
        ReadOnlySpan<byte> iqmp)
    {
        var privateExponent = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        var primeP = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var primeQ = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        if (primeP <= BigInteger.One || primeQ <= BigInteger.One)
        {
            throw new FormatException("RSA prime is not above 1");
        }

        int half = (n.Length + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = n.ToArray(),
            Exponent = e.ToArray(),
            D = BigEndian.LeftPad(d, n.Length),
            P = BigEndian.LeftPad(p, half),
            Q = BigEndian.LeftPad(q, half),
            DP = BigEndian.LeftPad((privateExponent % (primeP - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
            DQ = BigEndian.LeftPad((privateExponent % (primeQ - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
            InverseQ = BigEndian.LeftPad(iqmp, half),
        };
        try
        {
            return new RsaHostKey(RSA.Create(parameters));
        }
        finally
        {
            Clear(parameters);
        }
    }

    /// <summary>Wipes the private values of exported or assembled parameters.</summary>
    internal static void Clear(RSAParameters parameters)
    {
        foreach (var secret in new[] { parameters.D, parameters.P, parameters.Q, parameters.DP, parameters.DQ, parameters.InverseQ })
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>n, e, d, p, q and the CRT values, for writing the key file.</summary>
    internal RSAParameters ExportParameters() => _rsa.ExportParameters(includePrivateParameters: true);

    public override void Dispose() => _rsa.Dispose();

    /// <summary>RFC 8332 §3: PKCS#1 v1.5; .NET already returns exactly the modulus length, as the RFC requires.</summary>
    private protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data)
    {
        var hash = algorithm switch
        {
            KeyTypeNames.RsaSha512 => HashAlgorithmName.SHA512,
            KeyTypeNames.RsaSha256 => HashAlgorithmName.SHA256,
            _ => HashAlgorithmName.SHA1,
        };
        return _rsa.SignData(data, hash, RSASignaturePadding.Pkcs1);
    }
}
