using System.Diagnostics;
using System.Globalization;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>
/// Bursts from one address wait instead of failing: with the default limits (10 logins and 100 connections per
/// address), 200 sessions opened at once all get in, one after another, and transfer.
/// </summary>
public sealed class BurstTests(SftpServer fixture, ITestOutputHelper output) : IClassFixture<SftpServer>
{
    private const int Sessions = 200;

    private TestServer Server => fixture.Server;

    [ClientFact("sftp")]
    public async Task Two_hundred_sftp_sessions_opened_at_once_from_one_address_all_log_in_and_transfer()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("burst-sftp");
        Directory.CreateDirectory(Path.Combine(Server.HomeOf("alice"), dir));
        var clients = new List<Task<ProcessResult>>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Sessions; i++)
        {
            string name = $"f{i}.bin";
            await File.WriteAllBytesAsync(Path.Combine(work, name), SshTestSupport.RandomBytes(10_000 + i));
            string batch = Path.Combine(work, $"batch{i}");
            await File.WriteAllLinesAsync(batch, [$"put {name} {dir}/{name}", $"get {dir}/{name} back-{name}"]);
            // The client waits for the server's identification at most ConnectTimeout: a queued session needs patience.
            clients.Add(ProcessRunner.RunAsync("sftp",
                [.. SftpTestSupport.OpenSshOptions(Server, fixture.Client), "-o", "ConnectTimeout=120", "-b", batch, "alice@127.0.0.1"],
                TimeSpan.FromSeconds(240), work));
        }

        var results = await Task.WhenAll(clients);
        output.WriteLine($"{Sessions} sftp sessions done in {watch.Elapsed.TotalSeconds:0.0} s");
        var failed = results.Select((r, i) => (r, i)).Where(x => x.r.ExitCode != 0).Select(x => $"session {x.i}: {x.r}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} sessions failed:\n{string.Join('\n', failed.Take(3))}");
        for (int i = 0; i < Sessions; i++)
        {
            byte[] sent = await File.ReadAllBytesAsync(Path.Combine(work, $"f{i}.bin"));
            SftpTestSupport.AssertFileBytes(sent, Path.Combine(Server.HomeOf("alice"), dir, $"f{i}.bin"));
            SftpTestSupport.AssertFileBytes(sent, Path.Combine(work, $"back-f{i}.bin"));
        }
    }

    /// <summary>Half over FTP, half over implicit FTPS: TLS handshakes and password checks wait their turn too.</summary>
    [ClientFact("curl")]
    public async Task Two_hundred_ftp_and_ftps_logins_at_once_from_one_address_all_succeed()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("burst-ftp");
        Directory.CreateDirectory(Path.Combine(Server.HomeOf("alice"), dir));
        var clients = new List<Task<ProcessResult>>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Sessions; i++)
        {
            string name = $"f{i}.txt";
            await File.WriteAllTextAsync(Path.Combine(work, name), $"upload {i}\n");
            clients.Add(ProcessRunner.RunAsync("curl",
            [
                "--silent", "--show-error", "--user", "alice:" + TestServer.Passwords["alice"], "--max-time", "180",
                "--insecure", "-T", Path.Combine(work, name), i % 2 == 0
                    ? $"ftp://127.0.0.1:{Server.FtpPort.ToString(CultureInfo.InvariantCulture)}/{dir}/{name}"
                    : $"ftps://127.0.0.1:{Server.FtpsPort.ToString(CultureInfo.InvariantCulture)}/{dir}/{name}",
            ], TimeSpan.FromSeconds(240), work));
        }

        var results = await Task.WhenAll(clients);
        output.WriteLine($"{Sessions} FTP and FTPS logins and uploads done in {watch.Elapsed.TotalSeconds:0.0} s");
        var failed = results.Select((r, i) => (r, i)).Where(x => x.r.ExitCode != 0).Select(x => $"login {x.i}: {x.r}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} logins failed:\n{string.Join('\n', failed.Take(3))}");
        for (int i = 0; i < Sessions; i++)
        {
            Assert.Equal($"upload {i}\n", await File.ReadAllTextAsync(Path.Combine(Server.HomeOf("alice"), dir, $"f{i}.txt")));
        }
    }
}
