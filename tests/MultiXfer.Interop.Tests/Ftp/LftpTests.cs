using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>lftp: listing, mirror in both directions, reget/reput, active and passive data connections.</summary>
public sealed class LftpTests : ClientTestBase
{
    private async Task<ProcessResult> Lftp(string commands, bool passive = true)
    {
        string settings = "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; set ftp:ssl-allow no; " +
                          $"set ftp:passive-mode {(passive ? "on" : "off")}; set xfer:clobber on; ";
        var result = await ProcessRunner.RunAsync("lftp",
            ["-u", "alice," + TestServer.Passwords["alice"], "-e", settings + commands + "; quit", $"ftp://127.0.0.1:{Server.FtpPort}"],
            TimeSpan.FromSeconds(120), Work);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static void MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(root, "with space"));
        File.WriteAllBytes(Path.Combine(root, "binary.bin"), RandomBytes(500_000));
        File.WriteAllText(Path.Combine(root, "sub", "text.txt"), "text\n");
        File.WriteAllBytes(Path.Combine(root, "sub", "deeper", "empty"), []);
        File.WriteAllText(Path.Combine(root, "with space", "ünïcødé name.txt"), "utf-8");
        for (int i = 0; i < 50; i++)
        {
            File.WriteAllBytes(Path.Combine(root, "sub", $"small{i}.dat"), RandomBytes(4096));
        }
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var expectedFiles = Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        var actualFiles = Directory.GetFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList();
        Assert.Equal(expectedFiles, actualFiles);
        foreach (string file in expectedFiles)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, file)), File.ReadAllBytes(Path.Combine(actual, file)));
        }
    }

    [ClientFact("lftp")]
    public async Task Mirror_uploads_and_downloads_a_tree_passively()
    {
        string source = Path.Combine(Work, "source");
        MakeTree(source);
        await Lftp("mirror -R source tree; mirror tree back");
        AssertSameTree(source, Path.Combine(Server.HomeOf("alice"), "tree"));
        AssertSameTree(source, Path.Combine(Work, "back"));
    }

    [ClientFact("lftp")]
    public async Task MirrorWorks_in_active_mode_too()
    {
        string source = Path.Combine(Work, "active-source");
        MakeTree(source);
        await Lftp("mirror -R active-source atree; mirror atree aback", passive: false);
        AssertSameTree(source, Path.Combine(Server.HomeOf("alice"), "atree"));
        AssertSameTree(source, Path.Combine(Work, "aback"));
    }

    [ClientFact("lftp")]
    public async Task Ls_and_file_commandsWork()
    {
        File.WriteAllText(Path.Combine(Work, "f.txt"), "lftp");
        var result = await Lftp("mkdir d; put f.txt -o d/f.txt; mv d/f.txt d/g.txt; chmod 600 d/g.txt; cls -l d; ls d; rm d/g.txt; rmdir d; ls");
        Assert.Contains("g.txt", result.Output);
        Assert.Matches(@"-rw------- .* g\.txt", result.Output);
        Assert.False(Directory.Exists(Path.Combine(Server.HomeOf("alice"), "d")));
    }

    [ClientFact("lftp")]
    public async Task Reget_and_reput_continue_partial_transfers()
    {
        byte[] content = RandomBytes(1_500_000);
        Directory.CreateDirectory(Server.HomeOf("alice"));
        File.WriteAllBytes(Path.Combine(Server.HomeOf("alice"), "remote.bin"), content);
        File.WriteAllBytes(Path.Combine(Work, "remote.bin"), content[..600_000]);
        await Lftp("get -c remote.bin");
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(Work, "remote.bin")));

        File.WriteAllBytes(Path.Combine(Work, "local.bin"), content);
        File.WriteAllBytes(Path.Combine(Server.HomeOf("alice"), "local.bin"), content[..900_001]);
        await Lftp("put -c local.bin");
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(Server.HomeOf("alice"), "local.bin")));
    }
}
