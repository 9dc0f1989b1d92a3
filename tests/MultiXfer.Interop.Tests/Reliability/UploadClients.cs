using System.Globalization;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>
/// Real clients uploading into a server whose storage fails, each followed by a step that shows the session (or the
/// next session) still works. Every client logs in as alice; the local files live in <paramref name="work"/>.
/// </summary>
internal sealed class UploadClients(TestServer server, string work)
{
    private readonly OpenSshClient _ssh = new(server);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public string Local(string name) => Path.Combine(work, name);

    /// <summary>OpenSSH sftp: the upload (errors ignored with '-'), then a listing, a small upload and its download.</summary>
    public Task<ProcessResult> SftpAsync(string upload, string remote, string extra = "") =>
        SftpTestSupport.SftpBatchAsync(server, _ssh, work,
            [$"-{upload} {remote}", "ls -l", "put small.bin small.bin", "get small.bin back.bin", .. Lines(extra)]);

    /// <summary>lftp over SFTP at <paramref name="version"/>, carrying on after errors.</summary>
    public Task<ProcessResult> LftpSftpAsync(int version, string commands) =>
        ProcessRunner.RunAsync("lftp",
        [
            "-u", "alice,unused",
            "-e", $"set sftp:protocol-version {version}; set sftp:connect-program '{SftpTestSupport.LftpConnectProgram(_ssh)}'; " +
                  "set cmd:fail-exit no; set net:max-retries 1; set net:timeout 15; set xfer:clobber on; " + commands + "; quit",
            $"sftp://127.0.0.1:{server.SshPort}",
        ], TimeSpan.FromSeconds(90), work);

    /// <summary>lftp over FTP (optionally with explicit TLS), carrying on after errors.</summary>
    public Task<ProcessResult> LftpFtpAsync(string commands, bool tls = false) =>
        ProcessRunner.RunAsync("lftp",
        [
            "-u", "alice," + TestServer.Passwords["alice"],
            "-e", "set cmd:fail-exit no; set net:max-retries 1; set net:timeout 15; set xfer:clobber on; " +
                  $"set ftp:ssl-allow {(tls ? "yes; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no" : "no")}; " +
                  commands + "; quit",
            $"ftp://127.0.0.1:{server.FtpPort}",
        ], TimeSpan.FromSeconds(90), work);

    /// <summary>curl uploading <paramref name="local"/> to <paramref name="remote"/> over FTP, or FTPS with AUTH TLS.</summary>
    public Task<ProcessResult> CurlFtpAsync(string local, string remote, bool tls = false) =>
        ProcessRunner.RunAsync("curl",
        [
            "--silent", "--show-error", "--user", "alice:" + TestServer.Passwords["alice"], "--max-time", "60",
            .. tls ? new[] { "--ssl-reqd", "--insecure" } : [],
            "-T", Local(local), $"ftp://127.0.0.1:{server.FtpPort}/{remote}",
        ], TimeSpan.FromSeconds(90), work);

    /// <summary>OpenSSH scp in its legacy protocol (-O), uploading <paramref name="local"/>.</summary>
    public Task<ProcessResult> ScpAsync(string local, string remote) =>
        ProcessRunner.RunAsync("scp",
        [
            .. SftpTestSupport.OpenSshOptions(server, _ssh), "-O", local, "alice@127.0.0.1:" + remote,
        ], TimeSpan.FromSeconds(90), work);

    /// <summary>
    /// Raw SFTP at <paramref name="version"/> through paramiko (Clients/paramiko_sftp.py "upload-fault"): the statuses of
    /// the failing WRITE, of one more WRITE, of CLOSE, then whether the session lists and uploads; then paramiko's own put.
    /// </summary>
    public async Task<ParamikoResult> RawSftpAsync(int version, string local, string remote, long offset = 0, string? put = null)
    {
        string[] options = ["--init-version", version.ToString(CultureInfo.InvariantCulture), "--source", Local(local), "--remote", remote,
            "--offset", offset.ToString(CultureInfo.InvariantCulture), .. put is null ? Array.Empty<string>() : ["--put", put]];
        var result = await ParamikoSftp.RunAsync(server, "upload-fault", "alice", options);
        Assert.True(result.Process.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>
    /// A raw FTP STOR (or APPE, or REST+STOR) of <paramref name="content"/> over EPSV: the final reply (or the refusal
    /// instead of 150), then whether the same session still lists and stores. The data connection may be cut by the server once the upload failed.
    /// </summary>
    public async Task<(FtpResponse Final, FtpResponse List, FtpResponse Store)> RawFtpAsync(string command, byte[] content, long? restart = null)
    {
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        if (restart is { } offset)
        {
            await client.ExpectAsync($"REST {offset}", 350);
        }

        var data = await client.OpenPassiveAsync();
        await client.SendAsync(command);
        var final = await client.ReadAsync();
        if (final.Code == 150)
        {
            try
            {
                await data.GetStream().WriteAsync(content);
            }
            catch (IOException)
            {
                // The server stopped reading after the failure and closed the data connection.
            }

            data.Dispose();
            final = await client.ReadAsync(TimeSpan.FromSeconds(30));
        }

        data.Dispose();
        using (var listing = await client.OpenPassiveAsync())
        {
            await client.SendAsync("NLST");
            await client.ReadAsync();
            await RawFtpClient.ReadAllAsync(listing);
        }

        var listed = await client.ReadAsync();
        using var small = await client.OpenPassiveAsync();
        await client.SendAsync("STOR usable.bin");
        var stored = await client.ReadAsync();
        if (stored.Code == 150)
        {
            await small.GetStream().WriteAsync("still usable\n"u8.ToArray());
            small.Dispose();
            stored = await client.ReadAsync();
        }

        return (final, listed, stored);
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string Describe(ProcessResult result) => $"exit {result.ExitCode}: {(result.Error + result.Output).Trim().Replace('\n', '|')}";
}
