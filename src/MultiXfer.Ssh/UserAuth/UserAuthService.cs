using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// The ssh-userauth service (RFC 4252) for one connection: none, password (§8), publickey (§7, with OpenSSH's
/// publickey-hostbound-v00 variant) and keyboard-interactive (RFC 4256) asking for the password. Every decision
/// about users goes through the <see cref="IAuthenticator"/> of the connection's virtual host, or, with
/// Ssh:VirtualHostLogins, of the host a "user@host" login names.
/// </summary>
internal sealed partial class UserAuthService(
    SshTransport transport,
    UserKeyPolicy keyPolicy,
    SshOptions options,
    ConnectionContext connection,
    ILogger logger)
{
    private const string ConnectionService = "ssh-connection";
    private const string HostBoundMethod = "publickey-hostbound-v00@openssh.com";
    private static readonly string[] Methods = ["publickey", "password", "keyboard-interactive"];

    private int _failures;
    private int _attempts;
    private bool _bannerSent;

    /// <summary>The virtual host the request being handled logs in to.</summary>
    private VirtualHost _site = connection.Site;

    /// <summary>Runs until a user is authenticated; every other ending is an exception that closes the connection.</summary>
    public async Task<UserAccount> AuthenticateAsync(CancellationToken cancellationToken)
    {
        await AcceptServiceRequestAsync(cancellationToken);
        ReadOnlyMemory<byte>? interrupted = null;
        while (true)
        {
            var payload = interrupted ?? await ReceiveAuthMessageAsync(cancellationToken);
            interrupted = null;
            if (payload.Span[0] == MessageNumbers.ServiceRequest)
            {
                // paramiko (AuthHandler._request_auth) asks for ssh-userauth again before every method it tries;
                // OpenSSH's sshd accepts that until authentication succeeds.
                AcceptServiceRequest(payload.Span);
                continue;
            }

            if (payload.Span[0] != MessageNumbers.UserAuthRequest)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError, $"message {payload.Span[0]} is not a userauth request here");
            }

            var request = UserAuthRequest.Parse(payload.Span);
            if (request.Service != ConnectionService)
            {
                throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"service '{request.Service}' is not available");
            }

            SendBannerOnce();
            _attempts++;
            (string userName, _site) = SiteOf(request.User);
            var attempt = new LoginAttempt(userName, Protocols.Ssh, connection.ClientAddress, connection.Id);
            var outcome = request.Method switch
            {
                // OpenSSH's rule: "none" is free only as the first attempt, so it cannot probe without limit.
                "none" => _attempts == 1 ? AttemptOutcome.NotCounted : AttemptOutcome.Failed,
                "password" => await PasswordAsync(attempt, request, cancellationToken),
                "publickey" or HostBoundMethod => await PublicKeyAsync(attempt, request, payload, cancellationToken),
                "keyboard-interactive" => await KeyboardInteractiveAsync(attempt, cancellationToken),
                _ => AttemptOutcome.Failed,
            };

            if (outcome.Account is { } authenticated)
            {
                var admission = await _site.AdmitAsync(connection, authenticated, cancellationToken);
                if (admission.User is not { } account)
                {
                    // The account's session limit, across protocols: a failure (RFC 4252 §5.1) with a banner
                    // (§5.4) saying why, as a client shows banners to its user; the client may try again later.
                    LogSessionRefused(admission.Refusal!);
                    connection.Observer.LoginFailed(connection, userName, request.Method, LoginFailureReasons.SessionLimit);
                    SendBanner(admission.Unavailable
                        ? "Sessions cannot be registered now; try again later."
                        : "Too many sessions for this account; try again later.");
                    SendFailure();
                    continue;
                }

                transport.PostThenStartDelayedCompression(OutgoingPacket.Copy([MessageNumbers.UserAuthSuccess]));
                connection.LogScope.User = account.Name;
                connection.Activity.Protocol = Protocols.Ssh;
                connection.LogScope.Protocol = Protocols.Ssh;
                connection.Activity.User = account;
                connection.Activity.LoggedInAt = DateTimeOffset.UtcNow;
                connection.VirtualHost = _site;
                LogAuthenticated(account.Name, request.Method, _site.ToString());
                connection.Observer.LoginSucceeded(connection, account.Name, request.Method);
                return account;
            }

            interrupted = outcome.Interrupted;
            if (outcome.Replied || interrupted is not null)
            {
                continue;
            }

            if (outcome.Counts)
            {
                connection.RecordLoginFailure(LoginFailure.AuthenticationFailed);
                connection.Observer.LoginFailed(connection, userName, request.Method, outcome.Reason);
            }

            if (outcome.Throttled)
            {
                throw new SshProtocolException(DisconnectReason.HostNotAllowedToConnect, "too many failed logins from your address; try again later");
            }

            if (outcome.Counts && ++_failures >= options.MaxAuthTries)
            {
                throw new SshProtocolException(DisconnectReason.NoMoreAuthMethodsAvailable, "too many authentication failures");
            }

            SendFailure();
        }
    }

    /// <summary>
    /// "alice@files.example.org" with Ssh:VirtualHostLogins: user alice of the virtual host that name selects. A
    /// name that selects no host stays whole, so it fails like any unknown user and reveals nothing.
    /// </summary>
    private (string User, VirtualHost Site) SiteOf(string requested)
    {
        int at = requested.LastIndexOf('@');
        if (options.VirtualHostLogins && at > 0 && connection.VirtualHosts?.ForHostName(requested[(at + 1)..]) is { } named)
        {
            return (requested[..at], named);
        }

        return (requested, connection.Site);
    }

    /// <summary>RFC 4253 §10: the client asks for ssh-userauth before anything else.</summary>
    private async Task AcceptServiceRequestAsync(CancellationToken cancellationToken)
    {
        var payload = await ReceiveAuthMessageAsync(cancellationToken);
        if (payload.Span[0] != MessageNumbers.ServiceRequest)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"expected a service request, received message {payload.Span[0]}");
        }

        AcceptServiceRequest(payload.Span);
    }

    /// <summary>Answers SERVICE_REQUEST for ssh-userauth with SERVICE_ACCEPT; any other service ends the connection.</summary>
    private void AcceptServiceRequest(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload[1..]);
        string service = reader.ReadAscii(WireLimits.MaxShortString, "service name");
        if (service != "ssh-userauth")
        {
            throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"service '{service}' is not available");
        }

        using var accept = SshWriter.ForPayload(MessageNumbers.ServiceAccept, 32);
        accept.WriteString(service);
        transport.Post(accept.ToPacket());
    }

    /// <summary>
    /// The next message of the authentication phase. Connection-protocol messages before authentication end the
    /// connection (RFC 4252 §1); unknown message numbers get SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4).
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReceiveAuthMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var payload = await transport.ReceiveAsync(cancellationToken);
            byte number = payload.Span[0];
            if (number is MessageNumbers.ServiceRequest or (>= 50 and <= 79))
            {
                return payload;
            }

            if (number is >= 80 and <= 127 or MessageNumbers.ServiceAccept)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError, $"message {number} before authentication");
            }

            transport.PostUnimplemented();
        }
    }

    private async ValueTask<AttemptOutcome> PasswordAsync(LoginAttempt attempt, UserAuthRequest request, CancellationToken cancellationToken)
    {
        var reader = new SshReader(request.MethodData);
        bool changing = reader.ReadBoolean();
        string password = reader.ReadUtf8(WireLimits.MaxPasswordField, "password");
        if (changing)
        {
            // RFC 4252 §8: password change is optional; this server has no passwords to change over SSH.
            return AttemptOutcome.Failed;
        }

        return Judge(await _site.Authenticator.AuthenticatePasswordAsync(attempt, password, cancellationToken));
    }

    private void SendBannerOnce()
    {
        string text = connection.Site.SshBanner ?? options.Banner;
        if (_bannerSent || string.IsNullOrEmpty(text))
        {
            return;
        }

        _bannerSent = true;
        SendBanner(text);
    }

    private void SendBanner(string text)
    {
        using var banner = SshWriter.ForPayload(MessageNumbers.UserAuthBanner, text.Length * 2 + 16);
        banner.WriteString(text.ReplaceLineEndings("\r\n") + "\r\n");
        banner.WriteString("");
        transport.Post(banner.ToPacket());
    }

    private void SendFailure()
    {
        using var failure = SshWriter.ForPayload(MessageNumbers.UserAuthFailure, 64);
        failure.WriteNameList(Methods);
        failure.WriteBoolean(false);
        transport.Post(failure.ToPacket());
    }

    private static AttemptOutcome Judge(AuthResult result) => result.Outcome switch
    {
        AuthOutcome.Success => AttemptOutcome.Succeeded(result.User!),
        AuthOutcome.Throttled => AttemptOutcome.Failed with { Reason = LoginFailureReasons.Throttled, Throttled = true },
        _ => AttemptOutcome.Failed with { Reason = result.Reason ?? LoginFailureReasons.BadCredentials },
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH user {User} authenticated by {Method} (virtual host {Site})")]
    private partial void LogAuthenticated(string user, string method, string site);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSH login refused: {Reason}")]
    private partial void LogSessionRefused(string reason);
}
