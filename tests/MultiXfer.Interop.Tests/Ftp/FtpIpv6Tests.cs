using System.Net;
using System.Net.Sockets;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>IPv6 listeners (RFC 2428: EPSV/EPRT carry IPv6), and a dual-stack listener serving IPv4 clients.</summary>
public sealed class FtpIpv6Tests
{
    [ClientFact(ClientTools.Python)]
    public async Task Ftplib_over_IPv6_uses_EPSV_and_EPRT_and_PASV_is_refused()
    {
        await using var server = await TestServer.StartAsync(c => c["Listeners:ftp:Address"] = "::1");
        var result = await ProcessRunner.RunAsync(ClientTools.Python,
            [Path.Combine(AppContext.BaseDirectory, "Clients", "ftplib_ipv6.py"), server.FtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "alice", TestServer.Passwords["alice"]]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("IPV6 OK", result.Output);
        Assert.Contains("::1", server.ReadLog());
    }

    [ClientFact("curl")]
    public async Task Curl_lists_and_downloads_over_IPv6()
    {
        await using var server = await TestServer.StartAsync(c => c["Listeners:ftp:Address"] = "::1");
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "six.txt"), "over ipv6");
        var get = await ProcessRunner.RunAsync("curl", ["-sS", "-g", "-u", "alice:" + TestServer.Passwords["alice"],
            $"ftp://[::1]:{server.FtpPort}/six.txt"]);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("over ipv6", get.Output);
    }

    [Fact]
    public async Task A_dual_stack_listener_treats_IPv4_clients_as_IPv4()
    {
        await using var server = await TestServer.StartAsync(c => c["Listeners:ftp:Address"] = "::");
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "dual");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(227, (await client.CommandAsync("PASV")).Code);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await client.ExpectAsync($"PORT 127,0,0,1,{port >> 8},{port & 255}", 200);
        await client.SendAsync("RETR f.txt");
        using var data = await listener.AcceptTcpClientAsync();
        Assert.Equal(150, (await client.ReadAsync()).Code);
        Assert.Equal("dual", System.Text.Encoding.ASCII.GetString(await RawFtpClient.ReadAllAsync(data)));
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Contains("127.0.0.1 alice]", server.ReadLog());
        Assert.DoesNotContain("::ffff:", server.ReadLog());
    }
}
