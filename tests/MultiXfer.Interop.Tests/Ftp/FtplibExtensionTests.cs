using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>Python's ftplib drives the checksum, MODE Z, SITE and AVBL extensions, in plain FTP and over PROT P.</summary>
public sealed class FtplibExtensionTests
{
    [ClientFact(ClientTools.Python)]
    public Task Ftplib_checks_every_extension_against_hashlib_zlib_and_the_files_on_disk() => RunAsync("plain");

    [ClientFact(ClientTools.Python)]
    public Task Ftplib_checks_every_extension_over_PROT_P_too() => RunAsync("tls");

    private static async Task RunAsync(string mode)
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:ModeZ:Enabled"] = "true");
        var result = await ProcessRunner.RunAsync(ClientTools.Python,
            [Path.Combine(AppContext.BaseDirectory, "Clients", "ftplib_extensions.py"), server.FtpPort.ToString(CultureInfo.InvariantCulture),
                "alice", TestServer.Passwords["alice"], server.HomeOf("alice"), mode], TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("EXTENSIONS OK", result.Output);
    }
}
