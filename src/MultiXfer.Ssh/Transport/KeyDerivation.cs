using System.Security.Cryptography;
using MultiXfer.Ssh.Algorithms.KeyExchange;

namespace MultiXfer.Ssh.Transport;

/// <summary>
/// RFC 4253 §7.2: each key is HASH(K || H || letter || session_id), extended by HASH(K || H || K1 || ...) until
/// long enough. K arrives already encoded (mpint or string) as the method hashed it.
/// </summary>
internal static class KeyDerivation
{
    public const char IvClientToServer = 'A';
    public const char IvServerToClient = 'B';
    public const char KeyClientToServer = 'C';
    public const char KeyServerToClient = 'D';
    public const char MacClientToServer = 'E';
    public const char MacServerToClient = 'F';

    public static byte[] Derive(HashAlgorithmName hash, KexOutcome outcome, byte[] sessionId, char letter, int length)
    {
        var key = new byte[length];
        if (length == 0)
        {
            return key;
        }

        byte[] first = Hash(hash, [outcome.EncodedSecret, outcome.ExchangeHash, [(byte)letter], sessionId]);
        int filled = Math.Min(first.Length, length);
        first.AsSpan(0, filled).CopyTo(key);
        var soFar = new List<byte[]> { outcome.EncodedSecret, outcome.ExchangeHash, first };
        while (filled < length)
        {
            byte[] next = Hash(hash, soFar);
            int take = Math.Min(next.Length, length - filled);
            next.AsSpan(0, take).CopyTo(key.AsSpan(filled));
            filled += take;
            soFar.Add(next);
        }

        foreach (var part in soFar.Skip(2))
        {
            CryptographicOperations.ZeroMemory(part);
        }

        return key;
    }

    private static byte[] Hash(HashAlgorithmName hash, IEnumerable<byte[]> parts)
    {
        using var digest = IncrementalHash.CreateHash(hash);
        foreach (var part in parts)
        {
            digest.AppendData(part);
        }

        return digest.GetHashAndReset();
    }
}
