using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>lftp against a server offering MODE Z: it switches to MODE Z by itself (ftp:use-mode-z defaults to yes).</summary>
public sealed class LftpModeZTests : ClientTestBase
{
    protected override void ConfigureServer(Dictionary<string, string?> settings) => settings["Ftp:ModeZ:Enabled"] = "true";

    private async Task<(ProcessResult Result, string Debug)> LftpAsync(string commands, string name)
    {
        string log = Local($"{name}.log");
        var result = await ProcessRunner.RunAsync("lftp",
            ["-u", "alice," + TestServer.Passwords["alice"], "-e", $"set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; " +
                $"set xfer:clobber on; debug -o {log} 5; {commands}; quit", $"ftp://127.0.0.1:{Server.FtpPort}"],
            TimeSpan.FromSeconds(120), Work);
        Assert.True(result.ExitCode == 0, result.ToString());
        return (result, File.ReadAllText(log));
    }

    [ClientFact("lftp")]
    public async Task Downloads_uploads_and_listings_run_in_mode_z_in_plain_ftp_and_over_prot_p()
    {
        byte[] text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{i}: all work and no play\n")));
        Directory.CreateDirectory(Server.HomeOf("alice"));
        File.WriteAllBytes(Remote("corpus.txt"), text);
        foreach (bool tls in new[] { false, true })
        {
            string protect = tls
                ? "set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no"
                : "set ftp:ssl-allow no";
            var (result, debug) = await LftpAsync($"{protect}; get corpus.txt -o got-{tls}.txt; put got-{tls}.txt -o back-{tls}.txt; cls", $"lftp-{tls}");
            Assert.Equal(text, File.ReadAllBytes(Local($"got-{tls}.txt")));
            Assert.Equal(text, File.ReadAllBytes(Remote($"back-{tls}.txt")));
            Assert.Contains("corpus.txt", result.Output);
            Assert.Contains("---> MODE Z", debug);
            Assert.Contains("---> STOR back-", debug);
            Assert.Equal(tls, debug.Contains("---> PROT P", StringComparison.Ordinal));
        }
    }

    [ClientFact("lftp")]
    public async Task Reget_is_refused_REST_in_mode_z_and_downloads_the_whole_file_again()
    {
        byte[] content = RandomBytes(2_000_000);
        Directory.CreateDirectory(Server.HomeOf("alice"));
        File.WriteAllBytes(Remote("big.bin"), content);
        File.WriteAllBytes(Local("big.bin"), content[..700_000]);
        var (_, debug) = await LftpAsync("set ftp:ssl-allow no; get -c big.bin", "reget");
        Assert.Equal(content, File.ReadAllBytes(Local("big.bin")));
        Assert.Contains("<--- 504 REST is not available in MODE Z", debug);
    }
}
