using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// One account's uploads running at once in separate sessions share one <see cref="AccountUsage"/>: bytes are
/// reserved before they are written, so together they can never put more on disk than the quota, and an upload
/// that loses the race is discarded whole instead of leaving a truncated file.
/// </summary>
public sealed class ConcurrentUploadQuotaTests
{
    private const int Quota = 1024 * 1024;
    private const int Size = 200 * 1024;
    private const int Chunk = 16 * 1024;
    private const int Uploads = 10;

    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(Storages), MemberType = typeof(QuotaHarness))]
    public async Task Concurrent_uploads_never_pass_the_quota_together_and_each_is_whole_or_absent(string storage)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = Quota });
        var sessions = new IFileSystem[Uploads];
        for (int i = 0; i < Uploads; i++)
        {
            sessions[i] = await h.OpenAsync();
        }

        // On memory storage a listing of one directory is taken atomically, so sampling it while the uploads run
        // shows what the disk held at one instant. A local listing is not atomic (a failed upload shrinks while
        // another grows), so there only the end state is checked.
        using var finished = new CancellationTokenSource();
        long peakOnDisk = 0;
        long peakTracked = 0;
        var sampler = Task.Run(async () =>
        {
            while (!finished.IsCancellationRequested)
            {
                peakTracked = Math.Max(peakTracked, h.Usage.Snapshot().UsedBytes);
                if (storage == "memory")
                {
                    peakOnDisk = Math.Max(peakOnDisk, (await h.ScanAsync()).Bytes);
                }

                await Task.Yield();
            }
        });

        bool[] completed = await RaceAsync(Enumerable.Range(0, Uploads).Select(i => (Func<Task>)(() => UploadInChunksAsync(sessions[i], $"/f{i}", seed: i))));
        await finished.CancelAsync();
        await sampler;

        var view = await h.OpenUncountedAsync();
        long onDisk = 0;
        for (int i = 0; i < Uploads; i++)
        {
            var status = await TryStatAsync(view, $"/f{i}");
            if (completed[i])
            {
                Assert.NotNull(status);
                Assert.Equal(Content(Size, seed: i), await ReadAllAsync(view, $"/f{i}"));
                onDisk += status.Size;
            }
            else
            {
                Assert.Null(status); // a refused upload leaves nothing under its name
            }
        }

        var scan = await h.ScanAsync();
        Assert.Equal(0, scan.InFlightBytes); // no refused upload's temporary is left behind
        Assert.Equal(onDisk, scan.Bytes);
        Assert.InRange(completed.Count(c => c), 1, Quota / Size);
        Assert.InRange(scan.Bytes, 0, Quota);
        Assert.InRange(peakTracked, 0, Quota);
        Assert.InRange(peakOnDisk, 0, Quota);
        await h.AssertTrackedMatchesScanAsync();
    }

    /// <summary>A crash-safe upload in 16 KiB writes (200 KiB: twelve and a half), yielding between them so that the uploads interleave.</summary>
    private static async Task UploadInChunksAsync(IFileSystem fs, string path, int seed)
    {
        byte[] content = Content(Size, seed);
        await using var handle = await fs.OpenFileAsync(P(path), Replace, None);
        for (int offset = 0; offset < Size; offset += Chunk)
        {
            await handle.WriteAsync(offset, content.AsMemory(offset, Math.Min(Chunk, Size - offset)), None);
            await Task.Yield();
        }

        await handle.CommitAsync(None);
    }
}
