namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// The protection of one direction of a connection (RFC 4253 §6): encryption plus integrity, whatever the
/// negotiated combination. Packets are processed in place in the caller's buffer; no method allocates.
/// </summary>
internal abstract class PacketCipher : IDisposable
{
    /// <summary>Padding makes packets a multiple of this (RFC 4253 §6: the cipher block size or 8).</summary>
    public abstract int BlockSize { get; }

    /// <summary>Bytes of MAC or AEAD tag after each packet.</summary>
    public abstract int TagLength { get; }

    /// <summary>
    /// True when the 4-byte packet_length is not part of the padded, block-aligned region: encrypt-then-MAC and the
    /// AEAD modes authenticate it separately (OpenSSH PROTOCOL §1.6, RFC 5647 §7.3, PROTOCOL.chacha20poly1305).
    /// </summary>
    public abstract bool AlignmentExcludesLength { get; }

    /// <summary>How many bytes of an incoming packet are needed before its length can be known.</summary>
    public virtual int LengthPrefixBytes => 4;

    /// <summary>
    /// Encrypts <paramref name="packet"/> (packet_length onwards, all plaintext) in place and writes the tag.
    /// </summary>
    public abstract void Seal(uint sequence, Span<byte> packet, Span<byte> tag);

    /// <summary>
    /// Reads packet_length from the first <see cref="LengthPrefixBytes"/> received bytes. Ciphers that encrypt the
    /// length as part of the first block decrypt that block in place here, and <see cref="Open"/> continues after it.
    /// </summary>
    public abstract uint ReadLength(uint sequence, Span<byte> prefix);

    /// <summary>
    /// Authenticates and decrypts a whole received packet (packet_length onwards) in place. False means the MAC or
    /// tag did not verify; the content is then undefined and the connection must end.
    /// </summary>
    public abstract bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag);

    public virtual void Dispose()
    {
    }
}
