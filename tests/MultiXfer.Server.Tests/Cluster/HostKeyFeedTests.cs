using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Accounts;
using MultiXfer.Connections;
using MultiXfer.Server.Cluster;
using MultiXfer.Ssh;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests.Cluster;

/// <summary>
/// A host key rotation step taken on one gateway reaches the others through PostgreSQL: gateways sharing a keys
/// directory whose file watchers see nothing (as on NFS; here the managers watch no files) load the step's result
/// when it is announced.
/// </summary>
public sealed class HostKeyFeedTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("mx-shared-keys-");
    private readonly List<IAsyncDisposable> _owned = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _keys.Delete(recursive: true);
    }

    private async Task<(HostKeyManager Keys, HostKeyFeed Feed)> GatewayAsync()
    {
        var keys = HostKeyManager.Create(new SshOptions(), _keys.FullName, new Dictionary<string, ListenerOptions>(), NullLogger.Instance);
        Assert.Null(keys.LoadAtStart(_keys.FullName));
        var dialect = new PostgresDialect(_connectionString);
        _owned.Add(dialect);
        var feed = new HostKeyFeed(dialect, [("default", keys)], NullLogger.Instance);
        _owned.Add(feed);
        await feed.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (!feed.Listening)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the feed never listened");
            await Task.Delay(10);
        }

        return (keys, feed);
    }

    [Fact]
    public async Task A_rotation_step_announced_by_one_gateway_is_loaded_by_the_others_without_a_file_event()
    {
        var (rotating, feed) = await GatewayAsync();
        var (other, _) = await GatewayAsync();

        Assert.Null(rotating.Stage("ssh-ed25519"));
        string staged = rotating.Describe().Single(k => k.State == "staged").Fingerprint;
        await Task.Delay(300);
        Assert.DoesNotContain(other.Describe(), k => k.State == "staged"); // nothing tells it without the feed

        feed.Announce("default");
        var clock = Stopwatch.StartNew();
        while (!other.Describe().Any(k => k.State == "staged" && k.Fingerprint == staged))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the other gateway never loaded the staged key");
            await Task.Delay(20);
        }

        // Promoted on the first gateway: the other signs with the new key too.
        Assert.Null(rotating.Promote("ssh-ed25519"));
        feed.Announce("default");
        clock.Restart();
        while (!other.Describe().Any(k => k.State == "active" && k.Fingerprint == staged))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the other gateway never took the promoted key");
            await Task.Delay(20);
        }
    }
}
