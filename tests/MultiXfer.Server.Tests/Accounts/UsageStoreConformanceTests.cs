using MultiXfer.Accounts;
using MultiXfer.Limits;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Accounts;

/// <summary>
/// One suite, run against every provider: accounts' usage (disk figures and today's transfers) must survive a
/// restart the same on the embedded SQLite file and on PostgreSQL.
/// </summary>
public abstract class UsageStoreConformanceTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly SettableClock _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private SqlDialect _dialect = null!;

    protected abstract Task<SqlDialect> NewDialectAsync();

    private SqlUsageStore Store => new(_dialect, _time);

    public async Task InitializeAsync()
    {
        _dialect = await NewDialectAsync();
        Assert.Equal(SchemaMigrations.Latest, await SchemaMigrations.MigrateAsync(_dialect, None));
    }

    public async Task DisposeAsync() => await _dialect.DisposeAsync();

    /// <summary>Figures beyond 32 bits (a 5 TiB quota is real), and a scan time with milliseconds, which are kept.</summary>
    private static StoredUsage Usage(string key, long n = 0, bool scanned = true) => new(
        key,
        Bytes: (5L << 40) + n,
        Files: 3_000_000_000 + n,
        Day: 20_500 + n,
        UploadedBytes: (7L << 33) + n,
        DownloadedBytes: (9L << 33) + n,
        ScannedAt: scanned ? new DateTimeOffset(2026, 11, 30, 8, 15, 30, 123, TimeSpan.Zero).AddMinutes(n) : null);

    [Fact]
    public async Task Saved_usage_loads_with_every_field()
    {
        var saved = Usage("alice");
        await Store.SaveAsync([saved], None);

        Assert.Equal(saved, await Store.LoadAsync("alice", None));
    }

    [Fact]
    public async Task A_usage_never_scanned_keeps_its_missing_scan_time()
    {
        var saved = Usage("bob", scanned: false);
        await Store.SaveAsync([saved], None);

        var loaded = await Store.LoadAsync("bob", None);
        Assert.Equal(saved, loaded);
        Assert.Null(loaded!.ScannedAt);
    }

    [Fact]
    public async Task A_key_never_saved_loads_as_nothing()
    {
        Assert.Null(await Store.LoadAsync("nobody", None));
        await Store.SaveAsync([Usage("carol")], None);
        Assert.Null(await Store.LoadAsync("nobody", None));
        Assert.Null(await Store.LoadAsync("carol@site-b", None));
    }

    /// <summary>The registry saves an account each time its figures change: the later save replaces every field.</summary>
    [Fact]
    public async Task Saving_a_key_again_overwrites_every_field()
    {
        await Store.SaveAsync([Usage("dave", n: 1)], None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var later = new StoredUsage("dave", Bytes: 0, Files: 0, Day: 20_600, UploadedBytes: 1, DownloadedBytes: 2, ScannedAt: null);

        await Store.SaveAsync([later], None);

        Assert.Equal(later, await Store.LoadAsync("dave", None));
    }

    [Fact]
    public async Task Delete_removes_only_its_key_and_a_missing_key_is_no_error()
    {
        await Store.SaveAsync([Usage("erin"), Usage("frank", n: 2)], None);

        await Store.DeleteAsync("erin", None);
        await Store.DeleteAsync("erin", None);
        await Store.DeleteAsync("never-there", None);

        Assert.Null(await Store.LoadAsync("erin", None));
        Assert.Equal(Usage("frank", n: 2), await Store.LoadAsync("frank", None));

        // A new account of the deleted name starts from what it saves, nothing of the old one's.
        await Store.SaveAsync([Usage("erin", n: 9)], None);
        Assert.Equal(Usage("erin", n: 9), await Store.LoadAsync("erin", None));
    }

    /// <summary>One flush saves every changed account at once, new ones and ones stored before alike.</summary>
    [Fact]
    public async Task A_batch_saves_every_account_in_it()
    {
        await Store.SaveAsync([Usage("user000", n: 1000), Usage("user001", n: 1001)], None);
        var batch = Enumerable.Range(0, 300).Select(i => Usage($"user{i:D3}", n: i)).ToList();

        await Store.SaveAsync(batch, None);

        foreach (var expected in batch)
        {
            Assert.Equal(expected, await Store.LoadAsync(expected.Key, None));
        }
    }

    [Fact]
    public async Task An_empty_batch_changes_nothing()
    {
        await Store.SaveAsync([Usage("gina")], None);

        await Store.SaveAsync([], None);

        Assert.Equal(Usage("gina"), await Store.LoadAsync("gina", None));
    }

    /// <summary>Usage keys are account names (and name@host): compared byte for byte, as names are, on every database.</summary>
    [Fact]
    public async Task Keys_differing_only_in_case_or_host_are_different_accounts()
    {
        string[] keys = ["alice", "Alice", "ALICE", "alice@site-b", "ålice"];
        await Store.SaveAsync([.. keys.Select((key, i) => Usage(key, n: i))], None);

        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(Usage(keys[i], n: i), await Store.LoadAsync(keys[i], None));
        }

        await Store.DeleteAsync("Alice", None);
        Assert.Null(await Store.LoadAsync("Alice", None));
        Assert.NotNull(await Store.LoadAsync("alice", None));
        Assert.NotNull(await Store.LoadAsync("ALICE", None));
    }
}

public sealed class SqliteUsageStoreTests : UsageStoreConformanceTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mx-usage-");

    protected override Task<SqlDialect> NewDialectAsync() =>
        Task.FromResult<SqlDialect>(new SqliteDialect(Path.Combine(_directory.FullName, "state", AccountDatabase.SqliteFileName)));

    public void Dispose() => _directory.Delete(recursive: true);
}

public sealed class PostgresUsageStoreTests(PostgresFixture postgres) : UsageStoreConformanceTests, IClassFixture<PostgresFixture>
{
    protected override async Task<SqlDialect> NewDialectAsync() => new PostgresDialect(await postgres.Server.CreateDatabaseAsync());
}
