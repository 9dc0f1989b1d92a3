using MultiXfer.Limits;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth.Accounts;
using MultiXfer.Fsio;

namespace MultiXfer.Auth.Tests;

/// <summary>What a stored account adds to a login: its policy, the hash upgrade, and a store that fails.</summary>
public sealed class AccountPolicyTests
{
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_policy_refuses_disabled_expired_and_foreign_logins_and_says_why()
    {
        Assert.Null(LoginPolicy.For(new Account { Name = "a" }).RefusalFor(Client, Now));
        Assert.Equal("account disabled", LoginPolicy.For(new Account { Name = "a", Disabled = true }).RefusalFor(Client, Now));
        var expiring = LoginPolicy.For(new Account { Name = "a", ExpiresAt = Now });
        Assert.Null(expiring.RefusalFor(Client, Now.AddTicks(-1)));
        Assert.Equal("account expired", expiring.RefusalFor(Client, Now));
        var networks = LoginPolicy.For(new Account { Name = "a", AllowedNetworks = ["198.51.100.0/24", "2001:db8::/32"] });
        Assert.Null(networks.RefusalFor(Client, Now));
        Assert.Null(networks.RefusalFor(IPAddress.Parse("2001:db8::7"), Now));
        Assert.NotNull(networks.RefusalFor(IPAddress.Parse("198.51.101.7"), Now));
        Assert.NotNull(networks.RefusalFor(IPAddress.Parse("2001:db9::7"), Now));
    }

    [Fact]
    public void Validation_names_each_field_as_the_json_does()
    {
        var problems = AccountValidator.Validate(new Account
        {
            Name = "../x",
            PasswordHash = "plain",
            Home = "rel",
            Protocols = ["ftp", "telnet"],
            AllowedNetworks = ["10.0.0.0/8", "10.0.0.0/33"],
            Description = new string('d', AccountValidator.MaxDescriptionLength + 1),
            Limits = new AccountLimits { MaxSessions = -1, DownloadBytesPerSecond = -5 },
            Permissions = new Dictionary<string, string> { ["/pub"] = "list,fly" },
        });
        Assert.Equal(
            ["allowedNetworks[1]", "description", "home", "limits.downloadBytesPerSecond", "limits.maxSessions", "name", "passwordHash", "permissions./pub", "protocols"],
            problems.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(AccountValidator.Validate(new Account { Name = "ok.user@example", PasswordHash = PasswordHasher.HashPbkdf2("x", 10_000) }));
    }

    [Fact]
    public async Task A_good_login_with_an_old_hash_hands_the_store_an_argon2id_hash_of_the_same_password()
    {
        var directory = new FakeDirectory(UserStore.FromOptions("erin", new UserOptions { PasswordHash = PasswordHasher.HashPbkdf2("s3cret", 10_000) }));
        var auth = Create(directory);
        Assert.True((await auth.AuthenticatePasswordAsync(Attempt("erin"), "s3cret", CancellationToken.None)).Succeeded);
        var (name, upgraded) = Assert.Single(directory.Logins);
        Assert.Equal("erin", name);
        Assert.True(PasswordHasher.TryParse(upgraded!, out var hash, out _));
        Assert.Equal("argon2id", hash!.Scheme);
        Assert.True(hash.Verify("s3cret"));

        // A wrong password records nothing.
        Assert.False((await auth.AuthenticatePasswordAsync(Attempt("erin"), "wrong", CancellationToken.None)).Succeeded);
        Assert.Single(directory.Logins);
    }

    [Fact]
    public async Task A_refused_policy_fails_the_login_like_a_wrong_password()
    {
        var record = UserStore.FromOptions("erin", new UserOptions { PasswordHash = PasswordHasher.HashPbkdf2("s3cret", 10_000) })
            with { Policy = LoginPolicy.For(new Account { Name = "erin", Disabled = true }) };
        var directory = new FakeDirectory(record);
        var throttle = new LoginThrottle(new AuthOptions { MaxFailuresPerAddress = 1 }, TimeProvider.System);
        var auth = Create(directory, throttle);
        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePasswordAsync(Attempt("erin"), "s3cret", CancellationToken.None)).Outcome);
        Assert.Empty(directory.Logins);
        Assert.True(throttle.IsBanned(Client));
    }

    [Fact]
    public async Task A_store_that_cannot_answer_refuses_the_login_without_blaming_the_client()
    {
        var directory = new FakeDirectory(null) { Broken = true };
        var throttle = new LoginThrottle(new AuthOptions { MaxFailuresPerAddress = 1 }, TimeProvider.System);
        var auth = Create(directory, throttle);
        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePasswordAsync(Attempt("erin"), "s3cret", CancellationToken.None)).Outcome);
        Assert.False(await auth.IsPublicKeyAcceptableAsync(Attempt("erin"), _ => true, CancellationToken.None));
        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePublicKeyAsync(Attempt("erin"), _ => true, CancellationToken.None)).Outcome);
        Assert.False(throttle.IsBanned(Client));
    }

    private static LoginAttempt Attempt(string user) => new(user, Protocols.Ftp, Client, "c1");

    private static Authenticator Create(IUserDirectory directory, LoginThrottle? throttle = null)
    {
        var options = new AuthOptions { FailureDelayMilliseconds = 0, PasswordCacheSeconds = 0 };
        return new Authenticator(directory, throttle ?? new LoginThrottle(options, TimeProvider.System), options,
            new AnonymousPolicy(false, VirtualPath.Root), TimeProvider.System, NullLogger<Authenticator>.Instance);
    }

    private sealed class FakeDirectory(UserRecord? user) : IUserDirectory
    {
        public bool Broken { get; init; }

        public List<(string Name, string? Upgraded)> Logins { get; } = [];

        public ValueTask<UserRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
            Broken ? throw new InvalidOperationException("database away") : ValueTask.FromResult(user?.Account.Name == name ? user : null);

        public ValueTask RecordLoginAsync(UserRecord record, string? upgradedPasswordHash, CancellationToken cancellationToken)
        {
            Logins.Add((record.Account.Name, upgradedPasswordHash));
            return ValueTask.CompletedTask;
        }
    }
}
