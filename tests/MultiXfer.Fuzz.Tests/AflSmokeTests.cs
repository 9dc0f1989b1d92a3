using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace MultiXfer.Fuzz.Tests;

/// <summary>
/// Each target under the real fuzzer for about 10 seconds through fuzz/run.sh (published once, instrumented with
/// sharpfuzz, afl-fuzz with the target's seeds): AFL must have executed inputs, and found neither a crash nor a hang.
/// The publish and instrumentation step is shared through run.sh's cache; all targets together take a few minutes.
/// A saved crash is replayed for the message, so the failure says what broke.
/// </summary>
public sealed partial class AflSmokeTests(ITestOutputHelper output)
{
    private const int Seconds = 10;

    [Theory]
    [MemberData(nameof(FuzzPaths.Targets), MemberType = typeof(FuzzPaths))]
    public async Task Afl_runs_the_target_without_crashes_or_hangs(string name)
    {
        string outDirectory = Path.Combine(FuzzPaths.Fuzz, "out", "smoke", name);
        if (Directory.Exists(outDirectory))
        {
            Directory.Delete(outDirectory, recursive: true);
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(FuzzPaths.Fuzz, "run.sh"), name, Seconds.ToString(CultureInfo.InvariantCulture), outDirectory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = FuzzPaths.Repository,
        };
        // The test host's own runtime settings must not leak into the published harness or afl-fuzz.
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string text = await stdout, errors = await stderr;
        output.WriteLine(text);
        output.WriteLine(errors);
        var summary = text.Split('\n').FirstOrDefault(l => l.StartsWith("summary ", StringComparison.Ordinal));
        Assert.True(summary is not null, $"run.sh exited {process.ExitCode} without a summary:\n{text}\n{errors}");
        var fields = Field().Matches(summary).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.True(long.Parse(fields["execs_done"], CultureInfo.InvariantCulture) > 0, summary);
        var crashes = Crashes(name, Path.Combine(outDirectory, "default", "crashes"));
        Assert.True(crashes.Count == 0, $"{summary}\ncrashes in {outDirectory}/default/crashes:\n{string.Join("\n", crashes)}");
        Assert.True(fields["saved_hangs"] == "0", $"{summary}\nhangs in {outDirectory}/default/hangs");
    }

    /// <summary>Saved crashes, each with the exception its replay raises.</summary>
    private List<string> Crashes(string name, string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var target = FuzzTargets.Find(name)!;
        var crashes = new List<string>();
        foreach (string crash in Directory.EnumerateFiles(directory, "id:*"))
        {
            string signature = Signature(Replay.One(target, File.ReadAllBytes(crash)));
            output.WriteLine($"{Path.GetFileName(crash)}: {signature}");
            crashes.Add($"{crash}: {signature}");
        }

        return crashes;
    }

    /// <summary>Exception type and the first MultiXfer frame outside the harness: "passes" when it did not fail.</summary>
    private static string Signature(Exception? error)
    {
        if (error is null)
        {
            return "passes";
        }

        var inner = error is Support.SwallowedExceptionException { InnerException: { } swallowed } ? swallowed : error;
        string? frame = inner.StackTrace?.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith("at MultiXfer.", StringComparison.Ordinal) && !l.StartsWith("at MultiXfer.Fuzz.", StringComparison.Ordinal));
        frame = frame?.Split(" in ")[0];
        return $"{inner.GetType().FullName} {frame}";
    }

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex Field();
}
