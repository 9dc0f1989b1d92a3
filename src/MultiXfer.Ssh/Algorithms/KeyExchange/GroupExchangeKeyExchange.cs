using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Algorithms.KeyExchange;

/// <summary>
/// diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270): the client states the group sizes it accepts, the
/// server picks one of the RFC 3526 groups (never below 2048 bits, and 3072 or more whenever the client accepts
/// that: 2048-bit groups give only 112-bit strength), then the exchange runs as fixed-group DH.
/// </summary>
internal sealed class GroupExchangeKeyExchange() : KeyExchangeMethod("diffie-hellman-group-exchange-sha256", HashAlgorithmName.SHA256)
{
    /// <summary>RFC 4419 §3: requests are within 1024-8192 bits; RFC 8270 §3 raises the floor to 2048.</summary>
    private const uint SmallestBits = 2048;
    private const uint PreferredFloorBits = 3072;
    private const uint LargestBits = 8192;

    public override async Task<KexOutcome> RunAsync(IKexConversation conversation, KexInputs inputs, CancellationToken cancellationToken)
    {
        var (min, preferred, max) = ReadRequest((await conversation.ReceiveAsync(cancellationToken)).Span);
        var group = Choose(min, preferred, max);

        using (var groupMessage = SshWriter.ForPayload(MessageNumbers.KexDhGexGroup, group.Bits / 8 + 64))
        {
            groupMessage.WriteMpint(group.Prime);
            groupMessage.WriteMpint(DhGroup.Generator);
            conversation.Send(groupMessage.ToPacket());
        }

        var (e, f, k) = ReadInitAndAgree((await conversation.ReceiveAsync(cancellationToken)).Span, group);
        using var fields = new SshWriter(group.Bits / 4 + 64);
        fields.WriteUInt32(min);
        fields.WriteUInt32(preferred);
        fields.WriteUInt32(max);
        fields.WriteMpint(group.Prime);
        fields.WriteMpint(DhGroup.Generator);
        fields.WriteMpint(e);
        fields.WriteMpint(f);
        byte[] secret = DiffieHellman.EncodeMpint(k);
        byte[] exchangeHash = inputs.ExchangeHash(Hash, fields.Written, secret);

        using var reply = SshWriter.ForPayload(MessageNumbers.KexDhGexReply, group.Bits / 8 + 1024);
        reply.WriteString(inputs.HostKeyBlob);
        reply.WriteMpint(f);
        reply.WriteString(inputs.Sign(exchangeHash));
        conversation.Send(reply.ToPacket());
        return new KexOutcome(secret, exchangeHash);
    }

    private static (uint Min, uint Preferred, uint Max) ReadRequest(ReadOnlySpan<byte> message)
    {
        var reader = Expect(message, MessageNumbers.KexDhGexRequest, "SSH_MSG_KEX_DH_GEX_REQUEST");
        uint min = reader.ReadUInt32();
        uint preferred = reader.ReadUInt32();
        uint max = reader.ReadUInt32();
        if (min > preferred || preferred > max)
        {
            throw Failed($"group exchange request {min} <= {preferred} <= {max} is inconsistent");
        }

        return (min, preferred, max);
    }

    /// <summary>
    /// The smallest group of at least the preferred size (raised to 3072 bits) within the client's range, else the
    /// largest that fits.
    /// </summary>
    private static DhGroup Choose(uint min, uint preferred, uint max)
    {
        uint low = Math.Max(min, SmallestBits);
        uint high = Math.Min(max, LargestBits);
        var fitting = DhGroup.ForGroupExchange.Where(g => g.Bits >= low && g.Bits <= high).ToList();
        if (fitting.Count == 0)
        {
            throw Failed($"no group between {min} and {max} bits (this server offers 2048-8192)");
        }

        return fitting.FirstOrDefault(g => g.Bits >= Math.Max(preferred, PreferredFloorBits)) ?? fitting[^1];
    }

    private static (System.Numerics.BigInteger E, System.Numerics.BigInteger F, System.Numerics.BigInteger K) ReadInitAndAgree(
        ReadOnlySpan<byte> message, DhGroup group)
    {
        var reader = Expect(message, MessageNumbers.KexDhGexInit, "SSH_MSG_KEX_DH_GEX_INIT");
        var e = DiffieHellman.ReadPublicValue(ref reader, group);
        var (f, k) = DiffieHellman.Agree(group, e);
        return (e, f, k);
    }
}
