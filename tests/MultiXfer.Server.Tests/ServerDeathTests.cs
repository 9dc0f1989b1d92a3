using System.Diagnostics;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// The server dies (kill -9) or is stopped (SIGTERM) while uploads of every protocol are in flight: no partial file
/// ever appears under a final name, existing targets keep their content, leftovers are swept at the next start,
/// and the same clients then succeed.
/// </summary>
public sealed class ServerDeathTests : IDisposable
{
    private const string OldContent = "the old content, which must survive\n";
    private readonly string _work = Directory.CreateTempSubdirectory("mx-death-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task EndAsync(Process client)
    {
        if (!client.HasExited)
        {
            client.Kill(entireProcessTree: true);
        }

        await client.WaitForExitAsync();
    }

    [Fact]
    public async Task Kill_9_during_uploads_leaves_no_partial_file_and_the_clients_succeed_after_a_restart()
    {
        var clients = new UploadingClients(_work);
        byte[] content = RandomBytes(16 * 1024 * 1024);
        File.WriteAllBytes(clients.Local("big.bin"), content);
        // Half the uploads replace an existing file, half create one.
        var targets = UploadingClients.Protocols.Select((p, i) => (Protocol: p, Name: $"{p}-target.bin", Exists: i % 2 == 1)).ToList();
        foreach (var target in targets.Where(t => t.Exists))
        {
            File.WriteAllText(Path.Combine(clients.Home, target.Name), OldContent);
        }

        var server = await clients.StartServerAsync();
        var uploads = targets.Select(t => clients.StartUpload(t.Protocol, "big.bin", t.Name, 1_000_000)).ToList();
        try
        {
            await clients.WaitForUploadsUnderWayAsync(targets.Count, 512 * 1024, uploads);
            Process.GetProcessById(server.ProcessId).Kill();
            await server.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            foreach (var upload in uploads)
            {
                await EndAsync(upload);
            }

            await server.DisposeAsync();
        }

        AssertTargetsUntouched(clients, targets);
        Assert.Equal(targets.Count, clients.Temporaries().Length);

        await using var restarted = await clients.StartServerAsync();
        var deadline = Stopwatch.StartNew();
        while (clients.Temporaries().Length > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.Empty(clients.Temporaries());
        // The sweep logs after it deletes: give the line the moment it takes to reach the file (a loaded run read first).
        string expected = $"removed {targets.Count} temporaries of uploads cut short";
        while (!clients.ReadLog().Contains(expected, StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(100);
        }

        Assert.Contains(expected, clients.ReadLog(), StringComparison.Ordinal);
        AssertTargetsUntouched(clients, targets);

        foreach (var (protocol, name, _) in targets)
        {
            var retry = await clients.UploadAsync(protocol, "big.bin", name);
            Assert.True(retry.ExitCode == 0, $"{protocol}: {retry}");
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clients.Home, name))), $"{protocol}: {name} differs");
        }
    }

    /// <summary>
    /// With transfers of every protocol in flight, SIGTERM lets those that can finish within the grace period finish
    /// (committed whole) and cuts the others (reported to their clients, never committed); the process exits.
    /// </summary>
    [Fact]
    public async Task SIGTERM_lets_uploads_finish_within_the_grace_period_and_cuts_the_rest_uncommitted()
    {
        var clients = new UploadingClients(_work, shutdownGraceSeconds: 10);
        byte[] quick = RandomBytes(4 * 1024 * 1024);
        byte[] slow = RandomBytes(64 * 1024 * 1024);
        File.WriteAllBytes(clients.Local("quick.bin"), quick);
        File.WriteAllBytes(clients.Local("slow.bin"), slow);
        foreach (string protocol in UploadingClients.Protocols)
        {
            File.WriteAllText(Path.Combine(clients.Home, $"{protocol}-slow.bin"), OldContent);
        }

        await using var server = await clients.StartServerAsync();
        // At 1 MB/s: 4 MiB take about 4 s (inside the 10 s grace period), 64 MiB about a minute (cut). The slow ones
        // start first, so that every quick one is still in flight when SIGTERM comes.
        var cut = UploadingClients.Protocols.Select(p => (p, Client: clients.StartUpload(p, "slow.bin", $"{p}-slow.bin", 1_000_000))).ToList();
        var finishing = new List<(string p, Process Client)>();
        try
        {
            await clients.WaitForUploadsUnderWayAsync(UploadingClients.Protocols.Length, 64 * 1024, cut.Select(c => c.Client));
            finishing.AddRange(UploadingClients.Protocols.Select(p => (p, Client: clients.StartUpload(p, "quick.bin", $"{p}-quick.bin", 1_000_000))));
            await clients.WaitForUploadsUnderWayAsync(2 * UploadingClients.Protocols.Length, 64 * 1024,
                finishing.Select(f => f.Client).Concat(cut.Select(c => c.Client)));
            var stopping = Stopwatch.StartNew();
            server.Terminate();
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(40)));
            Assert.InRange(stopping.Elapsed.TotalSeconds, 0, 30);

            foreach (var (protocol, client) in finishing)
            {
                await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(client.ExitCode == 0, $"{protocol}: the quick upload did not finish within the grace period");
                Assert.True(quick.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clients.Home, $"{protocol}-quick.bin"))), protocol);
            }

            foreach (var (protocol, client) in cut)
            {
                await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(client.ExitCode != 0, $"{protocol}: the cut upload was reported as a success");
                Assert.Equal(OldContent, File.ReadAllText(Path.Combine(clients.Home, $"{protocol}-slow.bin")));
            }
        }
        finally
        {
            foreach (var client in finishing.Select(f => f.Client).Concat(cut.Select(c => c.Client)))
            {
                await EndAsync(client);
            }
        }

        // Cut uploads were abandoned by the stopping server itself: their temporaries are gone without a sweep.
        Assert.Empty(clients.Temporaries());
        string log = clients.ReadLog();
        foreach (string protocol in UploadingClients.Protocols)
        {
            Assert.Contains($"upload abandoned /{protocol}-slow.bin", log, StringComparison.Ordinal);
        }
    }

    private static void AssertTargetsUntouched(UploadingClients clients, IEnumerable<(string Protocol, string Name, bool Exists)> targets)
    {
        foreach (var (protocol, name, exists) in targets)
        {
            string path = Path.Combine(clients.Home, name);
            if (exists)
            {
                Assert.Equal(OldContent, File.ReadAllText(path));
            }
            else
            {
                Assert.False(File.Exists(path), $"{protocol}: a partial {name} appeared under its final name");
            }
        }
    }
}
