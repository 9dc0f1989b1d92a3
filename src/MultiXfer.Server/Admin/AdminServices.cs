using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Hosting;
using MultiXfer.Server.Observability;
using MultiXfer.Transport;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Admin;

/// <summary>The operations plane's services: session control, the account enforcer, and the admin API when enabled.</summary>
internal static class AdminServices
{
    public static void Add(IServiceCollection services, MultiXferSettings settings, SiteHostKeys hostKeys, CertificateStore certificates)
    {
        services.AddSingleton(provider => new SessionControl(provider.GetRequiredService<ConnectionTracker>(), settings.Admin, TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<SessionControl>()));
        services.AddSingleton(provider =>
        {
            var database = provider.GetRequiredService<AccountDatabase>();
            var sessions = provider.GetRequiredService<SessionControl>();
            var quotas = provider.GetRequiredService<QuotaControl>();
            var configured = AccountStartup.ConfiguredNames(settings);
            // The account as the change left it (null when deleted): its sessions are judged against that, no second read.
            return new AccountOperations(database, configured.Contains, settings.VirtualHosts.ContainsKey, settings.Ssh.MinimumRsaKeyBits,
                TimeProvider.System, (name, account) =>
                {
                    sessions.EnforceAccount(name, account);
                    quotas.AccountChanged(name, account);
                    provider.GetService<MultiXfer.Server.Cluster.AccountChangeFeed>()?.Announce(name);
                }, provider.GetRequiredService<ILoggerFactory>().CreateLogger("MultiXfer.Audit"));
        });
        services.AddSingleton(provider => new QuotaControl(provider.GetRequiredService<MultiXfer.Limits.UsageRegistry>(),
            provider.GetRequiredService<MultiXfer.Connections.VirtualHostDirectory>(), provider.GetRequiredService<MultiXfer.Fsio.FileSystemProvider>()));

        services.AddSingleton(provider => new AccountEnforcer(provider.GetRequiredService<AccountDatabase>().Accounts,
            provider.GetRequiredService<SessionControl>(), TimeSpan.FromSeconds(settings.Admin.EnforcementIntervalSeconds), TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<AccountEnforcer>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<AccountEnforcer>());

        if (!settings.Admin.Enabled)
        {
            return;
        }

        services.AddSingleton(provider => new Readiness(provider.GetRequiredService<ListenerService>, settings.Listeners.Count,
            () => [provider.GetRequiredService<MultiXfer.Fsio.FileSystemProvider>(), .. provider.GetRequiredService<VirtualHostFactory>().ExtraStorage()],
            provider.GetRequiredService<AccountDatabase>(), certificates,
            settings.Listeners.Values.Any(l => l.ServedProtocols().Any(p => p.StartsWith("ftp", StringComparison.Ordinal))),
            hostKeys, hostKeys.All.Count > 0));

        services.AddSingleton(provider => new AdminApiService(settings.Admin, new AdminContext(
                provider.GetRequiredService<AccountOperations>(), provider.GetRequiredService<SessionControl>(),
                provider.GetRequiredService<QuotaControl>(),
                provider.GetRequiredService<ConfigurationReloader>().Reload,
                [.. SitesOf(hostKeys)], certificates, settings.Accounts.Provider, TimeProvider.System,
                provider.GetService<MultiXfer.Server.Cluster.SessionRegistry>(), provider.GetService<MultiXfer.Server.Cluster.HostKeyFeed>()),
            AdminAuthentication.ThrottleFor(settings.Admin, settings.Server.Ipv6PrefixLength, TimeProvider.System),
            certificates, provider.GetRequiredService<Readiness>(), provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<AdminApiService>());
    }

    /// <summary>Each SSH site's host keys under the name the API gives it.</summary>
    public static IEnumerable<(string Site, MultiXfer.Ssh.HostKeys.HostKeyManager Keys)> SitesOf(SiteHostKeys hostKeys)
    {
        if (hostKeys.Default is { } defaultKeys)
        {
            yield return ("default", defaultKeys);
        }

        foreach (var (listener, keys) in hostKeys.ByListener.Where(l => !ReferenceEquals(l.Value, hostKeys.Default)))
        {
            yield return ($"listener {listener}", keys);
        }
    }
}
