using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Tests.Keys;

namespace MultiXfer.Ssh.Tests.Metrics;

/// <summary>
/// One real SSH session of this server on a loopback port, with an ed25519 host key and no user that can log in, for
/// OpenSSH's own client to talk to. <see cref="ConnectAsync"/> runs the client once and waits for the session to end.
/// </summary>
internal sealed class InProcessSshServer : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _keys = new();
    private readonly SshServer _server;
    private readonly HostKeyManager _hostKeys;

    public InProcessSshServer(SshOptions options, SshMetrics metrics)
    {
        string hostKey = _keys.Path("host_ed25519");
        Tool.SshKeygen("-q", "-t", "ed25519", "-N", "", "-f", hostKey);
        options.HostKeys = [hostKey];
        var listeners = new Dictionary<string, ListenerOptions> { ["ssh"] = new() { Protocol = "ssh" } };
        _hostKeys = HostKeyManager.Create(options, _keys.Path(""), listeners, NullLogger.Instance);
        Assert.Null(_hostKeys.LoadAtStart(_keys.Path("")));
        _server = new SshServer(options, new ServerOptions { IdleTimeoutSeconds = 30 }, listeners, _hostKeys,
            new Dictionary<string, HostKeyManager>(), new SshApplicationRegistry(), TimeProvider.System, NullLoggerFactory.Instance,
            metrics);
    }

    /// <summary>The listener's connection handler (for refusals).</summary>
    public IConnectionHandler Handler => _server.CreateHandler("ssh");

    /// <summary>Runs <c>ssh</c> with <paramref name="options"/> (-o values) against one session; returns the client's stderr.</summary>
    public async Task<string> ConnectAsync(params string[] options)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var session = ServeOneAsync(listener);
        string[] arguments =
        [
            "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "PubkeyAuthentication=no", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
            "-o", "GSSAPIAuthentication=no", "-o", "ConnectTimeout=10",
            .. options.SelectMany(o => new[] { "-o", o }),
            "nobody@127.0.0.1", "true",
        ];
        var client = await Task.Run(() => Tool.Run("ssh", arguments)).WaitAsync(Deadline);
        await session.WaitAsync(Deadline);
        return client.Stderr;
    }

    public void Dispose()
    {
        _hostKeys.Dispose();
        _keys.Dispose();
    }

    private async Task ServeOneAsync(Socket listener)
    {
        using var socket = await listener.AcceptAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var connection = new ConnectionContext("ssh-test-1", "ssh", (IPEndPoint)socket.LocalEndPoint!, remote, stream,
            CancellationToken.None)
        {
            VirtualHost = new VirtualHost
            {
                Name = VirtualHost.DefaultName,
                HostNames = [],
                Banner = "",
                Authenticator = new NobodyLogsIn(),
            },
        };
        await Handler.RunAsync(connection);
    }

    private sealed class NobodyLogsIn : IAuthenticator
    {
        public ValueTask<AuthResult> AuthenticatePasswordAsync(LoginAttempt attempt, string password,
            CancellationToken cancellationToken) => ValueTask.FromResult(AuthResult.Failed(LoginFailureReasons.BadCredentials));

        public ValueTask<AuthResult> AuthenticatePublicKeyAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
            CancellationToken cancellationToken) => ValueTask.FromResult(AuthResult.Failed(LoginFailureReasons.BadCredentials));

        public ValueTask<bool> IsPublicKeyAcceptableAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
            CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<AuthResult> AuthenticateAnonymousAsync(LoginAttempt attempt, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AuthResult.Failed(LoginFailureReasons.BadCredentials));

        public ValueTask<UserAccount?> FindAccountAsync(string name, CancellationToken cancellationToken) =>
            ValueTask.FromResult<UserAccount?>(null);

        public bool IsThrottled(IPAddress clientAddress) => false;
    }
}
