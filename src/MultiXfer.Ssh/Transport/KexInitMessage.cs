using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>SSH_MSG_KEXINIT (RFC 4253 §7.1) and its raw payload, which the exchange hash includes as I_C or I_S.</summary>
internal sealed class KexInitMessage
{
    public required string[] KeyExchange { get; init; }

    public required string[] HostKey { get; init; }

    public required string[] CiphersClientToServer { get; init; }

    public required string[] CiphersServerToClient { get; init; }

    public required string[] MacsClientToServer { get; init; }

    public required string[] MacsServerToClient { get; init; }

    public required string[] CompressionClientToServer { get; init; }

    public required string[] CompressionServerToClient { get; init; }

    public bool FirstKexPacketFollows { get; init; }

    public required byte[] Payload { get; init; }

    public static KexInitMessage Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadByte();
        reader.ReadBytes(16);
        var message = new KexInitMessage
        {
            KeyExchange = reader.ReadNameList("kex_algorithms"),
            HostKey = reader.ReadNameList("server_host_key_algorithms"),
            CiphersClientToServer = reader.ReadNameList("encryption_algorithms_client_to_server"),
            CiphersServerToClient = reader.ReadNameList("encryption_algorithms_server_to_client"),
            MacsClientToServer = reader.ReadNameList("mac_algorithms_client_to_server"),
            MacsServerToClient = reader.ReadNameList("mac_algorithms_server_to_client"),
            CompressionClientToServer = reader.ReadNameList("compression_algorithms_client_to_server"),
            CompressionServerToClient = reader.ReadNameList("compression_algorithms_server_to_client"),
            FirstKexPacketFollows = ReadLanguagesThenFlag(ref reader),
            Payload = payload.ToArray(),
        };
        return message;
    }

    /// <summary>Builds our KEXINIT with a fresh random cookie; the same lists go in both directions.</summary>
    public static KexInitMessage Create(IEnumerable<string> keyExchange, IEnumerable<string> hostKey, IEnumerable<string> ciphers,
        IEnumerable<string> macs, IEnumerable<string> compression)
    {
        string[] kex = [.. keyExchange], keys = [.. hostKey], enc = [.. ciphers], mac = [.. macs], comp = [.. compression];
        using var writer = new SshWriter(1024);
        writer.WriteByte(MessageNumbers.KexInit);
        RandomNumberGenerator.Fill(writer.GetSpan(16));
        writer.WriteNameList(kex);
        writer.WriteNameList(keys);
        writer.WriteNameList(enc);
        writer.WriteNameList(enc);
        writer.WriteNameList(mac);
        writer.WriteNameList(mac);
        writer.WriteNameList(comp);
        writer.WriteNameList(comp);
        writer.WriteNameList([]);
        writer.WriteNameList([]);
        writer.WriteBoolean(false);
        writer.WriteUInt32(0);
        return new KexInitMessage
        {
            KeyExchange = kex,
            HostKey = keys,
            CiphersClientToServer = enc,
            CiphersServerToClient = enc,
            MacsClientToServer = mac,
            MacsServerToClient = mac,
            CompressionClientToServer = comp,
            CompressionServerToClient = comp,
            Payload = writer.ToArray(),
        };
    }

    private static bool ReadLanguagesThenFlag(ref SshReader reader)
    {
        reader.ReadNameList("languages_client_to_server");
        reader.ReadNameList("languages_server_to_client");
        bool follows = reader.ReadBoolean();
        reader.ReadUInt32();
        return follows;
    }
}
