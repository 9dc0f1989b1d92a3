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

public sealed record AuthResult(AuthOutcome Outcome, UserAccount? User)
{
    public static AuthResult Failed { get; } = new(AuthOutcome.Failed, null);

    public static AuthResult Throttled { get; } = new(AuthOutcome.Throttled, null);

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
