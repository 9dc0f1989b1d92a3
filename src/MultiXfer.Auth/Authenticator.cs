using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Fsio;

namespace MultiXfer.Auth;

/// <summary>Anonymous FTP: off unless configured; read-only and confined to its root (in a virtual host's storage).</summary>
public sealed record AnonymousPolicy(bool Enabled, VirtualPath Root, IFileSystemProvider? Storage = null);

/// <summary>
/// The one authenticator behind every protocol. Unknown users, wrong passwords and protocols a user may not use
/// cost the same work (a hash in the default scheme, checked against a dummy) and get the same answer after the same delay, so the
/// reply says nothing about which names exist. Failures count against the client address.
/// </summary>
public sealed partial class Authenticator : IAuthenticator
{
    /// <summary>
    /// What an unknown user's password is checked against: a hash in the default scheme, so the answer takes as long as
    /// for a user whose hash is current (hashes of other schemes cost what their scheme costs until upgraded).
    /// </summary>
    private static readonly Lazy<Passwords.StoredPassword> DummyHash = new(() =>
    {
        PasswordHasher.TryParse(PasswordHasher.Hash(Guid.NewGuid().ToString()), out var parsed, out _);
        return parsed!;
    });

    private readonly IUserDirectory _users;
    private readonly ILoginThrottle _throttle;
    private readonly AuthOptions _options;
    private readonly AnonymousPolicy _anonymous;
    private readonly PasswordCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthMetrics? _metrics;

    /// <summary>
    /// Password hashes run at most this many at once (Argon2id also holds its memory meanwhile), across every virtual host's authenticator; further logins wait
    /// without holding a thread, so a login flood costs CPU at a bounded rate instead of starving the thread pool
    /// that serves transfers.
    /// </summary>
    private static readonly SemaphoreSlim s_hashing = new(Math.Max(1, Environment.ProcessorCount - 1));

    /// <param name="metrics">Where bans are counted; null: nowhere.</param>
    public Authenticator(IUserDirectory users, ILoginThrottle throttle, AuthOptions options, AnonymousPolicy anonymous,
        TimeProvider time, ILogger<Authenticator> logger, AuthMetrics? metrics = null)
    {
        _metrics = metrics;
        _users = users;
        _throttle = throttle;
        _options = options;
        _anonymous = anonymous;
        _cache = new PasswordCache(TimeSpan.FromSeconds(options.PasswordCacheSeconds), time);
        _time = time;
        _logger = logger;
    }

    public async ValueTask<UserAccount?> FindAccountAsync(string name, CancellationToken cancellationToken) =>
        (await _users.FindAsync(name, cancellationToken))?.Account;

    public bool IsThrottled(System.Net.IPAddress clientAddress) => _throttle.IsBanned(clientAddress);

    public async ValueTask<AuthResult> AuthenticatePasswordAsync(LoginAttempt attempt, string password, CancellationToken cancellationToken)
    {
        if (_throttle.IsBanned(attempt.ClientAddress))
        {
            LogThrottled(LogText.Clean(attempt.UserName), attempt.Protocol);
            return AuthResult.Throttled;
        }

        if (!PasswordHasher.IsAcceptableLength(password))
        {
            return await FailAsync(attempt, "password longer than 1024 bytes", LoginFailureReasons.BadCredentials, cancellationToken);
        }

        if (await FindAsync(attempt, cancellationToken) is not { } found)
        {
            return AuthResult.Failed(LoginFailureReasons.StoreUnavailable);
        }

        var user = found.User;
        // A user without a password (keys only) costs the same dummy verification as an unknown one.
        var stored = user?.Password;
        bool verified = stored is not null && _cache.Contains(user!, password);
        if (!verified)
        {
            await s_hashing.WaitAsync(cancellationToken);
            try
            {
                verified = (stored ?? DummyHash.Value).Verify(password) && stored is not null;
            }
            finally
            {
                s_hashing.Release();
            }
        }

        if (!verified || user is null)
        {
            return await FailAsync(attempt, user is null ? "unknown user" : stored is null ? "no password set" : "wrong password",
                user is null ? LoginFailureReasons.UnknownUser : LoginFailureReasons.BadCredentials, cancellationToken);
        }

        if (RefusalFor(user, attempt) is { } refusal)
        {
            return await FailAsync(attempt, refusal, LoginFailureReasons.Refused, cancellationToken);
        }

        _cache.Add(user, password);
        LogSucceeded(user.Account.Name, attempt.Protocol);
        await RecordLoginAsync(user, stored!.NeedsUpgrade ? await HashInCurrentSchemeAsync(password, cancellationToken) : null, cancellationToken);
        return new AuthResult(AuthOutcome.Success, user.Account);
    }

