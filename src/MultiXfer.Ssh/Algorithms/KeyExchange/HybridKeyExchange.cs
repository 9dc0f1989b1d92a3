using System.Security.Cryptography;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// A post-quantum KEM combined with X25519, one message each way: the client sends its KEM public key followed by
/// its X25519 value (message 30); the server answers with the KEM ciphertext followed by its X25519 value (31).
/// K = HASH(KEM secret || X25519 secret), encoded as a string, not an mpint. Both methods share this shape:
/// mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex §2.1-2.4) and sntrup761x25519-sha512
/// (draft-josefsson-ntruprime-ssh §2, OpenSSH's kexsntrup761x25519.c).
/// </summary>
internal sealed class HybridKeyExchange(string name, HashAlgorithmName hash, PostQuantumKem kem) : SingleRoundKeyExchange(name, hash)
{
    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEX_HYBRID_INIT");
        var clientInit = reader.ReadString(4096, "C_INIT");
        int kemKeyLength = kem.PublicKeySize;
        if (clientInit.Length != kemKeyLength + Curve25519.KeySize)
        {
            throw Failed($"the client's hybrid value has {clientInit.Length} bytes, not {kemKeyLength + Curve25519.KeySize}");
        }

        var serverReply = new byte[kem.CiphertextSize + Curve25519.KeySize];
        Span<byte> secrets = stackalloc byte[kem.SecretSize + Curve25519.KeySize];
        byte[]? x25519Private = null;
        try
        {
            if (!kem.TryEncapsulate(clientInit[..kemKeyLength], serverReply.AsSpan(0, kem.CiphertextSize), secrets[..kem.SecretSize]))
            {
                throw Failed("the client's KEM public key is invalid");
            }

            (x25519Private, var x25519Public) = Curve25519.GenerateKeyPair();
            x25519Public.CopyTo(serverReply, kem.CiphertextSize);
            // RFC 8731 §3, which both drafts adopt: an all-zero X25519 result aborts the exchange.
            if (!Curve25519.TryComputeSharedSecret(x25519Private, clientInit[kemKeyLength..], secrets[kem.SecretSize..]))
            {
                throw Failed("the client's X25519 value is a low-order point");
            }

            return new Agreement(EncodeString(clientInit), EncodeString(serverReply), EncodeString(CryptographicOperations.HashData(Hash, secrets)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
            if (x25519Private is not null)
            {
                CryptographicOperations.ZeroMemory(x25519Private);
            }
        }
    }
}
