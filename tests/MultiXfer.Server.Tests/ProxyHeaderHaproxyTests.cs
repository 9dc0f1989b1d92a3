using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;
using MultiXfer.Transport.Proxy;

namespace MultiXfer.Server.Tests;

/// <summary>
/// Real PROXY headers as HAProxy sends them to a backend: a client connects to an HAProxy frontend, HAProxy connects to a
/// listener here and prepends its header, which must parse to the client's and the frontend's endpoints.
/// </summary>
public sealed class ProxyHeaderHaproxyTests : IDisposable
{
    private const string Haproxy = HaproxyProcess.Executable;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly TcpListener _backend = new(IPAddress.Loopback, 0);

    public ProxyHeaderHaproxyTests() => _backend.Start();

    public void Dispose() => _backend.Dispose();

    [ClientFact(Haproxy)]
    public async Task Haproxy_send_proxy_v1_header_carries_the_client_and_frontend_endpoints()
    {
        var (header, _, _) = await RelayThroughHaproxyAsync("send-proxy");

        Assert.Equal(1, header.Version);
        Assert.Empty(header.Tlvs);
    }

    [ClientFact(Haproxy)]
    public async Task Haproxy_send_proxy_v2_header_carries_the_client_and_frontend_endpoints()
    {
        var (header, _, _) = await RelayThroughHaproxyAsync("send-proxy-v2");

        Assert.Equal(2, header.Version);
        Assert.Equal(ProxyCommand.Proxy, header.Command);
    }

    [ClientFact(Haproxy)]
    public async Task Haproxy_send_proxy_v2_with_crc32c_and_unique_id_passes_the_checksum()
    {
        var (header, client, bytes) = await RelayThroughHaproxyAsync("send-proxy-v2 proxy-v2-options crc32c,unique-id",
            @"unique-id-format %{+X}o\ %ci:%cp");

        Assert.Equal(2, header.Version);
        Assert.Equal(4, Assert.Single(header.Tlvs, tlv => tlv.Type == 0x03).Value.Length);
        string expectedId = string.Create(CultureInfo.InvariantCulture,
            $"{Convert.ToHexString(client.Address.GetAddressBytes())}:{client.Port:X4}");
        Assert.Equal(expectedId, Encoding.ASCII.GetString(Assert.Single(header.Tlvs, tlv => tlv.Type == 0x05).Value.Span));

        // The checksum is what made the header acceptable: any changed address byte must now be refused.
        bytes[16] ^= 1;
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.TryParse(bytes, 1024, out _, out string? error));
        Assert.Contains("CRC32c", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts HAProxy in front of <see cref="_backend"/>, connects a client, and returns the parsed header, the client's endpoint,
    /// and the header's bytes; asserts the endpoints and that the client's first bytes follow the header.
    /// </summary>
    private async Task<(ProxyHeader Header, IPEndPoint Client, byte[] Bytes)> RelayThroughHaproxyAsync(string serverOptions, string frontendOptions = "")
    {
        int frontendPort = HaproxyProcess.FreePort(IPAddress.Loopback);
        int backendPort = ((IPEndPoint)_backend.LocalEndpoint).Port;
        await using var haproxy = await HaproxyProcess.StartAsync($"""
            frontend fe
                bind 127.0.0.1:{frontendPort}
                {frontendOptions}
                default_backend be
            backend be
                server s1 127.0.0.1:{backendPort} {serverOptions}
            """);

        using var cts = new CancellationTokenSource(Timeout);
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, frontendPort, cts.Token);
        await client.GetStream().WriteAsync("hello"u8.ToArray(), cts.Token);
        using var relayed = await _backend.AcceptTcpClientAsync(cts.Token);

        var received = new List<byte>();
        var buffer = new byte[4096];
        ProxyHeader? header = null;
        while (header is null || received.Count < header.Length + 5)
        {
            int read = await relayed.GetStream().ReadAsync(buffer, cts.Token);
            Assert.True(read > 0, $"HAProxy closed the backend connection after {received.Count} bytes\n{haproxy.Output}");
            received.AddRange(buffer.AsSpan(0, read));
            var status = ProxyHeaderParser.TryParse(received.ToArray(), 1024, out header, out string? error);
            Assert.True(status != ProxyParseStatus.Invalid, $"{error}: {Convert.ToHexString(received.ToArray())}");
        }

        byte[] bytes = received.ToArray();
        var clientEndpoint = (IPEndPoint)client.Client.LocalEndPoint!;
        Assert.Equal(clientEndpoint, header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, frontendPort), header.Destination);
        Assert.Equal("hello"u8.ToArray(), bytes[header.Length..]);
        return (header, clientEndpoint, bytes[..header.Length]);
    }
}
