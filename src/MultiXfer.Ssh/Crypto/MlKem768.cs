using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// ML-KEM-768 (FIPS 203): .NET's <see cref="MLKem"/> where the platform's OpenSSL has it (3.5+), BouncyCastle's
/// otherwise (OpenSSL 3.0 has none). Both get the encapsulation-key check of FIPS 203 §7.2 first, so they refuse
/// the same keys.
/// </summary>
/// <param name="random">Only for known-answer tests: the source of the 32-byte message m (BouncyCastle is then used
/// even where the platform has ML-KEM, since .NET's takes no randomness).</param>
internal sealed class MlKem768(SecureRandom? random = null) : PostQuantumKem
{
    /// <summary>FIPS 203 §8, Table 3: ek is 384·k + 32 bytes, c is 32·(du·k + dv), K is 32, with k = 3.</summary>
    private const int K = 3;
    private const int Q = 3329;

    public override int PublicKeySize => (384 * K) + 32;

    public override int CiphertextSize => 32 * ((10 * K) + 4);

    public override int SecretSize => 32;

    protected override bool Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> secret)
    {
        if (!CoefficientsAreReduced(publicKey[..(384 * K)]))
        {
            return false;
        }

        if (random is null && MLKem.IsSupported)
        {
            try
            {
                using var kem = MLKem.ImportEncapsulationKey(MLKemAlgorithm.MLKem768, publicKey);
                kem.Encapsulate(ciphertext, secret);
                return true;
            }
            catch (CryptographicException)
            {
                return false; // a key the platform refuses beyond the modulus check is a refused key, not a crash
            }
        }

        var encapsulator = new MLKemEncapsulator(MLKemParameters.ml_kem_768);
        var key = MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, publicKey.ToArray());
        encapsulator.Init(new ParametersWithRandom(key, random ?? new SecureRandom()));
        encapsulator.Encapsulate(ciphertext, secret);
        return true;
    }

    /// <summary>
    /// FIPS 203 §7.2 modulus check: the key's 12-bit coefficients, two in every three bytes, little-endian
    /// (ByteDecode12), must each be below q; a key failing it is refused rather than silently reduced.
    /// </summary>
    private static bool CoefficientsAreReduced(ReadOnlySpan<byte> encodedVector)
    {
        bool reduced = true;
        for (int i = 0; i < encodedVector.Length; i += 3)
        {
            int low = encodedVector[i] | ((encodedVector[i + 1] & 0x0F) << 8);
            int high = (encodedVector[i + 1] >> 4) | (encodedVector[i + 2] << 4);
            reduced &= low < Q & high < Q; // no early exit: the time does not depend on where a bad coefficient is
        }

        return reduced;
    }
}
