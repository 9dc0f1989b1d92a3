using System.Security.Cryptography;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex §2): the client sends its ML-KEM-768 encapsulation key
/// followed by an X25519 value; the server answers with the ML-KEM ciphertext followed by its X25519 value.
/// K = SHA-256(ML-KEM secret || X25519 secret), encoded as a string, not an mpint. Offered only where the
/// platform's cryptography provides ML-KEM (<see cref="MLKem.IsSupported"/>).
/// </summary>
internal sealed class MlKemHybridKeyExchange() : SingleRoundKeyExchange("mlkem768x25519-sha256", HashAlgorithmName.SHA256)
{
    private static readonly MLKemAlgorithm Kem = MLKemAlgorithm.MLKem768;

    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEX_HYBRID_INIT");
        var clientInit = reader.ReadString(4096, "C_INIT");
        int kemKeyLength = Kem.EncapsulationKeySizeInBytes;
        if (clientInit.Length != kemKeyLength + 32)
        {
            throw Failed($"the client's hybrid value has {clientInit.Length} bytes, not {kemKeyLength + 32}");
        }

        var serverReply = new byte[Kem.CiphertextSizeInBytes + 32];
        Span<byte> secrets = stackalloc byte[Kem.SharedSecretSizeInBytes + 32];
        byte[]? x25519Private = null;
        try
        {
            using (var kem = ImportEncapsulationKey(clientInit[..kemKeyLength]))
            {
                kem.Encapsulate(serverReply.AsSpan(0, Kem.CiphertextSizeInBytes), secrets[..Kem.SharedSecretSizeInBytes]);
            }

            (x25519Private, var x25519Public) = Curve25519.GenerateKeyPair();
            x25519Public.CopyTo(serverReply, Kem.CiphertextSizeInBytes);
            if (!Curve25519.TryComputeSharedSecret(x25519Private, clientInit[kemKeyLength..], secrets[Kem.SharedSecretSizeInBytes..]))
            {
                throw Failed("the client's X25519 value is a low-order point");
            }

            return new Agreement(EncodeString(clientInit), EncodeString(serverReply), EncodeString(SHA256.HashData(secrets)));
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

    private static MLKem ImportEncapsulationKey(ReadOnlySpan<byte> key)
    {
        try
        {
            return MLKem.ImportEncapsulationKey(Kem, key);
        }
        catch (CryptographicException)
        {
            throw Failed("the client's ML-KEM encapsulation key is invalid");
        }
    }
}
