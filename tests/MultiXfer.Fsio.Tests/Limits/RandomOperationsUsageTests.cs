using MultiXfer.Limits;
using static MultiXfer.Fsio.Tests.Limits.QuotaHarness;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>
/// The tracked usage must follow any sequence of operations exactly, refusals included: after each step of a seeded
/// random sequence (the seed and the last steps are in the failure message) it must equal a fresh scan. The quota is
/// tight, so refused writes, commits and links are part of the sequence too.
/// </summary>
public sealed class RandomOperationsUsageTests
{
    private const int Steps = 150;

    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly string[] Names = ["/a", "/b", "/c", "/d/e", "/d/f", "/d/g"];

    private static readonly string[] Operations =
        ["create", "overwrite", "abandon", "append", "modify", "truncate", "delete", "rename", "hardlink", "symlink"];

    /// <summary>What a random operation on random names may meet: each is fine as long as the figures stay right.</summary>
    private static readonly FsErrorKind[] Expected =
    [
        FsErrorKind.QuotaExceeded, FsErrorKind.NotFound, FsErrorKind.AlreadyExists, FsErrorKind.LinkLoop, FsErrorKind.InvalidArgument,
        FsErrorKind.IsADirectory, FsErrorKind.NotADirectory,
    ];

    public static TheoryData<string, int> Cases
    {
        get
        {
            var cases = new TheoryData<string, int>();
            foreach (string storage in new[] { "memory", "local" })
            {
                foreach (int seed in new[] { 1, 2, 3, 4 })
                {
                    cases.Add(storage, seed);
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task After_every_step_of_a_random_sequence_the_tracked_usage_equals_a_fresh_scan(string storage, int seed)
    {
        await using var h = Start(storage, new AccountLimits { QuotaBytes = 40_000, QuotaFiles = 5 });
        var fs = await h.OpenAsync();
        await fs.CreateDirectoryAsync(P("/d"), null, None);
        var random = new Random(seed);
        var log = new List<string>();
        var outcomes = new Dictionary<string, int>();
        for (int step = 0; step < Steps; step++)
        {
            string operation = Operations[random.Next(Operations.Length)];
            string x = Names[random.Next(Names.Length)];
            string y = Names[random.Next(Names.Length)];
            int size = random.Next(0, 12_000);
            string outcome = "ok";
            try
            {
                await RunAsync(fs, operation, x, y, size, random);
            }
            catch (FsException e) when (Expected.Contains(e.Kind))
            {
                outcome = e.Kind.ToString();
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            log.Add($"step {step}: {operation} {x} {y} {size} -> {outcome}");
            await h.AssertTrackedMatchesScanAsync($"{storage}, seed {seed}, after\n  " + string.Join("\n  ", log.TakeLast(6)));
        }

        // The sequence did what it is for: mostly successes, and some refusals by the quota.
        Assert.True(outcomes.GetValueOrDefault("ok") > Steps / 3, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(FsErrorKind.QuotaExceeded)) > 0, string.Join(", ", outcomes));
    }

    private static async Task RunAsync(IFileSystem fs, string operation, string x, string y, int size, Random random)
    {
        switch (operation)
        {
            case "create": // in place, exclusive
                await UploadAsync(fs, x, size, chunk: 4096, options: CreateNew, seed: random.Next());
                break;
            case "overwrite": // crash-safe: a temporary renamed over the target (creates it if missing)
                await UploadAsync(fs, x, size, chunk: 4096, seed: random.Next());
                break;
            case "abandon": // a crash-safe upload the client gives up: its temporary goes, the target stays
                await using (var handle = await fs.OpenFileAsync(P(x), Replace, None))
                {
                    await handle.WriteAsync(0, Content(size), None);
                }

                break;
            case "append":
                await UploadAsync(fs, x, size, chunk: 4096, options: Append, seed: random.Next());
                break;
            case "modify": // in place at a random offset, possibly past the end (a sparse gap counts at its length)
                await using (var handle = await fs.OpenFileAsync(P(x), Modify, None))
                {
                    await handle.WriteAsync(random.Next(0, 8_000), Content(size % 3_000), None);
                    await handle.CommitAsync(None);
                }

                break;
            case "truncate":
                await fs.SetLengthAsync(P(x), size, None);
                break;
            case "delete":
                await fs.DeleteFileAsync(P(x), None);
                break;
            case "rename":
                await fs.RenameAsync(P(x), P(y), new RenameOptions(Overwrite: true), None);
                break;
            case "hardlink":
                await fs.CreateHardLinkAsync(P(x), P(y), None);
                break;
            case "symlink":
                await fs.CreateSymbolicLinkAsync(P(x), y, None);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }
}
