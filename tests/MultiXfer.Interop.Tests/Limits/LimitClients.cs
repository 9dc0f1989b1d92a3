using System.Diagnostics;
using System.Globalization;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Limits;

/// <summary>The real clients the limit tests drive: Clients/quota_clients.py (ftplib, paramiko), curl, lftp, OpenSSH.</summary>
internal static class LimitClients
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public static async Task<ParamikoResult> ScriptAsync(TestServer server, string scenario, string user, params string[] options) =>
        new(await SshTestSupport.RunPythonAsync("quota_clients.py",
            [scenario, Port(server.FtpPort), Port(server.SshPort), user, TestServer.Passwords[user], .. options], TimeSpan.FromSeconds(120)));

    public static Task<ProcessResult> CurlUploadAsync(TestServer server, string scheme, string user, string localFile, string remoteName) =>
        ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "--max-time", "60", "-u", $"{user}:{TestServer.Passwords[user]}", "-T", localFile,
            $"{scheme}://127.0.0.1:{Port(scheme == "ftp" ? server.FtpPort : server.SshPort)}/{remoteName}"], TimeSpan.FromSeconds(90));

    public static Task<ProcessResult> CurlDownloadAsync(TestServer server, string scheme, string user, string remoteName) =>
        ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "--max-time", "60", "-o", "/dev/null", "-u", $"{user}:{TestServer.Passwords[user]}",
            $"{scheme}://127.0.0.1:{Port(scheme == "ftp" ? server.FtpPort : server.SshPort)}/{remoteName}"], TimeSpan.FromSeconds(90));

    /// <summary>lftp running commands over FTP as <paramref name="user"/>, no retries.</summary>
    public static Task<ProcessResult> LftpAsync(TestServer server, string user, string commands) =>
        ProcessRunner.RunAsync("lftp",
        [
            "-u", $"{user},{TestServer.Passwords[user]}",
            "-e", $"set net:max-retries 1; set net:timeout 15; set cmd:fail-exit yes; set ftp:ssl-allow no; {commands}; quit",
            $"ftp://127.0.0.1:{Port(server.FtpPort)}",
        ], TimeSpan.FromSeconds(60));

    /// <summary>OpenSSH's sftp as alice (the test client's key) with a batch of commands, run in <paramref name="directory"/>.</summary>
    public static Task<ProcessResult> OpenSshSftpAsync(TestServer server, string directory, params string[] commands) =>
        SftpTestSupport.SftpBatchAsync(server, new OpenSshClient(server), directory, commands);

    /// <summary>OpenSSH's scp in legacy SCP mode (-O) as alice, uploading <paramref name="files"/> to the root.</summary>
    public static Task<ProcessResult> OpenSshScpUploadAsync(TestServer server, params string[] files) =>
        ProcessRunner.RunAsync("scp", [.. SftpTestSupport.OpenSshOptions(server, new OpenSshClient(server)), "-O", .. files, "alice@127.0.0.1:/"],
            TimeSpan.FromSeconds(60));

    /// <summary>
    /// curl downloading or uploading as a running process, printing when its transfer started and ended (seconds after
    /// the process began), so a test can measure the rate of many transfers together without their logins.
    /// </summary>
    public static Process StartTimedTransfer(TestServer server, string scheme, string user, string remoteName, string? uploadFrom)
    {
        int port = scheme == "ftp" ? server.FtpPort : server.SshPort;
        var start = new ProcessStartInfo(ClientTools.Require("curl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] transfer = uploadFrom is null ? ["-o", "/dev/null"] : ["-T", uploadFrom];
        foreach (string argument in (string[])["-s", "-S", "-k", "--max-time", "90", .. transfer, "-u", $"{user}:{TestServer.Passwords[user]}",
                     "-w", "%{time_pretransfer} %{time_total}", $"{scheme}://127.0.0.1:{Port(port)}/{remoteName}"])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>A sparse file of <paramref name="bytes"/> (zeros): large downloads without writing them.</summary>
    public static void CreateSparse(string path, long bytes)
    {
        using var file = File.Create(path);
        file.SetLength(bytes);
    }

    /// <summary>Bytes of the regular files under <paramref name="directory"/>, upload temporaries included.</summary>
    public static long DiskBytes(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
