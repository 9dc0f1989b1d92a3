using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MultiXfer.Connections;
using MultiXfer.Ftp;
using MultiXfer.Ftp.Session;
using MultiXfer.Fuzz.Support;
using MultiXfer.Transport.FrontEnd;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// A whole FTP control connection (RFC 959 §4-5, RFC 2389 FEAT/OPTS, RFC 2428 EPRT/EPSV, RFC 3659 SIZE/MDTM/MLST/
/// MLSD/REST STREAM, RFC 2640 UTF8, RFC 7151 HOST, RFC 4217 AUTH/PBSZ/PROT/CCC, MFMT, SITE CHMOD/UTIME/HELP): the input
/// is the byte stream a client sends on the control connection (as captured from lftp, curl and ftplib) into a real
/// FtpSession over memory storage: ControlLineParser (line ends, 4 KiB limit, Telnet IP/Synch, TLS ClientHello
/// detection), FtpCommand.TryParse, the command table's rules (login first, argument needed) and each command's
/// own argument parser (PORT and EPRT addresses, EPSV, REST offsets, TYPE/STRU/MODE, LIST options, MLST facts,
/// MFMT times, SITE sub-commands, HOST names, ...). Passive data connections are real loopback sockets: when the
/// session announces a port (227/229) the harness connects to it at once and pumps data (it uploads a fixed
/// mixed-line-ending text and drains what the server sends), so LIST, NLST, MLSD, RETR, STOR, APPE and STOU run
/// end to end, ASCII conversion included. Active mode connects back to 127.0.0.1 only (the session's rule), where
/// nothing listens, so it fails fast. No certificate is loaded: AUTH TLS is refused.
/// <para>
/// "\r\nSYST\r\n" is appended so that a trailing transfer finishes before the session sees the end of the stream
/// (commands wait for a running transfer). FsException becomes a reply inside the session; the session's own
/// catch-all for transfers (451, "{Verb} failed unexpectedly") is a crash here, as is anything leaving RunAsync.
/// </para>
/// </summary>
internal static partial class FtpControlTarget
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);

    private static readonly byte[] Sentinel = "\r\nSYST\r\n"u8.ToArray();

    /// <summary>What the harness uploads on every data connection: CR LF, bare LF, bare CR, CR CR LF, NUL and 0xFF.</summary>
    private static readonly byte[] UploadData = "fuzz upload\r\nsecond line\nthird\r\r\nbare cr\rend \0\xff"u8.ToArray();

    public static void Run(byte[] data)
    {
        var logs = new TripwireLoggerFactory();
        var files = new MemoryFiles();
        var server = new FtpServerContext(
            new ServerOptions { Storage = "memory", IdleTimeoutSeconds = 10, LoginTimeoutSeconds = 10 },
            new FtpOptions
            {
                PassivePorts = "",
                DataConnectTimeoutSeconds = 2,
                DataStallTimeoutSeconds = 2,
                ReplyTimeoutSeconds = 2,
                AllowActive = true,
                AllowCcc = true,
                AllowAnonymous = true,
                MaxPassivePortsPerClient = 4,
            },
            files, new TlsServer(new CertificateStore(), "ftp"), TimeSpan.FromSeconds(1), logs);
        var policy = FtpListenerPolicy.For(implicitTls: false, requireTlsForLogin: false, requireTlsForData: false,
            new ProxyPolicy(ProxyProtocolMode.Off, [], TimeSpan.Zero, TimeSpan.Zero));
        byte[] script = [.. data, .. Sentinel];

        Harness.Run(async _ =>
        {
            await using var control = new ControlStream(script);
            var connection = FuzzUsers.Connection(control, "ftp");
            connection.VirtualHost = FuzzUsers.Site(allowAnonymous: true);
            var session = new FtpSession(server, policy, connection);
            await session.RunAsync();
        }, Deadline, "FTP session");
        Harness.ThrowIfSwallowed(logs);
    }

    [GeneratedRegex(@"^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex PassiveReply();

    [GeneratedRegex(@"^229 .*\(\|\|\|(\d+)\|\)", RegexOptions.CultureInvariant)]
    private static partial Regex ExtendedPassiveReply();

    /// <summary>
    /// The client's side of the control connection: reads come from the script; replies are watched line by line, and
    /// every passive port announced gets a data connection from 127.0.0.1 before the session goes on.
    /// </summary>
    private sealed class ControlStream(byte[] script) : ScriptedStream(script, chunk: 509)
    {
        private readonly StringBuilder _line = new();
        private readonly List<(Socket Socket, Task Pump)> _data = [];

        public override async ValueTask DisposeAsync()
        {
            Task[] pumps;
            lock (_data)
            {
                pumps = [.. _data.Select(d => d.Pump)];
            }

            await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(3)).ContinueWith(_ => { }, TaskScheduler.Default);
            lock (_data)
            {
                foreach (var (socket, _) in _data)
                {
                    socket.Dispose();
                }
            }

            await base.DisposeAsync();
        }

        protected override void OnWritten(ReadOnlySpan<byte> bytes)
        {
            lock (_line)
            {
                foreach (byte b in bytes)
                {
                    if (b != '\n')
                    {
                        if (_line.Length < 512)
                        {
                            _line.Append((char)b);
                        }

                        continue;
                    }

                    string line = _line.ToString();
                    _line.Clear();
                    int port = PassiveReply().Match(line) is { Success: true } m
                        ? (int.Parse(m.Groups[5].ValueSpan, provider: null) << 8) | int.Parse(m.Groups[6].ValueSpan, provider: null)
                        : ExtendedPassiveReply().Match(line) is { Success: true } e ? int.Parse(e.Groups[1].ValueSpan, provider: null) : -1;
                    if (port is > 0 and < 65536)
                    {
                        Connect(port);
                    }
                }
            }
        }

        /// <summary>Connects at once (the listener exists before the reply is sent) and pumps in the background.</summary>
        private void Connect(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                socket.Dispose();
                return;
            }

            var pump = Task.Run(async () =>
            {
                try
                {
                    await socket.SendAsync(UploadData, SocketFlags.None);
                    socket.Shutdown(SocketShutdown.Send);
                    var buffer = new byte[16 * 1024];
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
                    {
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The session closed or reset the data connection: its business.
                }
            });
            lock (_data)
            {
                _data.Add((socket, pump));
            }
        }
    }
}
