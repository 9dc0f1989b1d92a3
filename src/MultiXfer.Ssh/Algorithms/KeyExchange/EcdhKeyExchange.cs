using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// ecdh-sha2-nistp256/384/521 (RFC 5656 §4): public values are uncompressed SEC1 points; K is the x-coordinate of
/// the shared point as an mpint. A point not on the curve is refused when it is imported (§4, SEC1 3.2.2.1).
/// </summary>
internal sealed class EcdhKeyExchange(string name, ECCurve curve, int coordinateLength, HashAlgorithmName hash)
    : SingleRoundKeyExchange(name, hash)
{
    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEX_ECDH_INIT");
        var point = reader.ReadString(256, "Q_C");
        if (point.Length != 1 + 2 * coordinateLength || point[0] != 0x04)
        {
            throw Failed("the client's ECDH value is not an uncompressed point of the negotiated curve");
        }

        using var clientKey = ImportPoint(point);
        using var serverKey = ECDiffieHellman.Create(curve);
        byte[] shared = serverKey.DeriveRawSecretAgreement(clientKey.PublicKey);
        try
        {
            var ours = serverKey.ExportParameters(includePrivateParameters: false).Q;
            var serverPoint = new byte[1 + 2 * coordinateLength];
            serverPoint[0] = 0x04;
            ours.X!.CopyTo(serverPoint, 1);
            ours.Y!.CopyTo(serverPoint, 1 + coordinateLength);
            return new Agreement(EncodeString(point), EncodeString(serverPoint), EncodeMpint(shared));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private ECDiffieHellman ImportPoint(ReadOnlySpan<byte> point)
    {
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = curve,
                Q = new ECPoint { X = point.Slice(1, coordinateLength).ToArray(), Y = point.Slice(1 + coordinateLength).ToArray() },
            });
        }
        catch (CryptographicException)
        {
            throw Failed("the client's ECDH value is not a point on the curve");
        }
    }
}
