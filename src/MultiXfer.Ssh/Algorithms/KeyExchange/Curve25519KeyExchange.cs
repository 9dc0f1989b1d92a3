using System.Security.Cryptography;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// curve25519-sha256 and its older name curve25519-sha256@libssh.org (RFC 8731): X25519 public values as 32-byte
/// strings; K is the X25519 output read as an unsigned big-endian integer and encoded as an mpint (§3.1).
/// </summary>
internal sealed class Curve25519KeyExchange(string name) : SingleRoundKeyExchange(name, HashAlgorithmName.SHA256)
{
    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEX_ECDH_INIT");
        var clientPublic = reader.ReadString(64, "Q_C");
        if (clientPublic.Length != 32)
        {
            throw Failed($"the client's X25519 value has {clientPublic.Length} bytes, not 32 (RFC 8731 §3)");
        }

        var (privateKey, publicKey) = Curve25519.GenerateKeyPair();
        Span<byte> shared = stackalloc byte[32];
        try
        {
            // RFC 8731 §3: an all-zero result (a low-order client value) must abort the exchange.
            if (!Curve25519.TryComputeSharedSecret(privateKey, clientPublic, shared))
            {
                throw Failed("the client's X25519 value is a low-order point");
            }

            return new Agreement(EncodeString(clientPublic), EncodeString(publicKey), EncodeMpint(shared));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(shared);
        }
    }
}
