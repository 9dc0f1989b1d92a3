using MultiXfer.Fuzz.Support;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The ssh-userauth service (RFC 4252) through the real server path: the harness's in-process client completes a
/// real key exchange with SshSession (algorithms from bytes 0 and 1, no compression), then every record is sent
/// encrypted and MACed under the negotiated keys: SERVICE_REQUEST (RFC 4253 §10), USERAUTH_REQUEST with "none",
/// "password" (§8, including the change-password form), "publickey" (§7) and
/// "publickey-hostbound-v00@openssh.com" (OpenSSH PROTOCOL §2.5) with key blobs and signature blobs of every type
/// (ssh-ed25519 RFC 8709, ecdsa-sha2-nistp256/384/521 RFC 5656, rsa-sha2-256/512 RFC 8332), "keyboard-interactive"
/// (RFC 4256) and its INFO_RESPONSE, and anything else a client might send before authentication. Kind-1 records
/// are publickey requests the harness signs with the fixed client keys over this session's id (an input cannot
/// carry a valid signature for a session id that is random per run), so the success, PK_OK and bad-signature paths
/// are all reachable. The server's UserAuthService and AuthorizedKeyStore are real; only the authenticator is the
/// harness's cheap one (see <see cref="FuzzAuthenticator"/>).
/// </summary>
internal static class SshUserAuthTarget
{
    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        var algorithms = ClientAlgorithms.From(input.Byte(), input.Byte(), allowCompression: false);
        var records = SshRecord.Parse(ref input, templates: true);
        SshSessionRun.Run("SSH userauth", async (client, cancellationToken) =>
        {
            await client.SendIdentificationAsync(cancellationToken);
            if (await client.KeyExchangeAsync(algorithms, cancellationToken))
            {
                await SshRecord.SendAllAsync(client, records, cancellationToken);
            }
        });
    }
}
