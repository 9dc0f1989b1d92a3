using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// Streamlined NTRU Prime sntrup761 (the NTRU Prime round-3 KEM OpenSSH has used since 9.0) on BouncyCastle's
/// SNTRU Prime. The reference decoding takes any 1158-byte string as a public key (OpenSSH checks nothing more), so
/// the length is the whole check.
/// </summary>
/// <param name="random">Only for known-answer tests: the source of the encapsulated value.</param>
internal sealed class Sntrup761(SecureRandom? random = null) : PostQuantumKem
{
    public override int PublicKeySize => 1158;

    public override int CiphertextSize => 1039;

    public override int SecretSize => 32;

    protected override bool Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> secret)
    {
        var key = new SNtruPrimePublicKeyParameters(SNtruPrimeParameters.sntrup761, publicKey.ToArray());
        using var encapsulated = new SNtruPrimeKemGenerator(random ?? new SecureRandom()).GenerateEncapsulated(key);
        byte[] encapsulation = encapsulated.GetEncapsulation(), shared = encapsulated.GetSecret();
        try
        {
            if (encapsulation.Length != CiphertextSize || shared.Length != SecretSize)
            {
                return false;
            }

            encapsulation.CopyTo(ciphertext);
            shared.CopyTo(secret);
            return true;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(shared);
        }
    }
}
