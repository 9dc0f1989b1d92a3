using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth.Accounts;
using MultiXfer.Fsio;
using MultiXfer.Limits;
using MultiXfer.TestMetrics;

namespace MultiXfer.Auth.Tests;

/// <summary>multixfer.auth.bans, and multixfer.account_store.duration around the store calls logins and usage make.</summary>
public sealed class AuthMetricsTests : IDisposable
{
    private const string StoreDuration = "multixfer.account_store.duration";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");
    private static readonly AuthOptions Options =
        new() { FailureDelayMilliseconds = 0, PasswordCacheSeconds = 0, MaxFailuresPerAddress = 2 };

    private readonly TestMeterFactory _meters = new();
    private readonly AuthMetrics _metrics;
    private readonly MeasurementRecorder _recorder;

    public AuthMetricsTests()
    {
        _metrics = new AuthMetrics(_meters);
        _recorder = new MeasurementRecorder(_metrics.Meter);
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task The_failure_that_bans_an_address_counts_once_under_its_protocol()
    {
        var alice = UserStore.FromOptions("alice", new UserOptions { PasswordHash = PasswordHasher.HashPbkdf2("s3cret", 10_000) });
        var auth = Authenticator(new UserStore([alice]));

        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePasswordAsync(Attempt("alice", Protocols.Ftp), "wrong", None)).Outcome);
        Assert.Empty(_recorder.Lines("multixfer.auth.bans"));
        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePasswordAsync(Attempt("mallory", Protocols.Sftp), "guess", None)).Outcome);
        var afterBan = await auth.AuthenticatePasswordAsync(Attempt("alice", Protocols.Ftp), "s3cret", None);
        Assert.Equal(AuthOutcome.Throttled, afterBan.Outcome);

        Assert.Equal(["protocol=sftp 1"], _recorder.Lines("multixfer.auth.bans"));
    }

    [Fact]
    public async Task A_login_from_the_account_store_times_its_find_and_its_record()
    {
        var store = new OneAccountStore(new Account { Name = "erin", PasswordHash = PasswordHasher.HashPbkdf2("s3cret", 10_000) });
        var auth = Authenticator(new AccountDirectory(store, null, false, null, null, TimeProvider.System, _metrics));

        Assert.Equal(AuthOutcome.Success, (await auth.AuthenticatePasswordAsync(Attempt("erin", Protocols.Ftp), "s3cret", None)).Outcome);
        store.Broken = true;
        Assert.Equal(AuthOutcome.Failed, (await auth.AuthenticatePasswordAsync(Attempt("erin", Protocols.Ftp), "s3cret", None)).Outcome);

        var calls = _recorder.Of(StoreDuration);
        Assert.Equal(["find ok", "record_login ok", "find error"], calls.Select(c => $"{c.Tags["operation"]} {c.Tags["result"]}"));
        Assert.All(calls, c => Assert.InRange(c.Value, 0, 10));
        Assert.Equal(1, store.LoginsRecorded);
    }

    [Fact]
    public async Task Usage_loads_and_flushes_are_timed()
    {
        var stored = new RecordingUsageStore();
        var registry = new UsageRegistry(new TimedUsageStore(stored, _metrics), TimeProvider.System);

        var usage = await registry.GetAsync("u1", None);
        usage.CountTransfer(TransferDirection.Upload, 10);
        await registry.FlushAsync(None);
        registry.Forget("u1");
        await registry.FlushAsync(None);

        Assert.Equal(["usage_load ok", "usage_flush ok", "usage_delete ok"],
            _recorder.Of(StoreDuration).Select(c => $"{c.Tags["operation"]} {c.Tags["result"]}"));
        Assert.Equal(1, stored.Saved);
    }

    private Authenticator Authenticator(IUserDirectory users) =>
        new(users, new LoginThrottle(Options, TimeProvider.System), Options, new AnonymousPolicy(false, VirtualPath.Root),
            TimeProvider.System, NullLogger<Authenticator>.Instance, _metrics);

    private static LoginAttempt Attempt(string user, string protocol) => new(user, protocol, Client, "c1");

    /// <summary>One stored account; reading it fails while <see cref="Broken"/>.</summary>
    private sealed class OneAccountStore(Account account) : IAccountStore
    {
        public bool Broken { get; set; }

        public int LoginsRecorded { get; private set; }

        public Task<Account?> GetAsync(string name, CancellationToken cancellationToken) => Broken
            ? throw new InvalidOperationException("database away")
            : Task.FromResult(name == account.Name ? account : null);

        public Task RecordLoginAsync(string name, DateTimeOffset at, string? upgradedPasswordHash, CancellationToken cancellationToken)
        {
            LoginsRecorded++;
            return Task.CompletedTask;
        }

        public Task<int> MigrateAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountPage> ListAsync(AccountQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> CountAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Account> CreateAsync(Account account, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Account> UpdateAsync(Account account, long expectedVersion, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> DeleteAsync(string name, long? expectedVersion, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private sealed class RecordingUsageStore : IUsageStore
    {
        public int Saved { get; private set; }

        public Task<StoredUsage?> LoadAsync(string key, CancellationToken cancellationToken) => Task.FromResult<StoredUsage?>(null);

        public Task SaveAsync(IReadOnlyList<StoredUsage> usage, CancellationToken cancellationToken)
        {
            Saved++;
            return Task.CompletedTask;
        }

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
