using System.Diagnostics;
using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>Small helpers the SSH interop tests share: random data, echo checks, the Python client, log waits.</summary>
internal static class SshTestSupport
{
    public static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Why an echo round trip is not exact, or null when the client exited 0 and returned the input byte for byte.</summary>
    public static string? EchoProblem(byte[] input, BinaryProcessResult result)
    {
        if (result.ExitCode != 0)
        {
            return $"exit {result.ExitCode}, {result.Output.Length} bytes out, stderr: {result.Error.Trim()}";
        }

        if (result.Output.Length != input.Length)
        {
            return $"{result.Output.Length} bytes came back instead of {input.Length}; stderr: {result.Error.Trim()}";
        }

        int mismatch = input.AsSpan().CommonPrefixLength(result.Output);
        return mismatch == input.Length ? null : $"output differs from the input at byte {mismatch}";
    }

    public static void AssertEchoed(byte[] input, BinaryProcessResult result)
    {
        string? problem = EchoProblem(input, result);
        Assert.True(problem is null, problem);
    }

    public static string Port(TestServer server) => server.SshPort.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs a script from Clients/ with Debian's python3 (which has paramiko).</summary>
    public static Task<ProcessResult> RunPythonAsync(string script, IEnumerable<string> arguments, TimeSpan? timeout = null,
        string? standardInput = null) =>
        ProcessRunner.RunAsync(ClientTools.Python, [Path.Combine(AppContext.BaseDirectory, "Clients", script), .. arguments],
            timeout ?? TimeSpan.FromSeconds(90), standardInput: standardInput);

    /// <summary>Polls the server log until it contains <paramref name="text"/>; returns whether it did in time.</summary>
    public static async Task<bool> WaitForLogAsync(TestServer server, string text, TimeSpan timeout) =>
        (await server.WaitForLogAsync(text, timeout)).Contains(text, StringComparison.Ordinal);

    /// <summary>
    /// How often <paramref name="text"/> occurs in the server log, ignoring case (the file sink renders logged
    /// booleans as "true"/"false").
    /// </summary>
    public static int CountInLog(TestServer server, string text)
    {
        string log = server.ReadLog();
        int count = 0;
        for (int at = log.IndexOf(text, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = log.IndexOf(text, at + text.Length, StringComparison.OrdinalIgnoreCase))
        {
            count++;
        }

        return count;
    }

    /// <summary>A configuration list ("Ssh:Ciphers:0", "Ssh:Ciphers:1", ...).</summary>
    public static void SetList(Dictionary<string, string?> settings, string key, IEnumerable<string> values)
    {
        int i = 0;
        foreach (string value in values)
        {
            settings[$"{key}:{i++}"] = value;
        }
    }

    /// <summary>The SHA256 fingerprint of a public key line, as ssh-keygen -lf prints it ("SHA256:...").</summary>
    public static async Task<string> FingerprintAsync(string publicKeyLine)
    {
        string file = Path.Combine(Path.GetTempPath(), "mx-fp-" + Guid.NewGuid().ToString("N") + ".pub");
        await File.WriteAllTextAsync(file, publicKeyLine + "\n");
        try
        {
            var result = await ProcessRunner.RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", file]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result.Output.Split(' ')[1];
        }
        finally
        {
            File.Delete(file);
        }
    }
}
