using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// What every method hashes before its own fields (RFC 4253 §8: V_C, V_S, I_C, I_S, K_S), and the host key that
/// signs the result with the negotiated signature algorithm. K_S is the host key's blob, or its certificate's.
/// </summary>
internal sealed class KexInputs(byte[] clientVersion, byte[] serverVersion, byte[] clientKexInit, byte[] serverKexInit,
    SshHostKey hostKey, byte[] hostKeyBlob, string signatureAlgorithm)
{
    public byte[] HostKeyBlob { get; } = hostKeyBlob;

    /// <summary>H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S || method fields || K).</summary>
    public byte[] ExchangeHash(HashAlgorithmName hash, ReadOnlySpan<byte> methodFields, ReadOnlySpan<byte> encodedSecret)
    {
        using var data = new SshWriter(clientKexInit.Length + serverKexInit.Length + HostKeyBlob.Length + methodFields.Length + 512);
        data.WriteString(clientVersion);
        data.WriteString(serverVersion);
        data.WriteString(clientKexInit);
        data.WriteString(serverKexInit);
        data.WriteString(HostKeyBlob);
        data.WriteBytes(methodFields);
        data.WriteBytes(encodedSecret);
        return CryptographicOperations.HashData(hash, data.Written);
    }

    public byte[] Sign(ReadOnlySpan<byte> exchangeHash) => hostKey.Sign(signatureAlgorithm, exchangeHash);
}
