using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// PuTTY's pscp (0.78) forced to the legacy protocol (-scp): batch mode, alice's key converted by puttygen, the host
/// key pinned by fingerprint, HOME in the work directory so nothing of PuTTY's is saved elsewhere.
/// </summary>
public sealed class PscpTests : ScpTestBase
{
    private async Task<ProcessResult> PscpAsync(params string[] arguments)
    {
        string ppk = Local("alice.ppk");
        if (!File.Exists(ppk))
        {
            var convert = await ProcessRunner.RunAsync("puttygen", [KeyFile, "-O", "private", "-o", ppk]);
            Assert.True(convert.ExitCode == 0, convert.ToString());
        }

        string fingerprint = await SshTestSupport.FingerprintAsync(SshTestKeys.HostPublicKey("ssh_host_ed25519_key"));
        return await ProcessRunner.RunAsync("pscp",
            ["-scp", "-batch", "-noagent", "-q", "-P", SshTestSupport.Port(Server), "-hostkey", fingerprint, "-i", ppk, .. arguments],
            TimeSpan.FromSeconds(90), Work, environment: new Dictionary<string, string> { ["HOME"] = Work });
    }

    [ClientFact("pscp", "puttygen")]
    public async Task Put_and_get_one_file()
    {
        byte[] content = RandomBytes(800_000);
        Write(Local("p.bin"), content);
        var put = await PscpAsync(Local("p.bin"), Target("p.bin"));
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(content, File.ReadAllBytes(Remote("p.bin")));

        var get = await PscpAsync(Target("p.bin"), Local("back.bin"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(content, File.ReadAllBytes(Local("back.bin")));
        Assert.Contains("started scp -t p.bin", Server.ReadLog(), StringComparison.Ordinal);
    }

    [ClientFact("pscp", "puttygen")]
    public async Task Recursive_with_times_both_ways()
    {
        var mtime = DateTime.UnixEpoch.AddSeconds(1_100_000_000);
        Write(Local("t/a.txt"), "a");
        Write(Local("t/sub/b.txt"), "bb");
        File.SetLastWriteTimeUtc(Local("t/sub/b.txt"), mtime);
        var put = await PscpAsync("-r", "-p", Local("t"), Target(""));
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal("bb", File.ReadAllText(Remote("t/sub/b.txt")));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(Remote("t/sub/b.txt")));

        var get = await PscpAsync("-r", "-p", Target("t"), Local("back"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("a", File.ReadAllText(Local("back/a.txt")));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(Local("back/sub/b.txt")));
    }

    [ClientFact("pscp", "puttygen")]
    public async Task Wildcard_get()
    {
        Write(Remote("w/x1.txt"), "1");
        Write(Remote("w/x2.txt"), "2");
        Write(Remote("w/y.txt"), "y");
        Directory.CreateDirectory(Local("w"));
        // -unsafe: over SCP, pscp otherwise writes whatever arrives under the requested name ("x*") for safety.
        var get = await PscpAsync("-unsafe", Target("w/x*"), Local("w"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(["x1.txt", "x2.txt"], Directory.GetFiles(Local("w")).Select(Path.GetFileName).Order());
    }
}
