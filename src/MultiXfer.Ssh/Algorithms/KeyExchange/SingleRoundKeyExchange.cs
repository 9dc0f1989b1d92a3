using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// The methods with one client message and one reply (RFC 4253 §8, RFC 5656 §4, RFC 8731 §3, the ML-KEM hybrid):
/// the client sends its public value in message 30; the server answers in message 31 with its host key, its own
/// public value and the signature over H. Methods differ only in how the two values make a shared secret.
/// </summary>
internal abstract class SingleRoundKeyExchange(string name, HashAlgorithmName hash) : KeyExchangeMethod(name, hash)
{
    public override async Task<KexOutcome> RunAsync(IKexConversation conversation, KexInputs inputs, CancellationToken cancellationToken)
    {
        var message = await conversation.ReceiveAsync(cancellationToken);
        var agreement = Agree(message.Span);
        try
        {
            var methodFields = new byte[agreement.ClientValue.Length + agreement.ServerValue.Length];
            agreement.ClientValue.CopyTo(methodFields, 0);
            agreement.ServerValue.CopyTo(methodFields, agreement.ClientValue.Length);
            byte[] exchangeHash = inputs.ExchangeHash(Hash, methodFields, agreement.EncodedSecret);

            using var reply = SshWriter.ForPayload(MessageNumbers.KexEcdhReply, 1024 + agreement.ServerValue.Length);
            reply.WriteString(inputs.HostKeyBlob);
            reply.WriteBytes(agreement.ServerValue);
            reply.WriteString(inputs.Sign(exchangeHash));
            conversation.Send(reply.ToPacket());
            return new KexOutcome(agreement.EncodedSecret, exchangeHash);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(agreement.EncodedSecret);
            throw;
        }
    }

    /// <summary>
    /// Reads the client's value from message 30 and computes ours and the secret. Values are returned in their
    /// wire encoding (string or mpint), which is also how the exchange hash contains them.
    /// </summary>
    protected abstract Agreement Agree(ReadOnlySpan<byte> clientMessage);

    protected sealed record Agreement(byte[] ClientValue, byte[] ServerValue, byte[] EncodedSecret);

    protected static byte[] EncodeString(ReadOnlySpan<byte> value)
    {
        using var writer = new SshWriter(value.Length + 4);
        writer.WriteString(value);
        return writer.ToArray();
    }

    protected static byte[] EncodeMpint(ReadOnlySpan<byte> unsignedBigEndian)
    {
        using var writer = new SshWriter(unsignedBigEndian.Length + 5);
        writer.WriteMpint(unsignedBigEndian);
        return writer.ToArray();
    }
}
