using System.Diagnostics;
using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Limits;

/// <summary>
/// Rates hold across an account's sessions (FTP and SFTP alike), one session's cap and a host's cap hold too, and an
/// account without a rate is not slowed by another's. Rates are measured from the clients' own transfer times (curl),
/// summed over the sessions of one run. They run alone (a collection without parallelization): beside the other
/// interop tests a loaded 2-core machine once delivered 11 % under the rate, which is the machine, not the pacing.
/// </summary>
[Collection(nameof(BandwidthCollection))]
public sealed class BandwidthTests
{
    private const long Rate = 4_000_000;

    /// <summary>What each run moves in total: five seconds at the rate, so the gate's 0.1 s burst adds 2 %.</summary>
    private const long Total = 20_000_000;

    [ClientFact("curl")]
    public async Task Downloads_of_one_account_share_its_rate_within_ten_percent_for_1_4_and_16_sessions_while_another_account_runs_unpaced()
    {
        await using var server = await TestServer.StartAsync(s => s["Users:alice:Limits:DownloadBytesPerSecond"] = $"{Rate}");
        foreach (int sessions in new[] { 1, 4, 16 })
        {
            LimitClients.CreateSparse(Path.Combine(server.HomeOf("alice"), $"d{sessions}.bin"), Total / sessions);
        }

        LimitClients.CreateSparse(Path.Combine(server.HomeOf("bob"), "big.bin"), 400_000_000);

        foreach (int sessions in new[] { 1, 4, 16 })
        {
            var bob = sessions == 4 ? LimitClients.StartTimedTransfer(server, "ftp", "bob", "big.bin", null) : null;
            double rate = await WithinTenPercentOrAgainAsync(Rate, () => MeasureAsync(sessions, i => LimitClients.StartTimedTransfer(server,
                i % 2 == 0 ? "ftp" : "sftp", "alice", $"d{sessions}.bin", null), Total));
            Assert.True(rate >= Rate * 0.9 && rate <= Rate * 1.1, $"{sessions} sessions together moved {rate:N0} B/s under a rate of {Rate:N0}");
            if (bob is not null)
            {
                var (begun, ended) = await FinishAsync(bob);
                double bobRate = 400_000_000 / (ended - begun);
                Assert.True(bobRate > Rate * 10, $"bob, who has no rate, moved {bobRate:N0} B/s beside alice's paced sessions");
            }
        }
    }

