using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MultiXfer.TestKit;

/// <summary>A deliberately dumb FTP client for sending exactly the bytes a test wants, hostile ones included.</summary>
public sealed class RawFtpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private StreamReader _reader;

    private RawFtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = NewReader(_stream);
    }

    private static StreamReader NewReader(Stream stream) => new(stream, new UTF8Encoding(false), false, 1024, leaveOpen: true);

    /// <summary>The certificate the server presented, once TLS is up.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate { get; private set; }

    /// <summary>
    /// Runs the client side of a TLS handshake on the control connection (after 234, or first thing on an implicit
    /// port); any certificate is accepted, since the tests' certificates are self-signed.
    /// </summary>
    public async Task StartTlsAsync(string? serverName = "localhost", IEnumerable<string>? alpn = null)
    {
        var tls = await TlsClient.ConnectAsync(_stream, serverName, alpn);
        ServerCertificate = tls.RemoteCertificate is { } remote ? new System.Security.Cryptography.X509Certificates.X509Certificate2(remote) : null;
        _stream = tls;
        _reader = NewReader(tls);
    }

    /// <summary>Connects to an implicit FTPS port: TLS first, then the greeting.</summary>
    public static async Task<(RawFtpClient Client, FtpResponse Greeting)> ConnectImplicitAsync(int port, string? serverName = "localhost")
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var client = new RawFtpClient(tcp);
        await client.StartTlsAsync(serverName);
        return (client, await client.ReadAsync());
    }

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public IPEndPoint LocalEndPoint => (IPEndPoint)_tcp.Client.LocalEndPoint!;

    /// <summary>Connects (optionally from a given local address such as 127.0.0.2) and reads the greeting.</summary>
    public static async Task<(RawFtpClient Client, FtpResponse Greeting)> ConnectAsync(int port, IPAddress? from = null)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        if (from is not null)
        {
            tcp.Client.Bind(new IPEndPoint(from, 0));
        }

        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var client = new RawFtpClient(tcp);
        return (client, await client.ReadAsync());
    }

    public static async Task<RawFtpClient> LoginAsync(int port, string user = "alice")
    {
        var (client, _) = await ConnectAsync(port);
        await client.ExpectAsync($"USER {user}", 331);
        await client.ExpectAsync($"PASS {TestServer.Passwords[user]}", 230);
        return client;
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task SendAsync(string line) => SendRawAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task<FtpResponse> CommandAsync(string line)
    {
        await SendAsync(line);
        return await ReadAsync();
    }

    public async Task<FtpResponse> ExpectAsync(string line, int code)
    {
        var response = await CommandAsync(line);
        if (response.Code != code)
        {
            throw new Xunit.Sdk.XunitException($"'{line}' got {response} but {code} was expected");
        }

        return response;
    }

    /// <summary>Reads one reply, multi-line ones whole (RFC 959 section 4.2).</summary>
    public async Task<FtpResponse> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        string first = await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("connection closed");
        var lines = new List<string> { first };
        if (first.Length >= 4 && first[3] == '-')
        {
            string end = first[..3] + " ";
            while (true)
            {
                string line = await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("closed inside a reply");
                lines.Add(line);
                if (line.StartsWith(end, StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        return new FtpResponse(int.Parse(first[..3], System.Globalization.CultureInfo.InvariantCulture), lines);
    }

    /// <summary>True when the server closed the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _reader.ReadLineAsync(cts.Token) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Sends PASV and connects to the advertised port (optionally from another local address).</summary>
    public async Task<TcpClient> OpenPassiveAsync(IPAddress? from = null)
    {
        var reply = await ExpectAsync("EPSV", 229);
        int port = ParseEpsvPort(reply.Text);
        var data = new TcpClient(AddressFamily.InterNetwork);
        if (from is not null)
        {
            data.Client.Bind(new IPEndPoint(from, 0));
        }

        await data.ConnectAsync(IPAddress.Loopback, port);
        return data;
    }

    public static int ParseEpsvPort(string text)
    {
        int open = text.IndexOf("(|||", StringComparison.Ordinal);
        int close = text.IndexOf("|)", open, StringComparison.Ordinal);
        return int.Parse(text[(open + 4)..close], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A whole download over EPSV: 150, the bytes, 226.</summary>
    public async Task<byte[]> RetrieveAsync(string command)
    {
        using var data = await OpenPassiveAsync();
        await SendAsync(command);
        Xunit.Assert.Equal(150, (await ReadAsync()).Code);
        byte[] content = await ReadAllAsync(data);
        Xunit.Assert.Equal(226, (await ReadAsync()).Code);
        return content;
    }

    /// <summary>A whole upload over EPSV: 150, the bytes, close, 226.</summary>
    public async Task StoreAsync(string command, ReadOnlyMemory<byte> content) =>
        Xunit.Assert.Equal(226, (await UploadAsync(command, content)).Code);

    /// <summary>
    /// An upload over EPSV whatever its outcome: 150, the bytes, close, and the final reply. A server refusing the
    /// upload may stop reading and close the data connection under the rest of the bytes.
    /// </summary>
    public async Task<FtpResponse> UploadAsync(string command, ReadOnlyMemory<byte> content, TimeSpan? timeout = null)
    {
        using (var data = await OpenPassiveAsync())
        {
            await SendAsync(command);
            Xunit.Assert.Equal(150, (await ReadAsync()).Code);
            try
            {
                await data.GetStream().WriteAsync(content);
            }
            catch (IOException)
            {
            }
        }

        return await ReadAsync(timeout);
    }

    public static async Task<byte[]> ReadAllAsync(TcpClient data)
    {
        var buffer = new MemoryStream();
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await data.GetStream().CopyToAsync(buffer, cts.Token);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>A reply: its code and every line as received.</summary>
public sealed record FtpResponse(int Code, IReadOnlyList<string> Lines)
{
    public string Text => string.Join("\n", Lines);

    public override string ToString() => Text;
}
