using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>What Clients/paramiko_ssh.py printed: its "KEY value" lines, looked up by key.</summary>
internal sealed record ParamikoResult(ProcessResult Process)
{
    public IReadOnlyList<string> Lines { get; } = Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The value of the first line starting with <paramref name="key"/>, or null.</summary>
    public string? Value(string key) =>
        Lines.FirstOrDefault(l => l == key || l.StartsWith(key + " ", StringComparison.Ordinal)) is { } line ? line[key.Length..].Trim() : null;

    public IEnumerable<string> Values(string key) =>
        Lines.Where(l => l.StartsWith(key + " ", StringComparison.Ordinal)).Select(l => l[key.Length..].Trim());

    /// <summary>Asserts that the scenario ran to its end (exit status 0) and returns this result.</summary>
    public ParamikoResult Ok()
    {
        Assert.True(Process.ExitCode == 0, "paramiko scenario did not run to its end: " + this);
        return this;
    }

    public override string ToString() => Process.ToString();
}

/// <summary>Runs Clients/paramiko_ssh.py against a test server, host key pinned to the test run's host keys.</summary>
internal static class Paramiko
{
    public static async Task<ParamikoResult> RunAsync(TestServer server, string scenario, params string[] options)
    {
        string hostKeys = Path.Combine(server.RootDirectory, "paramiko_known_hosts.pub");
        if (!File.Exists(hostKeys))
        {
            await File.WriteAllLinesAsync(hostKeys, SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File)));
        }

        var result = new ParamikoResult(await SshTestSupport.RunPythonAsync("paramiko_ssh.py",
            [scenario, SshTestSupport.Port(server), hostKeys, .. options], TimeSpan.FromSeconds(90)));
        Assert.True(result.Value("HOSTKEY")?.StartsWith("verified", StringComparison.Ordinal) == true, result.ToString());
        return result;
    }

    public static Task<ParamikoResult> PasswordAsync(TestServer server, string scenario, string user = "alice", params string[] options) =>
        RunAsync(server, scenario, ["--user", user, "--method", "password", "--secret", TestServer.Passwords[user], .. options]);
}
