using System.Globalization;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// One transfer of each kind through real clients, whose traces the observability tests compare with what the
/// server reports: curl over FTP, explicit FTPS and SFTP, OpenSSH's scp (legacy SCP mode), a download cut short by
/// curl's own timeout, and a wrong password.
/// </summary>
internal static class ObservedWorkload
{
    /// <summary>Completed transfers, as (service name, direction, bytes).</summary>
    public static readonly (string Service, string Direction, long Bytes)[] Completed =
    [
        ("ftp", "upload", 100_000), ("ftp", "download", 100_000), ("ftps", "upload", 150_000),
        ("sftp", "upload", 200_000), ("sftp", "download", 200_000), ("scp", "upload", 250_000), ("scp", "download", 250_000),
    ];

    /// <summary>The download curl abandons: larger than curl can fetch at its rate limit before its timeout.</summary>
    public const long AbortedFileBytes = 50_000_000;

    public static async Task RunAsync(TestServer server, string work)
    {
        var random = new Random(16);
        byte[] Content(long length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        string ftp = $"ftp://127.0.0.1:{server.FtpPort.ToString(CultureInfo.InvariantCulture)}/";
        string sftp = $"sftp://127.0.0.1:{server.SshPort.ToString(CultureInfo.InvariantCulture)}/";
        await File.WriteAllBytesAsync(Path.Combine(work, "f1.bin"), Content(100_000));
        await File.WriteAllBytesAsync(Path.Combine(work, "f2.bin"), Content(150_000));
        await File.WriteAllBytesAsync(Path.Combine(work, "s1.bin"), Content(200_000));
        await File.WriteAllBytesAsync(Path.Combine(work, "c1.bin"), Content(250_000));
        using (var big = File.Create(Path.Combine(server.HomeOf("alice"), "big.bin")))
        {
            big.SetLength(AbortedFileBytes);
        }

        await CurlAsync(work, "-T", "f1.bin", ftp + "f1.bin");
        await CurlAsync(work, "-o", "f1.back", ftp + "f1.bin");
        await CurlAsync(work, "--ssl-reqd", "-T", "f2.bin", ftp + "f2.bin");
        await CurlAsync(work, "-T", "s1.bin", sftp + "s1.bin");
        await CurlAsync(work, "-o", "s1.back", sftp + "s1.bin");
        var client = new OpenSshClient(server);
        await ExpectAsync(ProcessRunner.RunAsync("scp", [.. SftpTestSupport.OpenSshOptions(server, client), "-O", "c1.bin", "alice@127.0.0.1:/c1.bin"],
            TimeSpan.FromSeconds(60), work));
        await ExpectAsync(ProcessRunner.RunAsync("scp", [.. SftpTestSupport.OpenSshOptions(server, client), "-O", "alice@127.0.0.1:/c1.bin", "c1.back"],
            TimeSpan.FromSeconds(60), work));

        // curl gives up after a second at 200 kB/s: the server sees the data connection reset mid-file.
        var cut = await ProcessRunner.RunAsync("curl", ["-s", "-S", "--limit-rate", "200k", "--max-time", "1", "-u", Credentials, "-o", "big.part",
            ftp + "big.bin"], TimeSpan.FromSeconds(30), work);
        Assert.Equal(28, cut.ExitCode);

        var refused = await ProcessRunner.RunAsync("curl", ["-s", "-S", "-u", "alice:wrong-password", ftp], TimeSpan.FromSeconds(30), work);
        Assert.Equal(67, refused.ExitCode);
    }

    private static string Credentials => "alice:" + TestServer.Passwords["alice"];

    private static Task CurlAsync(string work, params string[] arguments) =>
        ExpectAsync(ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "--max-time", "60", "-u", Credentials, .. arguments], TimeSpan.FromSeconds(90), work));

    private static async Task ExpectAsync(Task<ProcessResult> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
