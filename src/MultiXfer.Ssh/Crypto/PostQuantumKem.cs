namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// The server's half of a key-encapsulation mechanism in a hybrid SSH key exchange: take the client's public key,
/// return a ciphertext for it and the shared secret. Sizes are fixed per mechanism and checked here, before any
/// library sees the bytes (BouncyCastle's constructors index arrays without checking their lengths).
/// </summary>
internal abstract class PostQuantumKem
{
    public abstract int PublicKeySize { get; }

    public abstract int CiphertextSize { get; }

    public abstract int SecretSize { get; }

    /// <summary>
    /// Encapsulates a fresh secret to <paramref name="publicKey"/>. False, with both outputs cleared, when a length
    /// is wrong or the key is not a valid key of this mechanism.
    /// </summary>
    public bool TryEncapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> secret)
    {
        if (publicKey.Length != PublicKeySize || ciphertext.Length != CiphertextSize || secret.Length != SecretSize
            || !Encapsulate(publicKey, ciphertext, secret))
        {
            ciphertext.Clear();
            secret.Clear();
            return false;
        }

        return true;
    }

    /// <summary>Called with lengths already checked.</summary>
    protected abstract bool Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> secret);
}
