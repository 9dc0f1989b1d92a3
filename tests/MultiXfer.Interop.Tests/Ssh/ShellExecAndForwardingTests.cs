using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// What the server does not offer: shells and commands get a one-line explanation on standard error and a non-zero
/// exit status; port forwarding in either direction is refused; a pty request is declined without harming the
/// session.
/// </summary>
public sealed class ShellExecAndForwardingTests : IAsyncLifetime
{
    private const string Refusal = "This server offers file transfer only (SFTP and SCP); there is no shell or command execution.";

    private TestServer _server = null!;
    private OpenSshClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = new OpenSshClient(_server);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ClientFact("ssh")]
    public async Task A_shell_gets_a_one_line_refusal_and_a_non_zero_status()
    {
        var result = await SshAsync(["-T"], []);
        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEqual(255, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal(Refusal, result.Error.Trim());
        Assert.Contains("refused shell: no shell or command execution", _server.ReadLog());
    }

    [ClientFact("ssh")]
    public async Task A_command_gets_the_refusal_and_exit_status_127()
    {
        var result = await SshAsync([], ["ls", "-la", "/"]);
        Assert.Equal(127, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal(Refusal, result.Error.Trim());
    }

    [ClientFact(ClientTools.Python)]
    public async Task Paramiko_exec_sees_the_refusal_on_stderr_and_status_127()
    {
        var result = (await Paramiko.PasswordAsync(_server, "exec", "alice", "--command", "cat /etc/passwd")).Ok();
        Assert.Equal("127", result.Value("EXIT"));
        Assert.Equal("", Decode(result.Value("STDOUT")));
        Assert.Equal(Refusal, Decode(result.Value("STDERR")).Trim());
    }

    /// <summary>direct-tcpip (ssh -L) gets OPEN_FAILURE "administratively prohibited"; tcpip-forward (ssh -R) fails; the session goes on.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task Paramiko_port_forwarding_is_refused_and_the_connection_stays_usable()
    {
        var result = (await Paramiko.PasswordAsync(_server, "forward")).Ok();
        Assert.StartsWith("refused 1 ", result.Value("FORWARD"), StringComparison.Ordinal);
        Assert.Equal("refused", result.Value("REMOTE_FORWARD"));
        Assert.Equal("equal 10000 status 0", result.Value("ECHO_AFTER"));
    }

    [ClientFact("ssh")]
    public async Task OpenSsh_remote_forwarding_is_refused()
    {
        var result = await SshAsync(["-N", "-o", "ExitOnForwardFailure=yes", "-R", $"127.0.0.1:0:127.0.0.1:{_server.FtpPort}"], []);
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("remote port forwarding failed", result.Error);
    }

    /// <summary>
    /// ssh -L to the server's own FTP port: the forward's listener is local, so ssh starts; a connection through it
    /// must not reach the FTP server (no 220 greeting), because the server refuses the direct-tcpip channel.
    /// </summary>
    [ClientFact("ssh")]
    public async Task OpenSsh_local_forwarding_is_refused()
    {
        int localPort = FreePort();
        var arguments = _client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes",
            "ExitOnForwardFailure=yes");
        arguments.AddRange(["-i", SshTestKeys.ClientKey("id_ed25519"), "-N", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{_server.FtpPort}", "127.0.0.1"]);
        var start = new ProcessStartInfo(ClientTools.Require("ssh")) { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        arguments.ForEach(start.ArgumentList.Add);
        using var ssh = Process.Start(start)!;
        var stderr = ssh.StandardError.ReadToEndAsync();
        try
        {
            using var tcp = await ConnectWhenListeningAsync(localPort, TimeSpan.FromSeconds(20));
            var stream = tcp.GetStream();
            var received = new MemoryStream();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            byte[] buffer = new byte[1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            Assert.Equal("", Encoding.ASCII.GetString(received.ToArray()));
            Assert.True(await SshTestSupport.WaitForLogAsync(_server, "channel open refused: forwarding is disabled on this server", TimeSpan.FromSeconds(5)),
                _server.ReadLog());
            Assert.False(ssh.HasExited, "ssh ended: " + (ssh.HasExited ? await stderr : ""));
        }
        finally
        {
            ssh.Kill(entireProcessTree: true);
            await ssh.WaitForExitAsync();
        }
    }

    [ClientFact(ClientTools.Python)]
    public async Task Paramiko_pty_request_is_refused_and_the_connection_stays_usable()
    {
        var result = (await Paramiko.PasswordAsync(_server, "pty")).Ok();
        Assert.StartsWith("refused", result.Value("PTY"), StringComparison.Ordinal);
        Assert.Equal("equal 20000 status 0", result.Value("ECHO_AFTER"));
    }

    /// <summary>
    /// ssh -tt asks for a pty before the subsystem and is told no. (ssh then gives up by its own rule: a pty that was
    /// explicitly requested and refused closes the session, so only the refusal is checked here.)
    /// </summary>
    [ClientFact("ssh")]
    public async Task OpenSsh_forced_pty_is_refused()
    {
        var arguments = _client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes");
        arguments.AddRange(["-tt", "-i", SshTestKeys.ClientKey("id_ed25519"), "-s", "127.0.0.1", "multixfer-echo"]);
        var result = await BinaryProcessRunner.RunAsync("ssh", arguments, "hello\n"u8.ToArray(), TimeSpan.FromSeconds(60));
        Assert.Contains("PTY allocation request failed on channel 0", result.Error);
        Assert.Contains("SSH user alice authenticated by publickey", _server.ReadLog());
    }

    private async Task<ProcessResult> SshAsync(string[] sshOptions, string[] command)
    {
        var arguments = _client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes");
        arguments.AddRange(["-i", SshTestKeys.ClientKey("id_ed25519"), .. sshOptions, "127.0.0.1", .. command]);
        return await ProcessRunner.RunAsync("ssh", arguments, TimeSpan.FromSeconds(60));
    }

    private static string Decode(string? base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64 ?? ""));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<TcpClient> ConnectWhenListeningAsync(int port, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return tcp;
            }
            catch (SocketException) when (watch.Elapsed < timeout)
            {
                tcp.Dispose();
                await Task.Delay(100);
            }
        }
    }
}
