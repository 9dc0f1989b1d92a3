using MultiXfer.TestKit;

namespace MultiXfer.Container.Tests;

/// <summary>Assertions the container tests share, with messages that say what differed.</summary>
internal static class Checks
{
    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public static void AssertOk(ProcessResult result, string what) => Assert.True(result.ExitCode == 0, $"{what} failed: {result}");

    /// <summary>The file under the data volume holds exactly <paramref name="expected"/>.</summary>
    public static async Task AssertServerHoldsAsync(ServerContainer server, string relative, byte[] expected)
    {
        byte[] actual = await server.ReadDataFileAsync(relative);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"{relative} in the data volume: {actual.Length} bytes, expected {expected.Length}, first difference at {expected.AsSpan().CommonPrefixLength(actual)}");
    }

    /// <summary>The client's local file holds exactly <paramref name="expected"/>.</summary>
    public static void AssertLocalHolds(string path, byte[] expected)
    {
        Assert.True(File.Exists(path), $"{path} was not downloaded");
        byte[] actual = File.ReadAllBytes(path);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"{Path.GetFileName(path)}: {actual.Length} bytes downloaded, expected {expected.Length}, first difference at {expected.AsSpan().CommonPrefixLength(actual)}");
    }
}
