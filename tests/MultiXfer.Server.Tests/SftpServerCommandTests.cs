using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// The sftp-server subcommand as OpenSSH runs it: by sftp -D (stdio, no SSH at all) and as sshd's Subsystem, with
/// sftp-server's own options.
/// </summary>
public sealed class SftpServerCommandTests : IDisposable
{
    private readonly DirectoryInfo _work = System.IO.Directory.CreateTempSubdirectory("mx-sftp-server-");

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>The server's apphost (the executable sshd and sftp -D can run), beside its dll.</summary>
    private static string Executable => Path.ChangeExtension(ServerProcess.ServerAssembly, null);

    private string MakeDirectory(string name) => System.IO.Directory.CreateDirectory(Path.Combine(_work.FullName, name)).FullName;

    /// <summary>Runs an sftp batch against the subcommand over stdio (sftp -D); '-' before a command lets the batch go on after it fails.</summary>
    private async Task<ProcessResult> DirectAsync(string options, string batch, string localDirectory) =>
        await ProcessRunner.RunAsync("sftp", ["-D", $"{Executable} sftp-server {options}", "-b", "-"], TimeSpan.FromSeconds(60),
            workingDirectory: localDirectory, standardInput: batch);

    [Fact]
    public async Task Q_requests_lists_every_request_name_as_openssh_does()
    {
        var result = await ProcessRunner.RunAsync(Executable, ["sftp-server", "-Q", "requests"]);
        Assert.Equal(0, result.ExitCode);
        var names = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var openssh = await ProcessRunner.RunAsync("/usr/lib/openssh/sftp-server", ["-Q", "requests"]);
        // Every request OpenSSH's sftp-server knows is known here too (plus the version 6 and draft ones).
        Assert.Empty(openssh.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Except(names));
        Assert.Contains("link", names);
        Assert.Contains("check-file-name", names);
    }

    [Fact]
    public async Task Bad_options_print_the_usage_and_exit_1()
    {
        var result = await ProcessRunner.RunAsync(Executable, ["sftp-server", "-x"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("usage:", result.Error, StringComparison.Ordinal);
        var umask = await ProcessRunner.RunAsync(Executable, ["sftp-server", "-u", "999"]);
        Assert.Equal(1, umask.ExitCode);
        Assert.Contains("invalid umask", umask.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serves_the_real_file_system_from_the_start_directory()
    {
        string remote = MakeDirectory("remote");
        string local = MakeDirectory("local");
        await File.WriteAllTextAsync(Path.Combine(remote, "hello.txt"), "hello from the server\n");
        await File.WriteAllBytesAsync(Path.Combine(local, "up.bin"), RandomBytes(300_000));
        var result = await DirectAsync($"-d {remote} -u 027", "pwd\nget hello.txt\nput up.bin\nmkdir sub\nrename up.bin sub/moved.bin\nls -l sub\n", local);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Remote working directory: {remote}", result.Output, StringComparison.Ordinal);
        Assert.Equal("hello from the server\n", await File.ReadAllTextAsync(Path.Combine(local, "hello.txt")));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(local, "up.bin")), await File.ReadAllBytesAsync(Path.Combine(remote, "sub", "moved.bin")));
        // -u 027 applies to what the session creates.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(Path.Combine(remote, "sub")));
    }

    [Fact]
    public async Task Read_only_mode_refuses_every_change()
    {
        string remote = MakeDirectory("ro");
        string local = MakeDirectory("ro-local");
        await File.WriteAllTextAsync(Path.Combine(remote, "keep.txt"), "keep");
        await File.WriteAllTextAsync(Path.Combine(local, "new.txt"), "new");
        var result = await DirectAsync($"-R -d {remote}", "get keep.txt\n-put new.txt\n-rm keep.txt\n-mkdir d\n-rename keep.txt k2\nls\n", local);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("keep", await File.ReadAllTextAsync(Path.Combine(local, "keep.txt")));
        Assert.Equal(["keep.txt"], System.IO.Directory.GetFileSystemEntries(remote).Select(Path.GetFileName));
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denied_and_allowed_request_lists_filter_requests_by_name()
    {
        string remote = MakeDirectory("filter");
        string local = MakeDirectory("filter-local");
        await File.WriteAllTextAsync(Path.Combine(remote, "a.txt"), "a");
        var denied = await DirectAsync($"-P remove,posix-rename -d {remote}", "-rm a.txt\nget a.txt\n-rename a.txt b.txt\n", local);
        Assert.True(denied.ExitCode == 0, denied.ToString());
        Assert.True(File.Exists(Path.Combine(remote, "a.txt")));
        Assert.True(File.Exists(Path.Combine(local, "a.txt")));

        var allowed = await DirectAsync($"-p open,close,read,stat,lstat,fstat,realpath,opendir,readdir -d {remote}", "ls\n-mkdir x\n", local);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("a.txt", allowed.Output, StringComparison.Ordinal);
        Assert.False(System.IO.Directory.Exists(Path.Combine(remote, "x")));
    }

    [Fact]
    public async Task Runs_as_openssh_sshd_s_sftp_subsystem()
    {
        string sshd = "/usr/sbin/sshd";
        Assert.True(File.Exists(sshd), "openssh-server is needed (test.sh installs it)");
        string home = MakeDirectory("sshd-home");
        string local = MakeDirectory("sshd-local");
        await File.WriteAllTextAsync(Path.Combine(home, "from-sshd.txt"), "served by MultiXfer behind sshd\n");
        string hostKey = SshTestKeys.GenerateKey(_work.FullName, "sshd_host_key", "-t", "ed25519");
        string clientKey = SshTestKeys.ClientKey("id_ed25519");
        string authorized = Path.Combine(_work.FullName, "authorized_keys");
        await File.WriteAllTextAsync(authorized, SshTestKeys.ClientPublicKey("id_ed25519") + "\n");
        int port = FreePort();
        string config = Path.Combine(_work.FullName, "sshd_config");
        await File.WriteAllTextAsync(config, $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            PidFile {Path.Combine(_work.FullName, "sshd.pid")}
            AuthorizedKeysFile {authorized}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            Subsystem sftp {Executable} sftp-server -d {home}

            """);
        using var daemon = Process.Start(new ProcessStartInfo(sshd, ["-D", "-e", "-f", config]) { RedirectStandardError = true })!;
        try
        {
            await WaitForPortAsync(port);
            var result = await ProcessRunner.RunAsync("sftp",
                ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                 "-i", clientKey, "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", "-", $"{Environment.UserName}@127.0.0.1"],
                TimeSpan.FromSeconds(60), workingDirectory: local, standardInput: "pwd\nget from-sshd.txt\nput from-sshd.txt back.txt\n");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"Remote working directory: {home}", result.Output, StringComparison.Ordinal);
            Assert.Equal("served by MultiXfer behind sshd\n", await File.ReadAllTextAsync(Path.Combine(home, "back.txt")));
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"sshd did not listen on {port}");
    }
}
