using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Ssh.HostKeys;

namespace MultiXfer.Server.Cluster;

/// <summary>
/// Host key rotation once for the cluster. The gateways share their keys directory (one volume), so a rotation step
/// taken through any gateway's API changes the files for all; this feed announces the step, and every gateway loads
/// the site's keys again at once. Each gateway's file watcher would see the change on a local volume, but not on a
/// network file system (NFS, EFS), where one client's changes raise no events at another.
/// </summary>
internal sealed class HostKeyFeed(PostgresDialect database, IReadOnlyList<(string Site, HostKeyManager Keys)> sites, ILogger logger)
    : IHostedService, IAsyncDisposable
{
    public const string Channel = "multixfer_hostkeys";

    private ClusterChannel? _rotations;

    /// <summary>True while this gateway hears the cluster's rotation steps.</summary>
    public bool Listening => _rotations?.Listening == true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _rotations = new ClusterChannel(database, Channel, site => Reload(site, "a rotation step on another gateway"), CatchUpAsync, logger);
        _rotations.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _rotations?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>A rotation step changed <paramref name="site"/>'s keys here: every gateway loads them again.</summary>
    public void Announce(string site) => _rotations?.Announce(site);

    private void Reload(string site, string reason)
    {
        foreach (var (name, keys) in sites)
        {
            if (name == site)
            {
                keys.Reload(reason);
            }
        }
    }

    /// <summary>Steps announced while this gateway was not listening: every site's keys are loaded again.</summary>
    private Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        foreach (var (site, _) in sites)
        {
            Reload(site, "listening to the cluster's rotation steps again");
        }

        return Task.FromResult(sites.Count);
    }

    public async ValueTask DisposeAsync()
    {
        if (_rotations is not null)
        {
            await _rotations.DisposeAsync();
        }
    }
}
