using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// One account on three gateways sharing a ledger (<see cref="InMemoryLedger"/>; the PostgreSQL one is tested in
/// MultiXfer.Server.Tests): each gateway writes and reads only what its grant holds and asks the ledger for more, so
/// uploads spread over the gateways never pass the disk quota together, a gateway that lets go of its files leaves its
/// room to the others, and a daily allowance is spent exactly once over all of them. Each gateway has storage of its
/// own here; what they put on disk together is what the quota bounds.
/// </summary>
public sealed class SharedQuotaTests
{
    private const int Quota = 1024 * 1024;
    private const int Count = 3;
    private const int SessionsPerGateway = 3;
    private const int Size = 200 * 1024;

    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>The account on three gateways, each with storage of its own, sharing one ledger; disposed together.</summary>
    private sealed class Gateways : IAsyncDisposable
    {
        public Gateways(AccountLimits limits) =>
            All = [.. Enumerable.Range(0, Count).Select(g => Start("memory", limits, usage: Ledger.Gateway($"gw{g}")))];

        public InMemoryLedger Ledger { get; } = new();

        public QuotaHarness[] All { get; }

        public async ValueTask DisposeAsync()
        {
            foreach (var gateway in All)
            {
                await gateway.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Uploads_spread_over_three_gateways_never_pass_the_quota_together_and_each_is_whole_or_absent()
    {
        await using var cluster = new Gateways(new AccountLimits { QuotaBytes = Quota });
        var (ledger, gateways) = (cluster.Ledger, cluster.All);
        var sessions = new List<(QuotaHarness Gateway, IFileSystem Session, int Seed)>();
        foreach (var gateway in gateways)
        {
            sessions.Add((gateway, await gateway.OpenAsync(), sessions.Count));
            for (int s = 1; s < SessionsPerGateway; s++)
            {
                sessions.Add((gateway, await gateway.OpenAsync(), sessions.Count));
            }
        }

        bool[] completed = await RaceAsync(sessions.Select(s => (Func<Task>)(() => UploadAsync(s.Session, $"/f{s.Seed}", Size, seed: s.Seed))));

        long onDisk = 0;
        for (int i = 0; i < sessions.Count; i++)
        {
            var (gateway, _, seed) = sessions[i];
            var view = await gateway.OpenUncountedAsync();
            var status = await TryStatAsync(view, $"/f{seed}");
            if (completed[i])
            {
                Assert.Equal(Content(Size, seed), await ReadAllAsync(view, $"/f{seed}"));
                onDisk += status!.Size;
            }
            else
            {
                Assert.Null(status); // refused: no partial file under the final name
            }
        }

        Assert.True(onDisk <= Quota, $"{onDisk} bytes on the three gateways' storage against a quota of {Quota}");
        // Room is refused early only by what other gateways hold unused: at least 3 of the 5 that fit complete.
        Assert.True(completed.Count(c => c) >= 3, $"only {completed.Count(c => c)} uploads completed");

        // Settled: the ledger's total is what is on disk, and idle gateways hold nothing.
        foreach (var gateway in gateways)
        {
            await gateway.Usage.ExchangeAsync(default, None);
        }

        Assert.Equal(onDisk, ledger.Used.Bytes);
        Assert.Equal(completed.Count(c => c), ledger.Used.Files);
        Assert.All(Enumerable.Range(0, Count), g => Assert.True(ledger.HeldBy($"gw{g}").IsZero, $"gw{g} holds {ledger.HeldBy($"gw{g}")}"));
    }

    [Fact]
    public async Task A_gateway_that_lets_go_of_its_files_leaves_its_room_to_another()
    {
        await using var cluster = new Gateways(new AccountLimits { QuotaBytes = Quota });
        var (ledger, gateways) = (cluster.Ledger, cluster.All);
        var first = await gateways[0].OpenAsync();
        var second = await gateways[1].OpenAsync();

        // Gateway 0 holds an upload open: 300 KiB written, and a grant with headroom beyond them.
        var open = await first.OpenFileAsync(P("/held.bin"), Replace, None);
        await open.WriteAsync(0, Content(300 * 1024), None);
        Assert.True(ledger.HeldBy("gw0").Bytes > 300 * 1024, $"gw0 holds {ledger.HeldBy("gw0")}");

        // While it is open, gateway 1 may be refused early; once gateway 0 commits, closes and settles (what its
        // flush does when the last file closes), 700 KiB more fit: 1,000 KiB of 1,024.
        try
        {
            await UploadAsync(second, "/big.bin", 700 * 1024);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.QuotaExceeded)
        {
            // the limitation the grants trade for round trips
        }

        await open.CommitAsync(None);
        await open.DisposeAsync();
        await gateways[0].Usage.ExchangeAsync(default, None);
        Assert.True(ledger.HeldBy("gw0").IsZero, $"gw0 still holds {ledger.HeldBy("gw0")}");
        Assert.Equal(300 * 1024, ledger.Used.Bytes); // gateway 1 has settled nothing yet

        await UploadAsync(second, "/big.bin", 700 * 1024);
        Assert.Equal(700 * 1024, (await TryStatAsync(await gateways[1].OpenUncountedAsync(), "/big.bin"))!.Size);

        // And no more: the next 100 KiB do not fit anywhere.
        await QuotaRefusal(() => UploadAsync(first, "/more.bin", 100 * 1024));
        await gateways[1].Usage.ExchangeAsync(default, None);
        Assert.Equal(1000 * 1024, ledger.Used.Bytes);
    }

    [Fact]
    public async Task With_the_ledger_unreachable_a_gateway_writes_what_its_grant_holds_and_refuses_the_rest_saying_why()
    {
        await using var cluster = new Gateways(new AccountLimits { QuotaBytes = Quota });
        var (ledger, gateways) = (cluster.Ledger, cluster.All);
        var session = await gateways[0].OpenAsync();
        await using var open = await session.OpenFileAsync(P("/f.bin"), Replace, None);
        await open.WriteAsync(0, Content(16 * 1024), None);
        long held = ledger.HeldBy("gw0").Bytes;
        ledger.Unreachable = true;

        // What is already granted goes on being written; the write past it cannot be checked, so it is refused.
        long written = 16 * 1024;
        var refusal = await QuotaRefusal(async () =>
        {
            for (; ; written += 16 * 1024)
            {
                await open.WriteAsync(written, Content(16 * 1024), None);
            }
        });
        Assert.True(written <= held && written > held - (16 * 1024), $"wrote {written} of a grant of {held}");
        Assert.Contains("the cluster's usage ledger cannot be reached", refusal.Message, StringComparison.Ordinal);

        // The refused upload is discarded whole; with the ledger back, the next one gets room again.
        ledger.Unreachable = false;
        await UploadAsync(session, "/g.bin", 100 * 1024);
        Assert.Null(await TryStatAsync(await gateways[0].OpenUncountedAsync(), "/f.bin"));
    }

    [Fact]
    public async Task A_daily_download_allowance_is_spent_exactly_once_over_all_gateways()
    {
        await using var cluster = new Gateways(new AccountLimits { DownloadBytesPerDay = Quota });
        var (ledger, gateways) = (cluster.Ledger, cluster.All);
        foreach (var gateway in gateways)
        {
            await gateway.SeedAsync("/data.bin", 300 * 1024);
        }

        var readers = gateways.Select(gateway => Task.Run(async () =>
        {
            var session = await gateway.OpenAsync();
            long read = 0;
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    await using var handle = await session.OpenFileAsync(P("/data.bin"), FileOpenOptions.ReadOnly, None);
                    int n;
                    long offset = 0;
                    while ((n = await handle.ReadAsync(offset, buffer, None)) > 0)
                    {
                        offset += n;
                        read += n;
                    }
                }
            }
            catch (FsException e) when (e.Kind == FsErrorKind.QuotaExceeded)
            {
                return read;
            }
        })).ToArray();
        long[] perGateway = await Task.WhenAll(readers);

        // Every gateway read until refused: together they used the allowance to the byte.
        Assert.True(perGateway.Sum() == Quota, $"read {string.Join(" + ", perGateway)} against an allowance of {Quota}");
        foreach (var gateway in gateways)
        {
            await gateway.Usage.ExchangeAsync(default, None);
        }

        Assert.Equal(Quota, ledger.Used.Downloaded);
    }
}
