using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// diffie-hellman-group14-sha256, -group16-sha512 and -group18-sha512 (RFC 8268 §3, RFC 4253 §8): e and f are
/// mpints in messages 30 and 31 and in the hash.
/// </summary>
internal sealed class FixedGroupKeyExchange(string name, DhGroup group, HashAlgorithmName hash) : SingleRoundKeyExchange(name, hash)
{
    protected override Agreement Agree(ReadOnlySpan<byte> clientMessage)
    {
        var reader = Expect(clientMessage, MessageNumbers.KexEcdhInit, "SSH_MSG_KEXDH_INIT");
        var e = DiffieHellman.ReadPublicValue(ref reader, group);
        var (f, k) = DiffieHellman.Agree(group, e);
        return new Agreement(DiffieHellman.EncodeMpint(e), DiffieHellman.EncodeMpint(f), DiffieHellman.EncodeMpint(k));
    }
}
