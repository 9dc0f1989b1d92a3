using MultiXfer.Fuzz.Support;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The ssh-connection service (RFC 4254) after a real key exchange and password login of the fuzz user (algorithms
/// from bytes 0 and 1, zlib@openssh.com included, whose compression starts after USERAUTH_SUCCESS): every record is
/// an encrypted payload: GLOBAL_REQUEST (§4: keepalive, tcpip-forward, no-more-sessions, hostkeys-prove-00),
/// CHANNEL_OPEN of every type (§5.1, §6.1, §7), CHANNEL_REQUEST (§6.2-6.10: pty-req, x11-req, env, shell, exec,
/// subsystem, window-change, xon-xoff, signal, exit-status, and unknown ones), DATA and EXTENDED_DATA (§5.2),
/// WINDOW_ADJUST, EOF and CLOSE (§5.3), plus stray replies and userauth messages after success. Channels can start
/// the real applications (the sftp subsystem, scp, the echo subsystem) over memory storage, so channel data flows
/// through ChannelInput and ChannelStream into them. Kind-2 records run a rekey. An application that fails with an
/// unexpected exception (ConnectionService logs "{Command} failed") is a crash here.
/// </summary>
internal static class SshConnectionTarget
{
    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        var algorithms = ClientAlgorithms.From(input.Byte(), input.Byte(), allowCompression: true);
        var records = SshRecord.Parse(ref input, templates: true);
        SshSessionRun.Run("SSH connection", async (client, cancellationToken) =>
        {
            await client.SendIdentificationAsync(cancellationToken);
            if (await client.KeyExchangeAsync(algorithms, cancellationToken))
            {
                await client.AuthenticateAsync(cancellationToken);
                await SshRecord.SendAllAsync(client, records, cancellationToken);
            }
        });
    }
}
