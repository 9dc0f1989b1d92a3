using System.Diagnostics;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// A client that dies in the middle of an upload leaves nothing under the final name: a new file does not appear,
/// an existing one keeps its old content, and the upload's temporary file is gone.
/// </summary>
public sealed class InterruptedUploadTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private const string OldContent = "the old content, which must survive\n";

    private TestServer Server => fixture.Server;

    private string Home => Server.HomeOf("alice");

    /// <summary>OpenSSH's sftp, rate-limited to about 1 MB/s, killed (SIGKILL, with its ssh) once the upload is under way.</summary>
    [ClientTheory("sftp")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Killed_sftp_put_leaves_no_partial_file(bool targetExists)
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string dir = SftpTestSupport.UniqueName("killed");
        string remote = Path.Combine(Home, dir);
        Directory.CreateDirectory(remote);
        string target = Path.Combine(remote, "target.bin");
        if (targetExists)
        {
            await File.WriteAllTextAsync(target, OldContent);
        }

        await File.WriteAllBytesAsync(Path.Combine(work, "big.bin"), SshTestSupport.RandomBytes(24 * 1024 * 1024));
        string batch = Path.Combine(work, "batch");
        await File.WriteAllLinesAsync(batch, [$"put big.bin {dir}/target.bin"]);
        var start = new ProcessStartInfo(ClientTools.Require("sftp"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (string argument in SftpTestSupport.OpenSshOptions(Server, fixture.Client).Concat(["-l", "8000", "-b", batch, "alice@127.0.0.1"]))
        {
            start.ArgumentList.Add(argument);
        }

        using var sftp = Process.Start(start)!;
        sftp.OutputDataReceived += (_, _) => { };
        sftp.ErrorDataReceived += (_, _) => { };
        sftp.BeginOutputReadLine();
        sftp.BeginErrorReadLine();
        try
        {
            // Under way: the upload's temporary file has grown past 1 MiB.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!SftpTestSupport.UploadTemporaries(remote).Any(f => new FileInfo(f).Length > 1024 * 1024))
            {
                Assert.False(sftp.HasExited, $"sftp ended before the upload was under way (exit {(sftp.HasExited ? sftp.ExitCode : 0)})");
                Assert.True(DateTime.UtcNow < deadline, "the upload never got under way");
                await Task.Delay(50);
            }
        }
        finally
        {
            sftp.Kill(entireProcessTree: true);
            await sftp.WaitForExitAsync();
        }

        await AssertNothingLeftAsync(dir, target, targetExists);
    }

    /// <summary>paramiko writes half of a file opened "w", then the process exits without CLOSE or disconnect.</summary>
    [ClientTheory(ClientTools.Python)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Vanished_paramiko_client_leaves_no_partial_file(bool targetExists)
    {
        string dir = SftpTestSupport.UniqueName("vanished");
        string remote = Path.Combine(Home, dir);
        Directory.CreateDirectory(remote);
        string target = Path.Combine(remote, "target.bin");
        if (targetExists)
        {
            await File.WriteAllTextAsync(target, OldContent);
        }

        var result = (await ParamikoSftp.RunAsync(Server, "interrupt", "alice", "--remote", $"{dir}/target.bin", "--size", "8000000")).Ok();
        Assert.True(int.Parse(result.Value("WRITTEN")!, System.Globalization.CultureInfo.InvariantCulture) >= 4_000_000, result.ToString());

        await AssertNothingLeftAsync(dir, target, targetExists);
    }

    private async Task AssertNothingLeftAsync(string dir, string target, bool targetExists)
    {
        string abandoned = $"upload abandoned /{dir}/target.bin";
        Assert.Contains(abandoned, await Server.WaitForLogAsync(abandoned, TimeSpan.FromSeconds(20)), StringComparison.Ordinal);
        if (targetExists)
        {
            Assert.Equal(OldContent, await File.ReadAllTextAsync(target));
        }
        else
        {
            Assert.False(File.Exists(target), $"{target} exists");
        }

        Assert.Empty(SftpTestSupport.UploadTemporaries(Path.GetDirectoryName(target)!));
        Assert.Equal(targetExists ? ["target.bin"] : [], Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }
}
