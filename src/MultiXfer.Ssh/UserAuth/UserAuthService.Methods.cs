using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.UserAuth;

internal sealed partial class UserAuthService
{
    private static readonly IReadOnlySet<string> SftpOnly = new HashSet<string> { Protocols.Sftp };

    /// <summary>
    /// RFC 4252 §7. Without a signature the client asks whether a key would do, and gets SSH_MSG_USERAUTH_PK_OK or a
    /// failure. With one, the signature over the session id and the request must verify with that very key, and
    /// only then is the key looked up for the user. publickey-hostbound-v00@openssh.com adds our host key to the
    /// signed data (OpenSSH PROTOCOL §2.5), which must be the key this connection was established with. A
    /// *-cert-v01@openssh.com algorithm offers an OpenSSH certificate (PROTOCOL.certkeys): the certified key signs,
    /// and the certificate must satisfy <see cref="UserKeyPolicy"/> for the user.
    /// </summary>
    private async ValueTask<AttemptOutcome> PublicKeyAsync(LoginAttempt attempt, UserAuthRequest request, ReadOnlyMemory<byte> payload,
        CancellationToken cancellationToken)
    {
        var reader = new SshReader(request.MethodData);
        bool signed = reader.ReadBoolean();
        string algorithm = reader.ReadAscii(WireLimits.MaxShortString, "public key algorithm");
        var blob = reader.ReadString(WireLimits.MaxKeyBlob, "public key blob").ToArray();
        if (request.Method == HostBoundMethod && !reader.ReadString(WireLimits.MaxKeyBlob, "host key blob").SequenceEqual(transport.HostKeyBlob))
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, "publickey-hostbound names a host key this connection did not use");
        }

        int signedLength = request.MethodDataOffset + reader.Position;
        var signature = signed ? reader.ReadString(WireLimits.MaxKeyBlob, "signature").ToArray() : null;

        var offered = OfferedKey.From(algorithm, blob, options.MinimumRsaKeyBits, out string problem);
        if (offered is null)
        {
            LogKeyRefused(LogText(attempt.UserName), LogText(algorithm), problem);
            return AttemptOutcome.Failed;
        }

        if (offered.RefusalBy(keyPolicy, attempt.ClientAddress) is { } refusal)
        {
            LogOfferedKeyRefused(LogText(attempt.UserName), offered.ToString(), refusal);
            return AttemptOutcome.Failed;
        }

        KeyGrant? grant = null;
        bool KeyIsAuthorized(UserAccount account)
        {
            grant = offered.GrantBy(keyPolicy, account, attempt.ClientAddress, out string reason);
            if (grant is null && offered.Certificate is not null)
            {
                LogOfferedKeyRefused(account.Name, offered.ToString(), reason);
            }

            return grant is not null;
        }

        if (signature is null)
        {
            if (!await _site.Authenticator.IsPublicKeyAcceptableAsync(attempt, KeyIsAuthorized, cancellationToken))
            {
                return AttemptOutcome.Failed;
            }

            using var ok = SshWriter.ForPayload(MessageNumbers.UserAuthPkOk, blob.Length + 64);
            ok.WriteString(algorithm);
            ok.WriteString(blob);
            transport.Post(ok.ToPacket());
            return AttemptOutcome.NotCounted with { Replied = true };
        }

        using var signedData = new SshWriter(transport.SessionId.Length + signedLength + 8);
        signedData.WriteString(transport.SessionId);
        signedData.WriteBytes(payload.Span[..signedLength]);
        if (!offered.Key.Verify(signedData.Written, signature, new HashSet<string> { offered.SignatureAlgorithm }))
        {
            LogBadSignature(LogText(attempt.UserName), offered.Key.Fingerprint);
            return AttemptOutcome.Failed;
        }

        var outcome = Judge(await _site.Authenticator.AuthenticatePublicKeyAsync(attempt, KeyIsAuthorized, cancellationToken));
        if (outcome.Account is not { } account)
        {
            return outcome;
        }

        // Which key this session came in with: removing it from the account ends the session (admin API).
        connection.Activity.KeyFingerprint = offered.Certificate is null ? offered.Key.Fingerprint : null;
        if (offered.Certificate is { } certificate)
        {
            // sshd's "Accepted publickey ... ID ... (serial ...) CA ...": who vouched for this login, for the audit trail.
            LogCertificateAccepted(account.Name, certificate.ToString(), grant is { SftpOnly: true });
        }

        return grant is { SftpOnly: true } ? AttemptOutcome.Succeeded(account.RestrictedTo(SftpOnly)) : outcome;
    }

    /// <summary>
    /// RFC 4256: one prompt, "Password: ", not echoed; the answer is checked as a password. A new userauth request
    /// instead of the answer abandons this attempt (§3.1) and is handled next.
    /// </summary>
    private async ValueTask<AttemptOutcome> KeyboardInteractiveAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        using (var prompt = SshWriter.ForPayload(MessageNumbers.UserAuthInfoRequest, 64))
        {
            prompt.WriteString("");
            prompt.WriteString("");
            prompt.WriteString("");
            prompt.WriteUInt32(1);
            prompt.WriteString("Password: ");
            prompt.WriteBoolean(false);
            transport.Post(prompt.ToPacket());
        }

        var payload = await ReceiveAuthMessageAsync(cancellationToken);
        if (payload.Span[0] is MessageNumbers.UserAuthRequest or MessageNumbers.ServiceRequest)
        {
            return AttemptOutcome.NotCounted with { Interrupted = payload };
        }

        if (payload.Span[0] != MessageNumbers.UserAuthInfoResponse)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"expected an info response, received message {payload.Span[0]}");
        }

        var reader = new SshReader(payload.Span[1..]);
        uint count = reader.ReadUInt32();
        if (count != 1)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"{count} responses to one prompt");
        }

        string password = reader.ReadUtf8(WireLimits.MaxPasswordField, "response");
        return Judge(await _site.Authenticator.AuthenticatePasswordAsync(attempt, password, cancellationToken));
    }

    private static string LogText(string text) => MultiXfer.Connections.LogText.Clean(text);

    [LoggerMessage(Level = LogLevel.Information, Message = "public key for {User} refused: algorithm {Algorithm}: {Problem}")]
    private partial void LogKeyRefused(string user, string algorithm, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "certificate accepted for {User}: {Certificate} (SFTP only: {SftpOnly})")]
    private partial void LogCertificateAccepted(string user, string certificate, bool sftpOnly);

    [LoggerMessage(Level = LogLevel.Information, Message = "public key for {User} refused: {Key}: {Reason}")]
    private partial void LogOfferedKeyRefused(string user, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "public key signature for {User} did not verify (key {Fingerprint})")]
    private partial void LogBadSignature(string user, string fingerprint);
}
