using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// ecdh-sha2-nistp256/384/521 (RFC 5656 §4): public values are uncompressed SEC1 points; K is the x-coordinate of
/// the shared point as an mpint. A point not on the curve is refused when it is imported (§4, SEC1 3.2.2.1). The
/// curve, its hash (§6.2.1) and its point encoding are the ones ECDSA host keys use.
/// </summary>
internal sealed class EcdhKeyExchange(EcdsaCurve curve) : SingleRoundKeyExchange("ecdh-sha2-" + curve.Identifier, curve.Hash)
{
    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEX_ECDH_INIT");
        var point = reader.ReadString(256, "Q_C");
        using var clientKey = ImportPoint(point);
        using var serverKey = ECDiffieHellman.Create(curve.Curve);
        byte[] shared = serverKey.DeriveRawSecretAgreement(clientKey.PublicKey);
        try
        {
            var serverPoint = curve.EncodePoint(serverKey.ExportParameters(includePrivateParameters: false).Q);
            return new Agreement(EncodeString(point), EncodeString(serverPoint), EncodeMpint(shared));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private ECDiffieHellman ImportPoint(ReadOnlySpan<byte> point)
    {
        ECPoint q;
        try
        {
            q = curve.DecodePoint(point);
        }
        catch (FormatException)
        {
            throw Failed("the client's ECDH value is not an uncompressed point of the negotiated curve");
        }

        try
        {
            return ECDiffieHellman.Create(new ECParameters { Curve = curve.Curve, Q = q });
        }
        catch (CryptographicException)
        {
            throw Failed("the client's ECDH value is not a point on the curve");
        }
    }
}
