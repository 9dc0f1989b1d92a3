using MultiXfer.Accounts;
using MultiXfer.Auth;
using MultiXfer.Server.Configuration;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// The account store at start: opened and migrated before anything listens, checked against the configuration's
/// users (a name in both is a start-up error), and given the first start's demo user when there is nobody at all.
/// </summary>
internal static class AccountStartup
{
    public static (AccountDatabase? Database, string? Problem) Open(MultiXferSettings settings)
    {
        AccountDatabase? database = null;
        try
        {
            database = AccountDatabase.Open(settings.Accounts, settings.Server.StateDirectory, TimeProvider.System);
            SchemaMigrations.MigrateAsync(database.Dialect, CancellationToken.None).GetAwaiter().GetResult();
            if (database.HoldsAccounts && CollisionsWith(database, ConfiguredNames(settings)) is { Count: > 0 } both)
            {
                database.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return (null, $"Users: {string.Join(", ", both)} also exist in the account store (Accounts:Provider {settings.Accounts.Provider}); " +
                    "a name must be in one place: remove it from the configuration or delete the stored account");
            }

            return (database, null);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException
                                       or ArgumentException)
        {
            database?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return (null, $"Accounts: cannot open the {settings.Accounts.Provider} account store: {e.Message}");
        }
    }

    /// <summary>Every user name the configuration defines, top level and per virtual host.</summary>
    public static HashSet<string> ConfiguredNames(MultiXferSettings settings) =>
        [.. settings.Users.Keys, .. settings.VirtualHosts.Values.SelectMany(h => h.Users?.Keys ?? Enumerable.Empty<string>())];

    /// <summary>
    /// With no configured users, the demo user: a stored account (or, for Accounts:Provider config, a state-file user
    /// returned here as if configured).
    /// </summary>
    public static IReadOnlyDictionary<string, UserOptions> ProvisionDemo(MultiXferSettings settings, AccountDatabase database, Action<string> announce)
    {
        var users = new Dictionary<string, UserOptions>(StringComparer.Ordinal);
        if (settings.Users.Count > 0)
        {
            return users;
        }

        if (database.HoldsAccounts)
        {
            DemoUser.ProvisionAsync(database.Accounts, settings.Server.StateDirectory, settings.Server.DataRoot, announce, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        else
        {
            users[DemoUser.Name] = DemoUser.ProvisionInStateFile(settings.Server.StateDirectory, announce);
        }

        return users;
    }

    private static List<string> CollisionsWith(AccountDatabase database, IEnumerable<string> names) =>
        [.. names.Where(name => database.Accounts.GetAsync(name, CancellationToken.None).GetAwaiter().GetResult() is not null).Order(StringComparer.Ordinal)];
}
