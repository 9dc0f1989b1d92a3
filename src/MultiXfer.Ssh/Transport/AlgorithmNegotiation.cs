using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>The outcome of negotiation: one algorithm of each kind per direction ("in" is client to server).</summary>
internal sealed record NegotiatedAlgorithms(
    KeyExchangeMethod KeyExchange,
    HostKeyAlgorithm HostKey,
    CipherAlgorithm CipherIn,
    CipherAlgorithm CipherOut,
    MacAlgorithm? MacIn,
    MacAlgorithm? MacOut,
    string CompressionIn,
    string CompressionOut,
    bool IgnoreGuessedPacket);

/// <summary>
/// RFC 4253 §7.1: for each list the chosen algorithm is the first one in the client's list that the server also
/// offers. A MAC is not needed with an AEAD cipher (RFC 5647 §5.1).
/// </summary>
internal static class AlgorithmNegotiation
{
    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server, AlgorithmPolicy policy)
    {
        var keyExchange = First(client.KeyExchange, server.KeyExchange, name => policy.KeyExchanges.FirstOrDefault(k => k.Name == name),
            "key exchange");
        var hostKey = First(client.HostKey, server.HostKey, name => policy.HostKeys.FirstOrDefault(h => h.Name == name), "host key");
        var cipherIn = First(client.CiphersClientToServer, server.CiphersClientToServer, FindCipher, "cipher (client to server)");
        var cipherOut = First(client.CiphersServerToClient, server.CiphersServerToClient, FindCipher, "cipher (server to client)");
        var macIn = cipherIn.IsAead ? null : First(client.MacsClientToServer, server.MacsClientToServer, FindMac, "MAC (client to server)");
        var macOut = cipherOut.IsAead ? null : First(client.MacsServerToClient, server.MacsServerToClient, FindMac, "MAC (server to client)");
        string compressionIn = First(client.CompressionClientToServer, server.CompressionClientToServer, FindCompression,
            "compression (client to server)");
        string compressionOut = First(client.CompressionServerToClient, server.CompressionServerToClient, FindCompression,
            "compression (server to client)");

        // RFC 4253 §7: a guessed first kex packet is discarded unless both sides prefer the same kex and host key algorithm.
        bool wrongGuess = client.FirstKexPacketFollows
            && (client.KeyExchange.FirstOrDefault() != server.KeyExchange.FirstOrDefault()
                || client.HostKey.FirstOrDefault() != server.HostKey.FirstOrDefault());
        return new NegotiatedAlgorithms(keyExchange, hostKey, cipherIn, cipherOut, macIn, macOut, compressionIn, compressionOut, wrongGuess);

        CipherAlgorithm? FindCipher(string name) => policy.Ciphers.FirstOrDefault(c => c.Name == name);
        MacAlgorithm? FindMac(string name) => policy.Macs.FirstOrDefault(m => m.Name == name);
        string? FindCompression(string name) => policy.Compressions.FirstOrDefault(c => c == name);
    }

    private static T First<T>(string[] clientNames, string[] serverNames, Func<string, T?> find, string kind)
    {
        foreach (string name in clientNames)
        {
            if (serverNames.Contains(name) && find(name) is { } found)
            {
                return found;
            }
        }

        throw new NoCommonAlgorithmException(
            $"no matching {kind}: client offers {string.Join(",", clientNames)}; server offers {string.Join(",", serverNames)}");
    }
}
