using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>RFC 959 access control: USER, PASS, ACCT, REIN, QUIT.</summary>
internal static class LoginCommands
{
    public static async ValueTask User(FtpSession session, string argument)
    {
        if (session.Policy.RequireTlsForLogin && session.ControlTls is null)
        {
            await session.ReplyAsync(Replies.TlsRequiredForLogin);
            return;
        }

        if (session.User is not null)
        {
            await session.ReplyAsync(530, "Already logged in; use REIN to change user.");
            return;
        }

        session.PendingUser = argument;

        // The same reply whether or not the user exists, or anonymous access is on: no user enumeration.
        await session.ReplyAsync(331, IsAnonymousName(argument) && session.Connection.Site.AllowAnonymous
            ? "Anonymous login ok, send your email address as password."
            : "Password required.");
    }

    public static async ValueTask Pass(FtpSession session, string argument)
    {
        if (session.User is not null)
        {
            await session.ReplyAsync(230, "Already logged in.");
            return;
        }

        if (session.Policy.RequireTlsForLogin && session.ControlTls is null)
        {
            await session.ReplyAsync(Replies.TlsRequiredForLogin);
            return;
        }

        if (session.PendingUser is not { } name)
        {
            await session.ReplyAsync(503, "Login with USER first.");
            return;
        }

        session.PendingUser = null;
        var attempt = new LoginAttempt(name, session.Protocol, session.Connection.ClientAddress, session.Connection.Id);
        var authenticator = session.Connection.Site.Authenticator;
        bool anonymous = IsAnonymousName(name) && session.Connection.Site.AllowAnonymous;
        string method = anonymous ? "anonymous" : "password";
        var result = anonymous
            ? await authenticator.AuthenticateAnonymousAsync(attempt, session.Connection.ConnectionClosed)
            : await authenticator.AuthenticatePasswordAsync(attempt, argument, session.Connection.ConnectionClosed);
        var observer = session.Connection.Observer;
        switch (result.Outcome)
        {
            case AuthOutcome.Success:
                var admission = await session.Connection.Site.AdmitAsync(session.Connection, result.User!, session.Connection.ConnectionClosed);
                if (admission.User is not { } user)
                {
                    // The account's session limit (in every protocol), or a cluster's registry out of reach (the login
                    // fails closed): 421 closes, as for the server's own limits (RFC 959 section 4.2).
                    session.LogSessionRefused(admission.Refusal!);
                    observer.LoginFailed(session.Connection, name, method, LoginFailureReasons.SessionLimit);
                    await session.ReplyAsync(421, admission.Unavailable
                        ? "Service not available: sessions cannot be registered now; try again later."
                        : "Too many sessions for this account; try again later.");
                    session.Closing = true;
                    break;
                }

                try
                {
                    await session.LogInAsync(user);
                }
                catch (FsException e)
                {
                    // RFC 959 allows 530 for PASS; the details are for the log, not the client.
                    session.ReleaseSessionLimits();
                    session.LogHomeUnavailable(e.Kind.ToString(), e.Message);
                    observer.LoginFailed(session.Connection, name, method, LoginFailureReasons.HomeUnavailable);
                    await session.ReplyAsync(530, "Login failed: home directory unavailable.");
                    break;
                }

                observer.LoginSucceeded(session.Connection, user.Name, method);

                await session.ReplyAsync(230, user.IsAnonymous ? "Anonymous access granted, restrictions apply." : "Login successful.");
                break;
            case AuthOutcome.Throttled:
                observer.LoginFailed(session.Connection, name, method, LoginFailureReasons.Throttled);
                await session.ReplyAsync(421, "Too many failed logins from your address; try again later.");
                session.Closing = true;
                break;
            default:
                observer.LoginFailed(session.Connection, name, method, result.Reason ?? LoginFailureReasons.BadCredentials);
                session.Connection.RecordLoginFailure(LoginFailure.AuthenticationFailed);
                await session.ReplyAsync(530, "Login incorrect.");
                break;
        }
    }

    private static bool IsAnonymousName(string name) =>
        name.Equals("anonymous", StringComparison.OrdinalIgnoreCase) || name.Equals("ftp", StringComparison.OrdinalIgnoreCase);

    /// <summary>No accounts beyond users here: RFC 959 allows 202 for a superfluous ACCT.</summary>
    public static ValueTask Account(FtpSession session, string argument) =>
        session.ReplyAsync(202, "ACCT not needed.");

    public static async ValueTask Reinitialize(FtpSession session, string argument)
    {
        await session.LogOutAsync();
        await session.ReplyAsync(220, session.Connection.Site.Banner);
    }

    public static async ValueTask Quit(FtpSession session, string argument)
    {
        await session.ReplyAsync(Replies.Goodbye);
        session.Closing = true;
    }

    /// <summary>What a refused connection hears, before any session exists.</summary>
    public static FtpReply Refusal(RejectReason reason) => reason switch
    {
        RejectReason.TooManyConnections => new(421, "Too many connections; try again later."),
        RejectReason.TooManyConnectionsFromAddress => new(421, "Too many connections from your address."),
        RejectReason.AddressThrottled => new(421, "Too many failed logins from your address; try again later."),
        RejectReason.QueueTimedOut => new(421, "Server busy: no connection slot freed in time; try again later."),
        _ => Replies.ShuttingDown,
    };
}