    [ClientFact("curl")]
    public async Task Uploads_of_one_account_share_its_rate_within_ten_percent_over_FTP_and_SFTP()
    {
        // Ten seconds at the rate: an upload's window also holds the commit and the final reply of each session.
        const long uploaded = 2 * Total;
        await using var server = await TestServer.StartAsync(s => s["Users:alice:Limits:UploadBytesPerSecond"] = $"{Rate}");
        string local = Path.Combine(server.RootDirectory, "up.bin");
        await File.WriteAllBytesAsync(local, new byte[uploaded / 4]);

        double rate = await WithinTenPercentOrAgainAsync(Rate, () => MeasureAsync(4, i => LimitClients.StartTimedTransfer(server,
            i % 2 == 0 ? "ftp" : "sftp", "alice", $"u{i}.bin", local), uploaded));

        Assert.True(rate >= Rate * 0.9 && rate <= Rate * 1.1, $"4 sessions together uploaded {rate:N0} B/s under a rate of {Rate:N0}");
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(uploaded / 4, new FileInfo(Path.Combine(server.HomeOf("alice"), $"u{i}.bin")).Length));
    }

    [ClientFact("curl")]
    public async Task A_session_cap_holds_one_session_and_a_host_cap_holds_all_accounts_together()
    {
        const long sessionCap = 2_000_000;
        const long hostCap = 3_000_000;
        await using var server = await TestServer.StartAsync(s =>
        {
            s["Limits:SessionDownloadBytesPerSecond"] = $"{sessionCap}";
            s["Limits:HostDownloadBytesPerSecond"] = $"{hostCap}";
        });
        // Six seconds at the cap: curl's SFTP start and close add a fixed third of a second or so to its window, which
        // over three seconds alone came to 11 % under the cap.
        LimitClients.CreateSparse(Path.Combine(server.HomeOf("bob"), "one.bin"), 6 * sessionCap);
        LimitClients.CreateSparse(Path.Combine(server.HomeOf("alice"), "two.bin"), 3 * hostCap / 2);
        LimitClients.CreateSparse(Path.Combine(server.HomeOf("bob"), "two.bin"), 3 * hostCap / 2);

        double single = await WithinTenPercentOrAgainAsync(sessionCap,
            () => MeasureAsync(1, _ => LimitClients.StartTimedTransfer(server, "sftp", "bob", "one.bin", null), 6 * sessionCap));
        Assert.InRange(single, sessionCap * 0.9, sessionCap * 1.1);

        string[] users = ["alice", "bob"];
        double both = await WithinTenPercentOrAgainAsync(hostCap,
            () => MeasureAsync(2, i => LimitClients.StartTimedTransfer(server, "ftp", users[i], "two.bin", null), 3 * hostCap));
        Assert.InRange(both, hostCap * 0.9, hostCap * 1.1);
    }

    /// <summary>
    /// A measurement, taken a second time when the first is more than 10 % off <paramref name="expected"/>. Two shared
    /// cores under a full test run have stalled the server (or the clients) for part of a window now and then (the 16
    /// sessions once measured 13 % under, and 0 % alone, the same build); a pacer that is wrong is wrong twice.
    /// </summary>
    private static async Task<double> WithinTenPercentOrAgainAsync(double expected, Func<Task<double>> measure)
    {
        double first = await measure();
        return first >= expected * 0.9 && first <= expected * 1.1 ? first : await measure();
    }

    /// <summary>
    /// Starts <paramref name="sessions"/> transfers and returns <paramref name="bytes"/> over the time from the first
    /// transfer's start to the last one's end (logins excluded: curl reports when its transfer began).
    /// </summary>
    private static async Task<double> MeasureAsync(int sessions, Func<int, Process> start, long bytes)
    {
        // The server runs in this test process, which carries the heap of every test before it: a full collection
        // inside the window stalls the server longer than the gate's 0.1 s burst can make up (a clean run once
        // measured uploads 14 % under the rate). Collected now, the next one is unlikely within seconds.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var windows = await Task.WhenAll(Enumerable.Range(0, sessions).Select(i => start(i)).ToList().Select(FinishAsync));
        return bytes / (windows.Max(w => w.Ended) - windows.Min(w => w.Begun));
    }

    /// <summary>
    /// Waits for curl and returns its transfer window in seconds on the test's clock. The window is anchored where the
    /// test sees curl exit, a moment after its transfer ended, not where the test spawned it: exec and library loading
    /// come before curl's own clock starts and took a loaded machine long enough to skew sixteen windows against each
    /// other (a clean CI run measured 11 % under the rate that way).
    /// </summary>
    private static async Task<(double Begun, double Ended)> FinishAsync(Process curl)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var error = curl.StandardError.ReadToEndAsync(timeout.Token);
        string output = await curl.StandardOutput.ReadToEndAsync(timeout.Token);
        await curl.WaitForExitAsync(timeout.Token);
        double exited = Stopwatch.GetElapsedTime(0).TotalSeconds;
        Assert.True(curl.ExitCode == 0, $"curl {string.Join(' ', curl.StartInfo.ArgumentList)}: exit {curl.ExitCode} {await error}");
        double[] times = output.Trim().Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        double transferSeconds = times[1] - times[0];
        return (exited - transferSeconds, exited);
    }
}

/// <summary>Rate measurements run after the parallel tests, alone.</summary>
[CollectionDefinition(nameof(BandwidthCollection), DisableParallelization = true)]
public sealed class BandwidthCollection;
