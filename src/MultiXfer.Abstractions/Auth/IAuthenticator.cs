using System.Net;

namespace MultiXfer.Auth;

/// <summary>Who is trying to log in, from where, over what.</summary>
public readonly record struct LoginAttempt(string UserName, string Protocol, IPAddress ClientAddress, string ConnectionId);

public enum AuthOutcome
{
    Success,
    /// <summary>Unknown user, wrong password, or a protocol the user may not use: one answer for all of them.</summary>
    Failed,
    /// <summary>The client address has failed too often recently and is refused for a while.</summary>
    Throttled,
}

/// <summary>
/// Why a login failed, for metrics and the audit log only: the client hears one answer for every refusal. A small
/// fixed set, so it can label a metric.
/// </summary>
public static class LoginFailureReasons
{
    public const string UnknownUser = "unknown_user";

    /// <summary>A wrong password, a key the account does not authorize, a password over the length limit.</summary>
    public const string BadCredentials = "bad_credentials";

    /// <summary>The credentials were right but the account may not log in here (disabled, expired, network, protocol).</summary>
    public const string Refused = "refused";

    public const string Throttled = "throttled";

    /// <summary>The account store could not be read.</summary>
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>The account's session limit.</summary>
    public const string SessionLimit = "session_limit";

    /// <summary>The account's storage could not be opened.</summary>
    public const string HomeUnavailable = "home_unavailable";
}

/// <param name="Reason">For a failure, one of <see cref="LoginFailureReasons"/>.</param>
public sealed record AuthResult(AuthOutcome Outcome, UserAccount? User, string? Reason = null)
{
    public static AuthResult Throttled { get; } = new(AuthOutcome.Throttled, null, LoginFailureReasons.Throttled);

    public static AuthResult Failed(string reason) => new(AuthOutcome.Failed, null, reason);

    public bool Succeeded => Outcome == AuthOutcome.Success;
}

/// <summary>
/// The single authentication service every protocol uses (FTP USER/PASS, SSH password and later public keys),
/// so a user, a password, a throttle and a protocol restriction mean the same thing everywhere.
/// </summary>
public interface IAuthenticator
{
    ValueTask<AuthResult> AuthenticatePasswordAsync(LoginAttempt attempt, string password, CancellationToken cancellationToken);

    /// <summary>
    /// A public key whose possession the protocol has already proven (SSH: the signature verified). Succeeds when
    /// <paramref name="keyIsAuthorized"/> accepts the key for the user; a refusal counts as a failed login.
    /// </summary>
    ValueTask<AuthResult> AuthenticatePublicKeyAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
        CancellationToken cancellationToken);

    /// <summary>
    /// Whether a key would be accepted, before the client proves possession (RFC 4252 §7 query). Not a login and
    /// not a failure: clients ask about every key they hold.
    /// </summary>
    ValueTask<bool> IsPublicKeyAcceptableAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized, CancellationToken cancellationToken);

    /// <summary>Anonymous FTP: succeeds only where configured, read-only, rooted at the anonymous root.</summary>
    ValueTask<AuthResult> AuthenticateAnonymousAsync(LoginAttempt attempt, CancellationToken cancellationToken);

    /// <summary>The account a name would log in as (no credentials checked, nothing recorded): for admin tools.</summary>
    ValueTask<UserAccount?> FindAccountAsync(string name, CancellationToken cancellationToken);

    /// <summary>True when the address is currently refused; protocols may close such connections early.</summary>
    bool IsThrottled(IPAddress clientAddress);
}
