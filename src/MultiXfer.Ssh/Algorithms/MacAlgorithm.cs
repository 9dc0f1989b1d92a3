using System.Security.Cryptography;

namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// An HMAC as SSH uses it (RFC 4253 §6.4, RFC 6668 hmac-sha2-*): the key is as long as the digest, the tag is the
/// whole digest. The *-etm@openssh.com variants MAC the ciphertext instead (OpenSSH PROTOCOL §1.6).
/// </summary>
internal sealed record MacAlgorithm(string Name, HashAlgorithmName Hash, int KeyLength, bool EncryptThenMac)
{
    public int TagLength => KeyLength;
}
