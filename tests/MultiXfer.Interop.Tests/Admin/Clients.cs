using System.Diagnostics;
using System.Globalization;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>The real clients the admin tests log in with after each change: curl (FTP, SFTP), lftp, OpenSSH sftp, paramiko.</summary>
internal static class Clients
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>curl fetching a file over FTP; exit code 67 when the login is refused.</summary>
    public static Task<ProcessResult> CurlFtpAsync(TestServer server, string user, string password, string file) =>
        ProcessRunner.RunAsync("curl", ["-s", "-S", "--max-time", "30", "-u", $"{user}:{password}", $"ftp://127.0.0.1:{Port(server.FtpPort)}/{file}"],
            TimeSpan.FromSeconds(60));

    /// <summary>lftp listing the root over FTP, no retries.</summary>
    public static Task<ProcessResult> LftpListAsync(TestServer server, string user, string password) =>
        ProcessRunner.RunAsync("lftp",
        [
            "-u", $"{user},{password}", "-e", "set net:max-retries 1; set net:timeout 15; set cmd:fail-exit yes; set ftp:ssl-allow no; cls -1; quit",
            $"ftp://127.0.0.1:{Port(server.FtpPort)}",
        ], TimeSpan.FromSeconds(60));

    /// <summary>OpenSSH's sftp logging in with the test client's ed25519 key and running one batch command.</summary>
    public static async Task<ProcessResult> OpenSshSftpAsync(TestServer server, string user, string command)
    {
        var client = new OpenSshClient(server);
        string batch = Path.Combine(server.RootDirectory, $"batch-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(batch, command + "\n");
        return await ProcessRunner.RunAsync("sftp", [.. SftpTestSupport.OpenSshOptions(server, client), "-b", batch, $"{user}@127.0.0.1"],
            TimeSpan.FromSeconds(60));
    }

    /// <summary>paramiko's password login plus an echo round trip ("ECHO equal ..." when both worked).</summary>
    public static Task<ParamikoResult> ParamikoLoginAsync(TestServer server, string user, string password) =>
        Paramiko.RunAsync(server, "login", "--user", user, "--method", "password", "--secret", password, "--size", "4096");

    /// <summary>
    /// A download that takes a while (curl reads 1 MB/s; loopback buffers and the SSH window hold several MB more), as a running process: the session an admin ends. FTP or
    /// SFTP by the URL scheme; curl's SFTP trusts any host key here (-k) because the test is about the session.
    /// </summary>
    public static Process StartSlowDownload(TestServer server, string scheme, string user, string password, string file, params string[] options) =>
        StartDownload(server, scheme, user, password, file, "1M", options);

    /// <summary>As <see cref="StartSlowDownload"/>, at <paramref name="rate"/> (curl's --limit-rate).</summary>
    public static Process StartDownload(TestServer server, string scheme, string user, string password, string file, string rate,
        params string[] options)
    {
        int port = scheme is "sftp" or "scp" ? server.SshPort : server.FtpPort;
        var start = new ProcessStartInfo(ClientTools.Require("curl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[ "-s", "-S", "-k", "--limit-rate", rate, "-o", "/dev/null", "-u", $"{user}:{password}", .. options,
                     $"{scheme}://127.0.0.1:{Port(port)}/{file}"])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }
}