    public async ValueTask<AuthResult> AuthenticatePublicKeyAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
        CancellationToken cancellationToken)
    {
        if (_throttle.IsBanned(attempt.ClientAddress))
        {
            LogThrottled(LogText.Clean(attempt.UserName), attempt.Protocol);
            return AuthResult.Throttled;
        }

        if (await FindAsync(attempt, cancellationToken) is not { } found)
        {
            return AuthResult.Failed(LoginFailureReasons.StoreUnavailable);
        }

        if (found.User is not { } user)
        {
            return await FailAsync(attempt, "unknown user", LoginFailureReasons.UnknownUser, cancellationToken);
        }

        if (!keyIsAuthorized(user.Account))
        {
            return await FailAsync(attempt, "key not authorized", LoginFailureReasons.BadCredentials, cancellationToken);
        }

        if (RefusalFor(user, attempt) is { } refusal)
        {
            return await FailAsync(attempt, refusal, LoginFailureReasons.Refused, cancellationToken);
        }

        LogSucceededWithKey(user.Account.Name, attempt.Protocol);
        await RecordLoginAsync(user, null, cancellationToken);
        return new AuthResult(AuthOutcome.Success, user.Account);
    }

    public async ValueTask<bool> IsPublicKeyAcceptableAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
        CancellationToken cancellationToken) =>
        !_throttle.IsBanned(attempt.ClientAddress)
        && await FindAsync(attempt, cancellationToken) is { User: { } user }
        && RefusalFor(user, attempt) is null
        && keyIsAuthorized(user.Account);

    /// <summary>
    /// The user by name (null inside when nobody has it), or null when the account store cannot answer (a database
    /// away for a moment): the login is refused without counting against the client, who did nothing wrong.
    /// </summary>
    private async ValueTask<FoundUser?> FindAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        try
        {
            return new FoundUser(await _users.FindAsync(attempt.UserName, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreUnavailable(LogText.Clean(attempt.UserName), attempt.Protocol, e.Message);
            return null;
        }
    }

    private sealed record FoundUser(UserRecord? User);

    /// <summary>Why a user who proved who they are may still not log in: the protocol, or the stored account's policy.</summary>
    private string? RefusalFor(UserRecord user, LoginAttempt attempt) =>
        !user.Account.MayUse(attempt.Protocol) ? $"protocol {attempt.Protocol} not allowed for this user"
        : user.Policy?.RefusalFor(attempt.ClientAddress, _time.GetUtcNow());

    /// <summary>The password in the default scheme, for a user whose stored hash is older; under the same hashing bound.</summary>
    private static async ValueTask<string> HashInCurrentSchemeAsync(string password, CancellationToken cancellationToken)
    {
        await s_hashing.WaitAsync(cancellationToken);
        try
        {
            return PasswordHasher.Hash(password);
        }
        finally
        {
            s_hashing.Release();
        }
    }

    /// <summary>A store that cannot record the login (a database away for a moment) must not turn a good login into a failure.</summary>
    private async ValueTask RecordLoginAsync(UserRecord user, string? upgradedHash, CancellationToken cancellationToken)
    {
        try
        {
            await _users.RecordLoginAsync(user, upgradedHash, cancellationToken);
            if (upgradedHash is not null)
            {
                LogUpgraded(user.Account.Name, user.Password!.Scheme);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRecordFailed(user.Account.Name, e.Message);
        }
    }

    public async ValueTask<AuthResult> AuthenticateAnonymousAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        if (_throttle.IsBanned(attempt.ClientAddress))
        {
            return AuthResult.Throttled;
        }

        if (!_anonymous.Enabled)
        {
            return await FailAsync(attempt, "anonymous access is disabled", LoginFailureReasons.Refused, cancellationToken);
        }

        LogSucceeded("anonymous", attempt.Protocol);
        return new AuthResult(AuthOutcome.Success, new UserAccount
        {
            Name = "anonymous",
            Home = _anonymous.Root,
            ReadOnly = true,
            IsAnonymous = true,
            Protocols = new HashSet<string> { Protocols.Ftp, Protocols.Ftps },
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.List | Permission.Download)], readOnly: true),
            Storage = _anonymous.Storage,
        });
    }

    /// <param name="reason">The log's words.</param>
    /// <param name="category">The metric's and audit log's (<see cref="LoginFailureReasons"/>).</param>
    private async ValueTask<AuthResult> FailAsync(LoginAttempt attempt, string reason, string category, CancellationToken cancellationToken)
    {
        bool banned = _throttle.RecordFailure(attempt.ClientAddress);
        LogFailed(LogText.Clean(attempt.UserName), attempt.Protocol, reason);
        if (banned)
        {
            _metrics?.Banned(attempt.Protocol);
            LogBanned(attempt.ClientAddress.ToString(), _options.BanSeconds);
        }

        // Delay with jitter: a fixed delay would still let response timing be compared precisely.
        int delay = _options.FailureDelayMilliseconds;
        if (delay > 0)
        {
            await Task.Delay(delay + Random.Shared.Next(0, Math.Max(1, delay / 10)), cancellationToken);
        }

        return AuthResult.Failed(category);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "login succeeded for {UserName} over {Protocol}")]
    private partial void LogSucceeded(string userName, string protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "login succeeded for {UserName} over {Protocol} with a public key")]
    private partial void LogSucceededWithKey(string userName, string protocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "login failed for {UserName} over {Protocol}: {Reason}")]
    private partial void LogFailed(string userName, string protocol, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "login refused for {UserName} over {Protocol}: address is throttled")]
    private partial void LogThrottled(string userName, string protocol);

    [LoggerMessage(Level = LogLevel.Error, Message = "login refused for {UserName} over {Protocol}: the account store cannot be read: {Reason}")]
    private partial void LogStoreUnavailable(string userName, string protocol, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "password hash of {UserName} upgraded from {Scheme} to the current scheme")]
    private partial void LogUpgraded(string userName, string scheme);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record the login of {UserName} in the account store: {Reason}")]
    private partial void LogRecordFailed(string userName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "address {Address} banned for {Seconds} s after repeated login failures")]
    private partial void LogBanned(string address, int seconds);
}
