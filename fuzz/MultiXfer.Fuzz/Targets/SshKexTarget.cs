using MultiXfer.Fuzz.Support;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// Key exchange messages through the real transport (SshSession → SshTransport → the negotiated method):
/// SSH_MSG_KEXINIT and algorithm negotiation (RFC 4253 §7.1, first_kex_packet_follows, strict KEX from OpenSSH
/// PROTOCOL §1.10, ext-info-c RFC 8308), SSH_MSG_KEX_ECDH_INIT for curve25519-sha256 (RFC 8731) and
/// ecdh-sha2-nistp* (RFC 5656 §4), SSH_MSG_KEXDH_INIT for the fixed groups (RFC 8268), the group exchange request and
/// init (RFC 4419 §3 with RFC 8270's limits), the ML-KEM hybrid where the platform has it, NEWKEYS (§7.3), and the
/// generic messages in between (IGNORE, DEBUG, UNIMPLEMENTED, DISCONNECT, ping).
/// <para>
/// Byte 0 bit 0 = 0: after a fixed identification line every record is a payload framed in the clear, from the
/// very first packet, so the input is the client's whole unencrypted start. Bit 0 = 1: the harness's client first
/// completes a real key exchange (algorithms from bytes 1 and 2, see <see cref="ClientAlgorithms.From"/>), then the
/// records go encrypted: rekey KEXINITs and key exchange messages outside an exchange, and kind-2 records in which
/// the harness runs a whole rekey itself. Records are those of <see cref="SshRecord.Parse"/>.
/// </para>
/// </summary>
internal static class SshKexTarget
{
    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        byte mode = input.Byte();
        bool handshake = (mode & 1) != 0;
        var algorithms = handshake ? ClientAlgorithms.From(input.Byte(), input.Byte(), allowCompression: true) : null;
        var records = SshRecord.Parse(ref input, templates: handshake);
        SshSessionRun.Run("SSH key exchange", async (client, cancellationToken) =>
        {
            await client.SendIdentificationAsync(cancellationToken);
            if (algorithms is not null && !await client.KeyExchangeAsync(algorithms, cancellationToken))
            {
                return;
            }

            await SshRecord.SendAllAsync(client, records, cancellationToken);
        });
    }
}
