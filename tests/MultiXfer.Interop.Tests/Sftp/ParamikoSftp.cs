using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>Runs Clients/paramiko_sftp.py against a test server with alice's ed25519 key, host key pinned.</summary>
internal static class ParamikoSftp
{
    public static async Task<ParamikoResult> RunAsync(TestServer server, string scenario, string user, params string[] options)
    {
        string hostKeys = Path.Combine(server.RootDirectory, "paramiko_known_hosts.pub");
        if (!File.Exists(hostKeys))
        {
            await File.WriteAllLinesAsync(hostKeys, SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File)));
        }

        var result = new ParamikoResult(await SshTestSupport.RunPythonAsync("paramiko_sftp.py",
            [scenario, SshTestSupport.Port(server), hostKeys, "--user", user, "--key", SftpTestSupport.Key, .. options], TimeSpan.FromSeconds(90)));
        Assert.True(result.Value("HOSTKEY")?.StartsWith("verified", StringComparison.Ordinal) == true, result.ToString());
        Assert.True(result.Value("AUTHENTICATED") == "True", result.ToString());
        return result;
    }

    /// <summary>The "STEP name ok|error detail" lines, by step name: (Ok, Detail).</summary>
    public static Dictionary<string, (bool Ok, string Detail)> Steps(ParamikoResult result)
    {
        var steps = new Dictionary<string, (bool, string)>(StringComparer.Ordinal);
        foreach (string line in result.Values("STEP"))
        {
            string[] parts = line.Split(' ', 3);
            steps[parts[0]] = (parts[1] == "ok", parts.Length > 2 ? parts[2] : "");
        }

        return steps;
    }

    /// <summary>The extensions of the VERSION packet the "version" scenario printed: name, value.</summary>
    public static Dictionary<string, string> Extensions(ParamikoResult result) =>
        result.Values("EXTENSION").Select(v => v.Split(' ', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);

    /// <summary>What each probed EXTENDED request got: "reply" or "CODE message".</summary>
    public static Dictionary<string, string> Probes(ParamikoResult result) =>
        result.Values("PROBE").Select(v => v.Split(' ', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
