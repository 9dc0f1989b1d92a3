using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// One key exchange method: the server side of its messages (numbers 30-49). It returns the shared secret K,
/// already encoded as the method puts it into the hash (mpint, or string for the ML-KEM hybrid), and the
/// exchange hash H, which it has signed with the host key in its reply.
/// </summary>
internal abstract class KeyExchangeMethod(string name, HashAlgorithmName hash)
{
    public string Name { get; } = name;

    public HashAlgorithmName Hash { get; } = hash;

    public abstract Task<KexOutcome> RunAsync(IKexConversation conversation, KexInputs inputs, CancellationToken cancellationToken);

    /// <summary>Reads the message number a step expects, or ends the exchange.</summary>
    protected static SshReader Expect(ReadOnlySpan<byte> message, byte number, string name)
    {
        var reader = new SshReader(message);
        byte actual = reader.ReadByte();
        if (actual != number)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"expected {name} ({number}), received message {actual}");
        }

        return reader;
    }

    protected static SshProtocolException Failed(string why) => new(DisconnectReason.KeyExchangeFailed, why);
}

/// <summary>The key exchange's view of the transport: the next method message, and a way to send one.</summary>
internal interface IKexConversation
{
    ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken);

    void Send(OutgoingPacket packet);
}

/// <summary>What a completed method yields (RFC 4253 §7.2 inputs to key derivation).</summary>
internal sealed record KexOutcome(byte[] EncodedSecret, byte[] ExchangeHash);
