using System.Diagnostics;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>Non-parallel: these tests measure what the whole process allocates while the server handles them.</summary>
[CollectionDefinition(nameof(SshHostileMemoryCollection), DisableParallelization = true)]
public sealed class SshHostileMemoryCollection;

/// <summary>
/// What hostile input costs the server in memory. Claimed packet lengths beyond the 256 KiB limit are refused from
/// the 4-byte length alone, before any buffer grows for them; a client that provokes replies without reading them
/// cannot make the server queue without limit. The server runs in this process, so its allocations show in the
/// process-wide counters, and the collection runs alone so that no other test's allocations do.
/// </summary>
[Collection(nameof(SshHostileMemoryCollection))]
public sealed class SshHostileMemoryTests(SshHostileServer fixture) : IClassFixture<SshHostileServer>
{
    /// <summary>What one short-lived connection may allocate in all (buffers, KEXINIT, task machinery) on both sides.</summary>
    private const long AllocationBudget = 2 * 1024 * 1024;

    /// <summary>How much more than an ordinary refused packet a refused length claim may cost: far less than 300000 bytes.</summary>
    private const long ExtraAllowance = 128 * 1024;

    [Theory]
    [InlineData(300_000u, "exceeds the limit")]
    [InlineData(0xFFFF_FFFFu, "exceeds the limit")]
    [InlineData(0x8000_0000u, "exceeds the limit")]
    public async Task A_packet_length_over_256_KiB_is_refused_without_allocating_it(uint packetLength, string fragment)
    {
        // Warm-up (first-use costs such as JIT and pools), then the baseline: the same connection with a packet
        // refused for being too short, then the claim under test.
        await RefuseAsync(5, "below the minimum");
        var (baseline, _) = await RefuseAsync(5, "below the minimum");
        var (allocated, heapGrowth) = await RefuseAsync(packetLength, fragment);

        Assert.True(allocated < AllocationBudget && allocated < baseline + ExtraAllowance,
            $"the process allocated {allocated} bytes while refusing a claim of {packetLength} bytes (baseline {baseline})");
        Assert.True(heapGrowth < AllocationBudget, $"the heap grew by {heapGrowth} bytes");
    }

    /// <summary>One connection whose first packet claims <paramref name="packetLength"/>: bytes allocated, heap growth.</summary>
    private async Task<(long Allocated, long HeapGrowth)> RefuseAsync(uint packetLength, string fragment)
    {
        long heapBefore = HeapAfterCollection();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        await using (var client = await Hostile.OpenAsync(fixture.Server))
        {
            // The length, padding length and a first slice of the "packet": then the server must decide.
            await client.SendRawAsync(Hostile.RawPacket(packetLength, 4, 64 * 1024));
            await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, fragment);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return (allocated, HeapAfterCollection() - heapBefore);
    }

    /// <summary>
    /// A client that asks for replies (SSH_MSG_UNIMPLEMENTED to unknown messages, before authentication) and never
    /// reads them: the server must stop reading, or disconnect, rather than queue replies without limit.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task A_client_that_provokes_replies_but_never_reads_them_cannot_grow_the_server_without_limit()
    {
        const long HeapBudget = 16 * 1024 * 1024;
        var markers = Directory.CreateTempSubdirectory("mx-flood-");
        try
        {
            long heapBefore = HeapAfterCollection();
            string script = Path.Combine(AppContext.BaseDirectory, "Clients", "ssh_hostile.py");
            var run = ProcessRunner.RunAsync(ClientTools.Python,
                [script, Hostile.Invariant(fixture.Server.SshPort), "alice", TestServer.Passwords["alice"], "reply-flood", markers.FullName],
                TimeSpan.FromSeconds(60));
            string flooded = Path.Combine(markers.FullName, "flooded");
            var waited = Stopwatch.StartNew();
            while (!File.Exists(flooded) && !run.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }

            // Measured while the flooding connection is still open (or already closed by the server).
            long growth = HeapAfterCollection() - heapBefore;
            await File.WriteAllTextAsync(Path.Combine(markers.FullName, "measured"), "");
            var report = new ParamikoReport(await run);
            Assert.True(report.First("FLOOD") is not null, report.ToString());
            Assert.True(growth < HeapBudget,
                $"the server's heap grew by {growth / (1024 * 1024)} MiB for a client that reads nothing ({report.First("FLOOD")})\n{report}");
        }
        finally
        {
            markers.Delete(recursive: true);
        }
    }

    private static long HeapAfterCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetGCMemoryInfo().HeapSizeBytes;
    }
}
