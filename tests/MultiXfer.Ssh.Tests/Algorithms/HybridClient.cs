using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace MultiXfer.Ssh.Tests.Algorithms;

/// <summary>The client's half of a hybrid key exchange's KEM: a fresh key pair, and decapsulation of the server's ciphertext.</summary>
internal sealed class HybridClient
{
    private readonly Func<byte[], byte[]> _decapsulate;

    private HybridClient(byte[] publicKey, int ciphertextSize, Func<byte[], byte[]> decapsulate)
    {
        PublicKey = publicKey;
        CiphertextSize = ciphertextSize;
        _decapsulate = decapsulate;
    }

    public byte[] PublicKey { get; }

    public int CiphertextSize { get; }

    public byte[] Decapsulate(byte[] ciphertext) => _decapsulate(ciphertext);

    public static HybridClient Create(string method) => method.StartsWith("mlkem", StringComparison.Ordinal) ? MlKem() : Sntrup();

    private static HybridClient MlKem()
    {
        if (System.Security.Cryptography.MLKem.IsSupported)
        {
            var kem = System.Security.Cryptography.MLKem.GenerateKey(MLKemAlgorithm.MLKem768);
            return new HybridClient(kem.ExportEncapsulationKey(), MLKemAlgorithm.MLKem768.CiphertextSizeInBytes, kem.Decapsulate);
        }

        var generator = new MLKemKeyPairGenerator();
        generator.Init(new MLKemKeyGenerationParameters(new SecureRandom(), MLKemParameters.ml_kem_768));
        var pair = generator.GenerateKeyPair();
        var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
        decapsulator.Init(pair.Private);
        return new HybridClient(((MLKemPublicKeyParameters)pair.Public).GetEncoded(), decapsulator.EncapsulationLength, ciphertext =>
        {
            var secret = new byte[decapsulator.SecretLength];
            decapsulator.Decapsulate(ciphertext, secret);
            return secret;
        });
    }

    private static HybridClient Sntrup()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
        var pair = generator.GenerateKeyPair();
        var extractor = new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)pair.Private);
        return new HybridClient(((SNtruPrimePublicKeyParameters)pair.Public).GetPublicKey(), extractor.EncapsulationLength, extractor.ExtractSecret);
    }
}
