using Microsoft.Extensions.Logging;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Connection;

internal sealed partial class ConnectionService
{
    private const string HostKeysAdvertisement = "hostkeys-00@openssh.com";
    private const string HostKeysProof = "hostkeys-prove-00@openssh.com";

    /// <summary>
    /// RFC 4254 §4: a request we do not serve gets SSH_MSG_REQUEST_FAILURE when a reply is wanted. That includes
    /// keepalive@openssh.com, which OpenSSH clients send only to see a reply, and every forwarding request.
    /// </summary>
    private void HandleGlobalRequest(ref SshReader reader)
    {
        string name = reader.ReadAscii(WireLimits.MaxShortString, "request name");
        bool wantReply = reader.ReadBoolean();
        if (name == "no-more-sessions@openssh.com")
        {
            // OpenSSH PROTOCOL §2.2: the client promises to open no further sessions; hold it to that.
            _noMoreSessions = true;
        }

        if (!wantReply)
        {
            // Nothing to answer, so nothing is computed: proofs are host key signatures, costly for RSA.
            return;
        }

        var reply = name == HostKeysProof ? ProveHostKeys(ref reader) : null;
        transport.Post(reply ?? OutgoingPacket.Copy([MessageNumbers.RequestFailure]));
    }

    /// <summary>
    /// draft-miller-sshm-hostkey-update: after authentication the server lists every current host key, and the keys of
    /// a rotation (staged, retiring), so a client with UpdateHostKeys learns the next key before it is promoted and
    /// drops the previous one only once it is retired.
    /// </summary>
    private void AdvertiseHostKeys()
    {
        using var message = SshWriter.ForPayload(MessageNumbers.GlobalRequest, 2048);
        message.WriteString(HostKeysAdvertisement);
        message.WriteBoolean(false);
        foreach (var key in hostKeys.Current.Announced)
        {
            message.WriteString(key.PublicKey.Blob);
        }

        transport.Post(message.ToPacket());
    }

    /// <summary>
    /// The client asks us to prove possession of keys it has not seen: for each, a signature over
    /// string "hostkeys-prove-00@openssh.com", string session id, string key. Keys that are not ours fail the request.
    /// RSA keys sign with the RSA algorithm negotiated for the connection, or rsa-sha2-512.
    /// </summary>
    private OutgoingPacket? ProveHostKeys(ref SshReader reader)
    {
        var current = hostKeys.Current.Announced.ToList();
        using var reply = SshWriter.ForPayload(MessageNumbers.RequestSuccess, 2048);
        int count = 0;
        while (!reader.IsAtEnd)
        {
            byte[] blob = reader.ReadString(WireLimits.MaxKeyBlob, "host key").ToArray();
            var key = current.FirstOrDefault(k => k.PublicKey.Blob.AsSpan().SequenceEqual(blob));
            if (key is null || ++count > current.Count)
            {
                LogProofRefused();
                return null;
            }

            using var signed = new SshWriter(blob.Length + 128);
            signed.WriteString(HostKeysProof);
            signed.WriteString(transport.SessionId);
            signed.WriteString(blob);
            reply.WriteString(key.Sign(ProofAlgorithm(key), signed.Written));
        }

        return reply.ToPacket();
    }

    private string ProofAlgorithm(SshHostKey key) =>
        key.KeyType != "ssh-rsa" ? key.KeyType
        : transport.HostKeyAlgorithm?.SignatureAlgorithm is "rsa-sha2-256" or "rsa-sha2-512" ? transport.HostKeyAlgorithm.SignatureAlgorithm
        : "rsa-sha2-512";

    [LoggerMessage(Level = LogLevel.Warning, Message = "hostkeys-prove request names a key that is not a current host key")]
    private partial void LogProofRefused();
}
