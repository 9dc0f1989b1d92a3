using System.Net;
using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>FTP bounce (CVE-1999-0017) and passive port theft (CVE-1999-0351), checked on loopback with two "hosts".</summary>
public sealed class FtpDataChannelSecurityTests
{
    private static readonly IPAddress OtherHost = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task PORT_and_EPRT_to_another_address_or_a_low_port_are_refused_and_never_dialled()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "data");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        // A listener on the "other host" that must never see a connection from the server.
        using var victim = new TcpListener(OtherHost, 0);
        victim.Start();
        int port = ((IPEndPoint)victim.LocalEndpoint).Port;

        Assert.Equal(500, (await client.CommandAsync($"PORT 127,0,0,2,{port >> 8},{port & 255}")).Code);
        Assert.Equal(425, (await client.CommandAsync("RETR f.txt")).Code);
        Assert.Equal(500, (await client.CommandAsync($"EPRT |1|127.0.0.2|{port}|")).Code);
        Assert.Equal(500, (await client.CommandAsync($"EPRT |2|::1|{port}|")).Code);
        Assert.Equal(500, (await client.CommandAsync("PORT 127,0,0,1,0,21")).Code);
        Assert.Equal(500, (await client.CommandAsync("EPRT |1|127.0.0.1|1023|")).Code);
        Assert.Equal(522, (await client.CommandAsync($"EPRT |3|127.0.0.1|{port}|")).Code);
        Assert.Equal(501, (await client.CommandAsync("PORT 127,0,0,1,300,1")).Code);
        Assert.Equal(501, (await client.CommandAsync("EPRT garbage")).Code);
        Assert.Equal(425, (await client.CommandAsync("LIST")).Code);

        using var probe = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await victim.AcceptTcpClientAsync(probe.Token));
        Assert.Contains("refused", server.ReadLog());
    }

    [Fact]
    public async Task Active_mode_to_the_clients_own_address_works()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "active data");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await client.ExpectAsync($"EPRT |1|127.0.0.1|{port}|", 200);
        await client.ExpectAsync("TYPE I", 200);
        await client.SendAsync("RETR f.txt");
        using var data = await listener.AcceptTcpClientAsync();
        Assert.Equal(150, (await client.ReadAsync()).Code);
        Assert.Equal("active data", Encoding.ASCII.GetString(await RawFtpClient.ReadAllAsync(data)));
        Assert.Equal(226, (await client.ReadAsync()).Code);
    }

    [Fact]
    public async Task A_thief_connecting_first_to_the_passive_port_gets_nothing()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "secret.txt"), "for alice only");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        int port = RawFtpClient.ParseEpsvPort((await client.ExpectAsync("EPSV", 229)).Text);

        using var thief = new TcpClient(AddressFamily.InterNetwork);
        thief.Client.Bind(new IPEndPoint(OtherHost, 0));
        await thief.ConnectAsync(IPAddress.Loopback, port);
        using var owner = new TcpClient(AddressFamily.InterNetwork);
        await owner.ConnectAsync(IPAddress.Loopback, port);

        await client.SendAsync("RETR secret.txt");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        Assert.Equal("for alice only", Encoding.ASCII.GetString(await RawFtpClient.ReadAllAsync(owner)));
        Assert.Equal(226, (await client.ReadAsync()).Code);

        byte[] stolen = [];
        try
        {
            stolen = await RawFtpClient.ReadAllAsync(thief);
        }
        catch (IOException)
        {
            // Reset by the server: also nothing.
        }

        Assert.Empty(stolen);
        Assert.Contains("refused a data connection from 127.0.0.2", server.ReadLog());
    }

    [Fact]
    public async Task Only_a_foreign_data_connection_ends_in_425()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:DataConnectTimeoutSeconds"] = "2");
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "secret.txt"), "x");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        using var thief = await client.OpenPassiveAsync(OtherHost);
        await client.SendAsync("RETR secret.txt");
        Assert.Equal(425, (await client.ReadAsync()).Code);
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task EPSV_ALL_locks_out_the_other_set_up_commands()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("EPSV ALL", 200);
        Assert.Equal(501, (await client.CommandAsync("PASV")).Code);
        Assert.Equal(501, (await client.CommandAsync("PORT 127,0,0,1,40,1")).Code);
        Assert.Equal(229, (await client.CommandAsync("EPSV")).Code);
        Assert.Equal(522, (await client.CommandAsync("EPSV 2")).Code);
    }

    [Fact]
    public async Task Active_mode_can_be_disabled()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:AllowActive"] = "false");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(502, (await client.CommandAsync("PORT 127,0,0,1,40,1")).Code);
        Assert.Equal(227, (await client.CommandAsync("PASV")).Code);
    }

    [Fact]
    public async Task Passive_ports_come_from_the_configured_range_and_address()
    {
        int first = 42000 + Random.Shared.Next(0, 2000);
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Ftp:PassivePorts"] = $"{first}-{first + 4}";
            c["Ftp:PassiveAddress"] = "127.0.0.1";
        });
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        for (int i = 0; i < 10; i++)
        {
            var reply = await client.ExpectAsync("PASV", 227);
            string[] numbers = reply.Text[(reply.Text.IndexOf('(') + 1)..reply.Text.IndexOf(')')].Split(',');
            Assert.Equal("127,0,0,1", string.Join(',', numbers[..4]));
            int port = (int.Parse(numbers[4]) << 8) + int.Parse(numbers[5]);
            Assert.InRange(port, first, first + 4);
        }
    }
}
