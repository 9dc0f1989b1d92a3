using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftps;

/// <summary>RFC 4217 behaviour and the attacks on it: STARTTLS injection, ALPACA, plaintext/TLS confusion.</summary>
public sealed class FtpsProtocolTests
{
    private static readonly IPAddress OtherHost = IPAddress.Parse("127.0.0.2");

    private static async Task<RawFtpClient> SecureLoginAsync(int port, string user = "alice")
    {
        var (client, _) = await RawFtpClient.ConnectAsync(port);
        await client.ExpectAsync("AUTH TLS", 234);
        await client.StartTlsAsync();
        await client.ExpectAsync($"USER {user}", 331);
        await client.ExpectAsync($"PASS {TestServer.Passwords[user]}", 230);
        return client;
    }

    private static async Task<byte[]> ProtectedRetrieveAsync(RawFtpClient client, string command, IPAddress? from = null)
    {
        using var data = await client.OpenPassiveAsync(from);
        await client.SendAsync(command);
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await using var tls = await TlsClient.ConnectAsync(data.GetStream());
        var content = new MemoryStream();
        await tls.CopyToAsync(content);
        Assert.Equal(226, (await client.ReadAsync()).Code);
        return content.ToArray();
    }

    [Fact]
    public async Task FEAT_advertises_AUTH_TLS_PBSZ_and_PROT()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        var feat = await client.CommandAsync("FEAT");
        Assert.Contains(" AUTH TLS", feat.Lines);
        Assert.Contains(" PBSZ", feat.Lines);
        Assert.Contains(" PROT", feat.Lines);
        Assert.DoesNotContain(" CCC", feat.Lines);
    }

    [Fact]
    public async Task Commands_injected_with_AUTH_TLS_are_never_executed()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        await client.SendRawAsync("AUTH TLS\r\nUSER injected\r\n"u8.ToArray());
        Assert.Equal(234, (await client.ReadAsync()).Code);
        await client.StartTlsAsync();

        // Had "USER injected" run after the handshake, PASS would be answered 230/530; it was dropped: 503.
        Assert.Equal(503, (await client.CommandAsync("PASS anything")).Code);
        Assert.Contains("dropped 15 bytes of plaintext sent with AUTH TLS", server.ReadLog());
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
    }

    [Fact]
    public async Task Plaintext_on_the_implicit_port_gets_no_answer()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.FtpsPort);
        await tcp.GetStream().WriteAsync("USER alice\r\n"u8.ToArray());
        var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await tcp.GetStream().CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
        }

        // At most a TLS alert record; never an FTP reply, never the input echoed.
        string text = Encoding.ASCII.GetString(received.ToArray());
        Assert.DoesNotContain("USER", text);
        Assert.DoesNotMatch(@"\d{3}[ -]", text);
        Assert.True(received.Length < 16, $"{received.Length} bytes came back");
        Assert.Contains("TLS handshake on the control failed", server.ReadLog());
    }

    [Fact]
    public async Task A_TLS_ClientHello_on_the_plain_port_is_closed_without_a_reply()
    {
        await using var server = await TestServer.StartAsync();
        var (client, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        Assert.Equal(220, greeting.Code);
        await client.SendRawAsync([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, .. new byte[40]]);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("a TLS ClientHello arrived", server.ReadLog());
    }

    [Fact]
    public async Task A_client_offering_only_another_ALPN_protocol_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.FtpsPort);
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => TlsClient.ConnectAsync(tcp.GetStream(), "localhost", ["http/1.1"]));

        using var ok = new TcpClient();
        await ok.ConnectAsync(IPAddress.Loopback, server.FtpsPort);
        await using var tls = await TlsClient.ConnectAsync(ok.GetStream(), "localhost", ["http/1.1", "ftp"]);
        Assert.Equal("ftp", tls.NegotiatedApplicationProtocol.ToString());
    }

    [Fact]
    public async Task PBSZ_and_PROT_follow_RFC_4217_ordering_and_levels()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        Assert.Equal(503, (await client.CommandAsync("PBSZ 0")).Code);
        Assert.Equal(503, (await client.CommandAsync("PROT P")).Code);
        Assert.Equal(504, (await client.CommandAsync("AUTH KERBEROS_V4")).Code);
        await client.ExpectAsync("AUTH TLS", 234);
        await client.StartTlsAsync();
        Assert.Equal(503, (await client.CommandAsync("AUTH TLS")).Code);
        Assert.Equal(503, (await client.CommandAsync("PROT P")).Code);
        Assert.Equal(501, (await client.CommandAsync("PBSZ lots")).Code);
        Assert.Equal("200 PBSZ=0", (await client.CommandAsync("PBSZ 1024")).Text);
        Assert.Equal(536, (await client.CommandAsync("PROT S")).Code);
        Assert.Equal(536, (await client.CommandAsync("PROT E")).Code);
        Assert.Equal(504, (await client.CommandAsync("PROT X")).Code);
        Assert.Equal(200, (await client.CommandAsync("PROT P")).Code);
        Assert.Equal(200, (await client.CommandAsync("PROT C")).Code);
        Assert.Equal(530, (await client.CommandAsync("CCC")).Code);
    }

    [Fact]
    public async Task Policy_can_require_TLS_for_login_and_for_data()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Listeners:ftp:RequireTlsForLogin"] = "true";
            c["Listeners:ftp:RequireTlsForData"] = "true";
        });
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "protected");
        var (plain, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _p = plain;
        Assert.Equal(534, (await plain.CommandAsync("USER alice")).Code);
        Assert.Equal(534, (await plain.CommandAsync("PASS " + TestServer.Passwords["alice"])).Code);

        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        Assert.Equal(534, (await client.CommandAsync("PROT C")).Code);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(534, (await client.CommandAsync("LIST")).Code);
        }

        await client.ExpectAsync("PROT P", 200);
        await client.ExpectAsync("TYPE I", 200);
        Assert.Equal("protected", Encoding.ASCII.GetString(await ProtectedRetrieveAsync(client, "RETR f.txt")));
    }

    /// <summary>An upload refused for lack of PROT P changes nothing: the check comes before the file is opened.</summary>
    [Fact]
    public async Task Uploads_refused_for_unprotected_data_leave_files_untouched()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Listeners:ftp:RequireTlsForData"] = "true";
            c["Server:AtomicUploads"] = "false"; // STOR would truncate in place if it opened the file
        });
        string existing = Path.Combine(server.HomeOf("alice"), "keep.txt");
        File.WriteAllText(existing, "keep me");
        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        foreach (string command in new[] { "STOR keep.txt", "APPE new.txt", "STOU new" })
        {
            using (await client.OpenPassiveAsync())
            {
                Assert.Equal(534, (await client.CommandAsync(command)).Code);
            }
        }

        Assert.Equal("keep me", File.ReadAllText(existing));
        Assert.Equal(["keep.txt"], Directory.GetFiles(server.HomeOf("alice")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Protected_data_flows_both_ways_and_a_thief_from_another_address_gets_nothing()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "secret.txt"), "tls secret");
        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        await client.ExpectAsync("PROT P", 200);
        await client.ExpectAsync("TYPE I", 200);

        int port = RawFtpClient.ParseEpsvPort((await client.ExpectAsync("EPSV", 229)).Text);
        using var thief = new TcpClient(AddressFamily.InterNetwork);
        thief.Client.Bind(new IPEndPoint(OtherHost, 0));
        await thief.ConnectAsync(IPAddress.Loopback, port);
        using var owner = new TcpClient(AddressFamily.InterNetwork);
        await owner.ConnectAsync(IPAddress.Loopback, port);
        await client.SendAsync("RETR secret.txt");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await using (var tls = await TlsClient.ConnectAsync(owner.GetStream()))
        {
            var content = new MemoryStream();
            await tls.CopyToAsync(content);
            Assert.Equal("tls secret", Encoding.ASCII.GetString(content.ToArray()));
        }

        Assert.Equal(226, (await client.ReadAsync()).Code);
        byte[] stolen = [];
        try
        {
            stolen = await RawFtpClient.ReadAllAsync(thief);
        }
        catch (IOException)
        {
        }

        Assert.Empty(stolen);

        using var upload = await client.OpenPassiveAsync();
        await client.SendAsync("STOR up.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await using (var tls = await TlsClient.ConnectAsync(upload.GetStream()))
        {
            await tls.WriteAsync(new byte[100_000]);
            await tls.ShutdownAsync();
        }

        upload.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(100_000, new FileInfo(Path.Combine(server.HomeOf("alice"), "up.bin")).Length);
    }

    [Fact]
    public async Task A_plaintext_data_connection_under_PROT_P_fails_the_transfer_not_the_session()
    {
        await using var server = await TestServer.StartAsync(c => c["Tls:HandshakeTimeoutSeconds"] = "2");
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "x");
        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        await client.ExpectAsync("PROT P", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("RETR f.txt");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().WriteAsync("not tls\r\n"u8.ToArray());
        Assert.Equal(425, (await client.ReadAsync()).Code);
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task Implicit_FTPS_protects_data_by_default_and_users_can_be_limited_to_FTPS()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Users:secure:PasswordHash"] = c["Users:alice:PasswordHash"];
            c["Users:secure:Home"] = "/alice";
            c["Users:secure:Protocols:0"] = "ftps";
        });
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "f.txt"), "implicit");

        var (plain, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _p = plain;
        await plain.ExpectAsync("USER secure", 331);
        Assert.Equal(530, (await plain.CommandAsync("PASS " + TestServer.Passwords["alice"])).Code);

        var (client, greeting) = await RawFtpClient.ConnectImplicitAsync(server.FtpsPort);
        await using var _c = client;
        Assert.Equal(220, greeting.Code);
        await client.ExpectAsync("USER secure", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        await client.ExpectAsync("TYPE I", 200);
        Assert.Equal("implicit", Encoding.ASCII.GetString(await ProtectedRetrieveAsync(client, "RETR f.txt")));
        Assert.Contains("login succeeded for secure over ftps", server.ReadLog());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_TLS_upload_cut_without_close_notify_is_not_committed_unless_allowed(bool requireCloseNotify)
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:TlsUploadsRequireCloseNotify"] = requireCloseNotify.ToString());
        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        await client.ExpectAsync("PROT P", 200);
        await client.ExpectAsync("TYPE I", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR cut.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        var tls = await TlsClient.ConnectAsync(data.GetStream());
        await tls.WriteAsync(new byte[50_000]);
        await tls.FlushAsync();
        data.Client.Shutdown(SocketShutdown.Send); // a FIN where close_notify should be: what an attacker can inject
        var reply = await client.ReadAsync();
        string target = Path.Combine(server.HomeOf("alice"), "cut.bin");
        if (requireCloseNotify)
        {
            Assert.Equal(426, reply.Code);
            Assert.Contains("close_notify", reply.Text);
            Assert.False(File.Exists(target));
        }
        else
        {
            Assert.Equal(226, reply.Code);
            Assert.Equal(50_000, new FileInfo(target).Length);
        }
    }

    [Fact]
    public async Task Protected_downloads_end_with_close_notify()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllBytes(Path.Combine(server.HomeOf("alice"), "d.bin"), new byte[70_000]);
        await using var client = await SecureLoginAsync(server.FtpPort);
        await client.ExpectAsync("PBSZ 0", 200);
        await client.ExpectAsync("PROT P", 200);
        await client.ExpectAsync("TYPE I", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("RETR d.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        var witness = new MultiXfer.Transport.Tls.EndOfStreamWitness(data.GetStream());
        await using var tls = await TlsClient.ConnectAsync(witness);
        var content = new MemoryStream();
        await tls.CopyToAsync(content);
        Assert.Equal(70_000, content.Length);
        Assert.False(witness.SawEndOfStream); // TLS ended at the server's close_notify, not at a bare FIN
        Assert.Equal(226, (await client.ReadAsync()).Code);
    }

    [Fact]
    public async Task Implicit_listeners_always_require_TLS_so_CCC_stays_closed_even_when_allowed()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:AllowCcc"] = "true");
        var (client, _) = await RawFtpClient.ConnectImplicitAsync(server.FtpsPort);
        await using var _c = client;
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        Assert.Equal(534, (await client.CommandAsync("CCC")).Code);
    }

    [Fact]
    public async Task AUTH_forgets_a_USER_sent_in_plaintext()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("AUTH TLS", 234);
        await client.StartTlsAsync();
        Assert.Equal(503, (await client.CommandAsync("PASS " + TestServer.Passwords["alice"])).Code);
    }

    [Fact]
    public async Task AUTH_after_login_starts_a_new_security_context_and_a_new_login()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("AUTH TLS", 234);
        await client.StartTlsAsync();
        Assert.Equal(530, (await client.CommandAsync("PWD")).Code);
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        Assert.Contains("Control connection is Tls", (await client.CommandAsync("STAT")).Text);
        Assert.Equal(534, (await client.CommandAsync("CCC")).Code); // off unless Ftp:AllowCcc
    }
}
