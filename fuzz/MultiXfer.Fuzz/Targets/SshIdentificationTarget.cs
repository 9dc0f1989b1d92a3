using MultiXfer.Fuzz.Support;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The first bytes of an SSH connection exactly as a client sends them, unframed, into a real SshSession: the
/// identification line (RFC 4253 §4.2: "SSH-2.0-softwareversion SP comments CR LF", at most 255 bytes, SSH-1.99
/// accepted, no lines before it from a client) read by PacketReader.ReadLineAsync and checked by
/// SshTransport.ExchangeIdentificationAsync, then whatever follows as the first binary packets (RFC 4253 §6, none
/// cipher) up to KEXINIT parsing (§7.1) and the strict-KEX first-packet rule. Rejections: SshProtocolException
/// (caught by SshSession) and the stream ending.
/// </summary>
internal static class SshIdentificationTarget
{
    public static void Run(byte[] data) =>
        SshSessionRun.Run("SSH identification", async (client, cancellationToken) => await client.WriteRawAsync(data, cancellationToken));
}
