using System.Diagnostics;
using Xunit.Abstractions;

namespace MultiXfer.Fuzz.Tests;

/// <summary>
/// Every seed and every regression input of every target, replayed in process through the harness (not instrumented,
/// no AFL): none may fail (an unexpected exception, an exception the code under test swallowed as its own fault, a
/// harness invariant, a hang past the harness's deadline) and each must finish within a few seconds. Every crash or
/// hang a campaign finds is kept, minimised, under fuzz/regressions and fixed, so it runs here from then on.
/// </summary>
public sealed class CorpusReplayTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(5);

    [Theory]
    [MemberData(nameof(FuzzPaths.Targets), MemberType = typeof(FuzzPaths))]
    public void Every_seed_and_regression_input_runs_clean(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var inputs = FuzzPaths.Inputs(name).ToList();
        Assert.NotEmpty(inputs);
        var failures = new List<string>();
        foreach (string path in inputs)
        {
            var clock = Stopwatch.StartNew();
            var error = Replay.One(target, File.ReadAllBytes(path));
            clock.Stop();
            string relative = Path.GetRelativePath(FuzzPaths.Repository, path);
            if (error is not null)
            {
                failures.Add($"{relative}: {error}");
            }
            else if (clock.Elapsed > PerInput)
            {
                failures.Add($"{relative}: took {clock.Elapsed.TotalSeconds:0.0} s");
            }
        }

        output.WriteLine($"{name}: {inputs.Count} inputs, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
