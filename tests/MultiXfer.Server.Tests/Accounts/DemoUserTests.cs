using MultiXfer.Accounts;
using MultiXfer.Auth;
using MultiXfer.Server.Hosting;

namespace MultiXfer.Server.Tests.Accounts;

/// <summary>The first start's demo account in the store: created once, taken over from earlier builds, not resurrected.</summary>
public sealed class DemoUserTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("mx-demo-").FullName;
    private SqliteDialect _dialect = null!;

    private string State => Path.Combine(_work, "state");

    private string Data => Path.Combine(_work, "data");

    private SqlAccountStore Store => new(_dialect, TimeProvider.System);

    public async Task InitializeAsync()
    {
        _dialect = new SqliteDialect(Path.Combine(State, AccountDatabase.SqliteFileName));
        await SchemaMigrations.MigrateAsync(_dialect, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _dialect.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<string?> ProvisionAsync()
    {
        string? announced = null;
        await DemoUser.ProvisionAsync(Store, State, Data, password => announced = password, CancellationToken.None);
        return announced;
    }

    [Fact]
    public async Task The_demo_account_is_created_once_and_a_deleted_one_stays_deleted()
    {
        string? password = await ProvisionAsync();
        Assert.NotNull(password);
        var demo = await Store.GetAsync(DemoUser.Name, CancellationToken.None);
        Assert.True(PasswordHasher.TryParse(demo!.PasswordHash, out var hash, out _) && hash!.Verify(password));
        Assert.Equal("/demo", demo.Home);

        Assert.Null(await ProvisionAsync());
        Assert.True(await Store.DeleteAsync(DemoUser.Name, null, CancellationToken.None));
        Assert.Null(await ProvisionAsync());
        Assert.Null(await Store.GetAsync(DemoUser.Name, CancellationToken.None));
    }

    [Fact]
    public async Task An_earlier_build_s_demo_password_is_taken_over()
    {
        string legacy = Path.Combine(Data, ".multixfer");
        Directory.CreateDirectory(legacy);
        string hash = PasswordHasher.HashPbkdf2("old-demo-password", 10_000);
        await File.WriteAllTextAsync(Path.Combine(legacy, "state.json"), $$"""{ "DemoPasswordHash": "{{hash}}" }""");

        Assert.Null(await ProvisionAsync());
        Assert.Equal(hash, (await Store.GetAsync(DemoUser.Name, CancellationToken.None))!.PasswordHash);
    }

    [Fact]
    public async Task Accounts_already_stored_mean_no_demo()
    {
        await Store.CreateAsync(new MultiXfer.Auth.Accounts.Account { Name = "erin" }, CancellationToken.None);
        Assert.Null(await ProvisionAsync());
        Assert.Null(await Store.GetAsync(DemoUser.Name, CancellationToken.None));
    }
}
