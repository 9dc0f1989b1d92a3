using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Session;
using MultiXfer.Transport.FrontEnd;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Ftp.Tests.Session;

/// <summary>
/// A real <see cref="FtpSession"/> over in-memory pipes, with memory storage and anonymous login, spoken to line by
/// line as a client would. The connection comes from 127.0.0.1, so passive data connections from the test are its own.
/// </summary>
internal sealed partial class FtpSessionHarness : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly Pipe _toServer = new();
    private readonly Pipe _fromServer = new();
    private readonly StreamReader _replies;
    private readonly Stream _commands;
    private readonly FileSystemProvider _files = new(new ServerOptions { Storage = "memory" }, NullLoggerFactory.Instance);
    private readonly Task _session;

    public FtpSessionHarness(FtpMetrics metrics)
    {
        var server = new FtpServerContext(new ServerOptions { Storage = "memory", IdleTimeoutSeconds = 30, LoginTimeoutSeconds = 30 },
            new FtpOptions { PassivePorts = "", AllowAnonymous = true, DataConnectTimeoutSeconds = 5 }, _files,
            new TlsServer(new CertificateStore(), "ftp"), TimeSpan.FromSeconds(5), NullLoggerFactory.Instance, metrics);
        var connection = new ConnectionContext("ftp-test-1", "ftp", new IPEndPoint(IPAddress.Loopback, 21),
            new IPEndPoint(IPAddress.Loopback, 40000), new RelayStream(_toServer.Reader.AsStream(), _fromServer.Writer.AsStream()),
            CancellationToken.None)
        {
            VirtualHost = new VirtualHost
            {
                Name = VirtualHost.DefaultName,
                HostNames = [],
                Banner = "test server",
                Authenticator = new AnonymousOnly(),
                AllowAnonymous = true,
            },
        };
        var policy = FtpListenerPolicy.For(implicitTls: false, requireTlsForLogin: false, requireTlsForData: false,
            new ProxyPolicy(ProxyProtocolMode.Off, [], TimeSpan.Zero, TimeSpan.Zero));
        _replies = new StreamReader(_fromServer.Reader.AsStream(), Encoding.ASCII);
        _commands = _toServer.Writer.AsStream();
        _session = Task.Run(async () =>
        {
            try
            {
                await new FtpSession(server, policy, connection).RunAsync();
            }
            finally
            {
                await _fromServer.Writer.CompleteAsync();
            }
        });
    }

    /// <summary>Sends one command line and returns the reply's code.</summary>
    public async Task<int> SendAsync(string line)
    {
        await _commands.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        await _commands.FlushAsync();
        return await ReadReplyAsync();
    }

    /// <summary>The next reply's code (a multi-line reply read to its last line).</summary>
    public async Task<int> ReadReplyAsync()
    {
        LastReply = await ReadLineAsync();
        string code = LastReply[..3];
        string last = LastReply;
        while (last.Length > 3 && last[3] == '-')
        {
            last = await ReadLineAsync();
            if (last.StartsWith(code + " ", StringComparison.Ordinal))
            {
                break;
            }
        }

        return int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first line of the last reply read.</summary>
    public string LastReply { get; private set; } = "";

    /// <summary>The port a 227 reply announced.</summary>
    public int PassivePort()
    {
        var match = PassiveReply().Match(LastReply);
        Assert.True(match.Success, LastReply);
        return (int.Parse(match.Groups[1].ValueSpan, provider: null) << 8) | int.Parse(match.Groups[2].ValueSpan, provider: null);
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await _session.WaitAsync(ReplyTimeout);
        _files.Dispose();
    }

    private async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        return await _replies.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the session closed the connection");
    }

    [GeneratedRegex(@"^227 .*\(\d+,\d+,\d+,\d+,(\d+),(\d+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex PassiveReply();

    /// <summary>Anonymous logins only, into the memory storage's root.</summary>
    private sealed class AnonymousOnly : IAuthenticator
    {
        public ValueTask<AuthResult> AuthenticateAnonymousAsync(LoginAttempt attempt, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new AuthResult(AuthOutcome.Success, new UserAccount
            {
                Name = "anonymous",
                Home = VirtualPath.Root,
                ReadOnly = true,
                IsAnonymous = true,
                Protocols = new HashSet<string> { Protocols.Ftp },
                Permissions = new PermissionRules([(VirtualPath.Root, Permission.List | Permission.Download)], readOnly: true),
            }));

        public ValueTask<AuthResult> AuthenticatePasswordAsync(LoginAttempt attempt, string password,
            CancellationToken cancellationToken) => ValueTask.FromResult(AuthResult.Failed(LoginFailureReasons.BadCredentials));

        public ValueTask<AuthResult> AuthenticatePublicKeyAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
            CancellationToken cancellationToken) => ValueTask.FromResult(AuthResult.Failed(LoginFailureReasons.BadCredentials));

        public ValueTask<bool> IsPublicKeyAcceptableAsync(LoginAttempt attempt, Func<UserAccount, bool> keyIsAuthorized,
            CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<UserAccount?> FindAccountAsync(string name, CancellationToken cancellationToken) =>
            ValueTask.FromResult<UserAccount?>(null);

        public bool IsThrottled(IPAddress clientAddress) => false;
    }
}
