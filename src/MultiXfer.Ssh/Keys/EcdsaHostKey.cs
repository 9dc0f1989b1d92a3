using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>An ECDSA private key on one of the RFC 5656 curves; signs with the curve's own hash (§6.2.1).</summary>
internal sealed class EcdsaHostKey : SshHostKey
{
    private readonly ECDsa _ecdsa;
    private readonly EcdsaPublicKey _publicKey;
    private readonly string[] _algorithms;

    /// <summary>Takes ownership of <paramref name="ecdsa"/>, which must be a key on <paramref name="curve"/>.</summary>
    public EcdsaHostKey(ECDsa ecdsa, EcdsaCurve curve)
    {
        _ecdsa = ecdsa;
        _publicKey = new EcdsaPublicKey(curve, ecdsa.ExportParameters(includePrivateParameters: false).Q);
        _algorithms = [curve.KeyType];
    }

    public override SshPublicKey PublicKey => _publicKey;

    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;

    public EcdsaCurve Curve => _publicKey.Curve;

    public static EcdsaHostKey Generate(EcdsaCurve curve) => new(ECDsa.Create(curve.Curve), curve);

    /// <summary>Q and d, for writing the key file.</summary>
    internal ECParameters ExportParameters() => _ecdsa.ExportParameters(includePrivateParameters: true);

    public override void Dispose() => _ecdsa.Dispose();

    private protected override byte[] SignCore(string algorithm, ReadOnlySpan<byte> data) =>
        SshSignature.EcdsaFromP1363(_ecdsa.SignData(data, Curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
}
