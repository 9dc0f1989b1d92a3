using System.Net;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// The one user every harness logs in as, and an authenticator with the real one's contract but none of its cost:
/// PBKDF2 with 210,000 iterations and a failure delay would make every password attempt take a tenth of a second,
/// and what is fuzzed here is the protocol code in front of the authenticator, not the hash.
/// </summary>
internal static class FuzzUsers
{
    public const string Name = "fuzz";
    public const string Password = "fuzz-password";

    /// <summary>A password that makes the authenticator answer Throttled, so that path is reachable too.</summary>
    public const string ThrottlePassword = "throttle-me";

    public static VirtualPath Home { get; } = VirtualPath.Resolve(VirtualPath.Root, "/" + Name);

    /// <summary>
    /// authorized_keys lines for the fixed client keys, with options that the key store evaluates (from= matching the
    /// harness's client address 127.0.0.1, a far expiry-time, restrictions that grant nothing).
    /// </summary>
    public static IReadOnlyList<string> AuthorizedKeys { get; } =
    [
        "from=\"127.0.0.0/8,!10.*\" " + FuzzKeys.Text(FuzzKeys.ClientPublicLines[0]).Trim(),
        "no-pty,no-port-forwarding " + FuzzKeys.Text(FuzzKeys.ClientPublicLines[1]).Trim(),
        "expiry-time=\"29991231\" " + FuzzKeys.Text(FuzzKeys.ClientPublicLines[2]).Trim(),
        "restrict " + FuzzKeys.Text(FuzzKeys.ClientPublicLines[3]).Trim(),
        FuzzKeys.Text(FuzzKeys.ClientPublicLines[4]).Trim(),
    ];

    public static UserAccount Account { get; } = new()
    {
        Name = Name,
        Home = Home,
        Protocols = new HashSet<string> { Protocols.Ftp, Protocols.Ftps, Protocols.Sftp, Protocols.Scp },
        Permissions = new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false),
        AuthorizedKeys = AuthorizedKeys,
    };

    public static VirtualHost Site(bool allowAnonymous = false) => new()
    {
        Name = VirtualHost.DefaultName,
        HostNames = ["files.example.org"],
        Banner = "MultiXfer fuzz",
        Authenticator = new FuzzAuthenticator(),
        AllowAnonymous = allowAnonymous,
    };

    /// <summary>A connection from 127.0.0.1 (the only address PORT/EPRT may name) to 127.0.0.1:21.</summary>
    public static ConnectionContext Connection(Stream transport, string listener = "fuzz")
    {
        var connection = new ConnectionContext("fuzz-1", listener, new IPEndPoint(IPAddress.Loopback, 21),
            new IPEndPoint(IPAddress.Loopback, 40000), transport, CancellationToken.None)
        {
            VirtualHost = Site(),
        };
        return connection;
    }
}

internal sealed class FuzzAuthenticator : IAuthenticator
{
    public ValueTask<AuthResult> AuthenticatePasswordAsync(LoginAttempt attempt, string password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(password == FuzzUsers.ThrottlePassword ? AuthResult.Throttled
            : attempt.UserName == FuzzUsers.Name && password == FuzzUsers.Password && FuzzUsers.Account.MayUse(attempt.Protocol)
                ? new AuthResult(AuthOutcome.Success, FuzzUsers.Account)
                : AuthResult.Failed(LoginFailureReasons.BadCredentials));

    public ValueTask<AuthResult> AuthenticatePublicKeyAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(Acceptable(attempt, keyIsAuthorized) ? new AuthResult(AuthOutcome.Success, FuzzUsers.Account) : AuthResult.Failed(LoginFailureReasons.BadCredentials));

    public ValueTask<bool> IsPublicKeyAcceptableAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Acceptable(attempt, keyIsAuthorized));

    private static bool Acceptable(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized) =>
        attempt.UserName == FuzzUsers.Name && FuzzUsers.Account.MayUse(attempt.Protocol) && keyIsAuthorized(FuzzUsers.Account);

    public ValueTask<AuthResult> AuthenticateAnonymousAsync(LoginAttempt attempt, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new AuthResult(AuthOutcome.Success, new UserAccount
        {
            Name = "anonymous",
            Home = FuzzUsers.Home,
            ReadOnly = true,
            IsAnonymous = true,
            Protocols = new HashSet<string> { Protocols.Ftp, Protocols.Ftps },
            Permissions = new PermissionRules([], readOnly: true),
        }));

    public ValueTask<UserAccount?> FindAccountAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(name == FuzzUsers.Name ? FuzzUsers.Account : null);

    public bool IsThrottled(IPAddress clientAddress) => false;
}
