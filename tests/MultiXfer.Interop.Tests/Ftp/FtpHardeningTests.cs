using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>Regression tests for the review: clients that do not read, races at upload commit, port hoarding.</summary>
public sealed class FtpHardeningTests
{
    private const string DropperHash = "Users:dropper:PasswordHash";

    private static Action<Dictionary<string, string?>> WithDropper(Action<Dictionary<string, string?>>? more = null) => c =>
    {
        // An upload-only drop box: may list and upload, not overwrite or delete.
        c[DropperHash] = c["Users:alice:PasswordHash"];
        c["Users:dropper:Home"] = "/alice";
        c["Users:dropper:Permissions:/"] = "list,upload";
        more?.Invoke(c);
    };

    private static async Task<RawFtpClient> LoginAsDropperAsync(int port)
    {
        var (client, _) = await RawFtpClient.ConnectAsync(port);
        await client.ExpectAsync("USER dropper", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        return client;
    }

    [Fact]
    public async Task A_client_that_never_reads_replies_is_dropped_and_cannot_hold_a_session()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:ReplyTimeoutSeconds"] = "2");
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        byte[] flood = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("HELP\r\n", 2000)));
        try
        {
            for (int i = 0; i < 40; i++)
            {
                await client.SendRawAsync(flood);
            }
        }
        catch (IOException)
        {
            // The server dropped us while we were still flooding: that is the point.
        }

        for (int i = 0; i < 100 && !server.ReadLog().Contains("did not read a reply", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("did not read a reply for 2 s; connection dropped", server.ReadLog());
        await using var fresh = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(200, (await fresh.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task STOU_by_an_upload_only_user_that_is_aborted_leaves_nothing_and_the_session_lives_on()
    {
        await using var server = await TestServer.StartAsync(WithDropper());
        await using var client = await LoginAsDropperAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOU report");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().WriteAsync(new byte[5000]);
        data.Client.Close(0);
        Assert.Equal(426, (await client.ReadAsync()).Code);
        Assert.Empty(Directory.GetFiles(server.HomeOf("alice")));
        Assert.Equal(220, (await client.CommandAsync("REIN")).Code);
        Assert.Equal(530, (await client.CommandAsync("PWD")).Code);
    }

    [Fact]
    public async Task An_upload_never_replaces_a_file_that_appeared_meanwhile_without_overwrite_rights()
    {
        await using var server = await TestServer.StartAsync(WithDropper());
        await using var dropper = await LoginAsDropperAsync(server.FtpPort);
        await dropper.ExpectAsync("TYPE I", 200);
        var data = await dropper.OpenPassiveAsync();
        await dropper.SendAsync("STOR shared.txt");
        Assert.Equal(150, (await dropper.ReadAsync()).Code);
        await data.GetStream().WriteAsync("dropper's"u8.ToArray());

        // Meanwhile alice, who may overwrite, stores the same name.
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "shared.txt"), "alice's");

        data.Dispose();
        Assert.Equal(550, (await dropper.ReadAsync()).Code);
        Assert.Equal("alice's", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "shared.txt")));
        Assert.Single(Directory.GetFiles(server.HomeOf("alice")));

        await dropper.ExpectAsync("RNFR nothing-here", 550);
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "mine.txt"), "x");
        await dropper.ExpectAsync("RNFR mine.txt", 350);
        Assert.Equal(550, (await dropper.CommandAsync("RNTO shared.txt")).Code);
        Assert.Equal("alice's", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "shared.txt")));
    }

    [Fact]
    public async Task STAT_with_a_path_during_a_transfer_waits_and_the_session_survives_a_bad_path()
    {
        await using var server = await TestServer.StartAsync();
        File.WriteAllBytes(Path.Combine(server.HomeOf("alice"), "big.bin"), new byte[8 << 20]);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("RETR big.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await client.SendAsync("STAT no-such-path");
        var drain = RawFtpClient.ReadAllAsync(data);
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(550, (await client.ReadAsync()).Code);
        Assert.Equal(8 << 20, (await drain).Length);
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task Passive_ports_are_capped_per_client_and_unused_ones_expire()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Ftp:MaxPassivePortsPerClient"] = "2";
            c["Ftp:DataConnectTimeoutSeconds"] = "1";
        });
        await using var first = await RawFtpClient.LoginAsync(server.FtpPort);
        await using var second = await RawFtpClient.LoginAsync(server.FtpPort);
        await using var third = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(229, (await first.CommandAsync("EPSV")).Code);
        Assert.Equal(229, (await first.CommandAsync("EPSV")).Code); // replaces its own, not a second one
        Assert.Equal(229, (await second.CommandAsync("EPSV")).Code);
        Assert.Equal(425, (await third.CommandAsync("EPSV")).Code);

        await Task.Delay(1500); // unused ports close themselves after the connect timeout
        Assert.Equal(229, (await third.CommandAsync("EPSV")).Code);
        Assert.Equal(425, (await first.CommandAsync("LIST")).Code);
    }

    [Fact]
    public async Task Special_permission_bits_are_never_set_and_replaced_files_keep_their_mode()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR tool");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        data.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        await client.ExpectAsync("SITE CHMOD 4755 tool", 200);
        string path = Path.Combine(server.HomeOf("alice"), "tool");
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(path));
        await client.ExpectAsync("SITE CHMOD 0600 tool", 200);

        var again = await client.OpenPassiveAsync();
        await client.SendAsync("STOR tool");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await again.GetStream().WriteAsync("new"u8.ToArray());
        again.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public async Task Control_characters_in_a_user_name_never_reach_the_log()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        await client.SendRawAsync(Encoding.ASCII.GetBytes("USER evil\r2026-01-01 [INF] forged\u001b[31m\r\n"));
        Assert.Equal(331, (await client.ReadAsync()).Code);
        Assert.Equal(530, (await client.CommandAsync("PASS x")).Code);
        string log = server.ReadLog();
        Assert.Contains("login failed for evil?2026-01-01 [INF] forged?[31m", log);
        Assert.DoesNotContain("\u001b", log);
        Assert.DoesNotContain("\rforged", log);
    }

    [Fact]
    public async Task REIN_starts_a_new_login_clock()
    {
        await using var server = await TestServer.StartAsync(c => c["Server:LoginTimeoutSeconds"] = "2");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await Task.Delay(2500);
        Assert.Equal(220, (await client.CommandAsync("REIN")).Code);
        await client.ExpectAsync("USER bob", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["bob"], 230);
    }

    [Fact]
    public async Task STAT_stops_listing_at_its_cap_and_link_targets_that_would_break_lines_are_left_out()
    {
        await using var server = await TestServer.StartAsync();
        string many = Path.Combine(server.HomeOf("alice"), "many");
        Directory.CreateDirectory(many);
        for (int i = 0; i < 10_050; i++)
        {
            File.Create(Path.Combine(many, $"f{i:D5}")).Dispose();
        }

        File.CreateSymbolicLink(Path.Combine(server.HomeOf("alice"), "odd-link"), "target\r\n227 Entering Passive Mode");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        var status = await client.CommandAsync("STAT many");
        Assert.Equal(213, status.Code);
        Assert.Equal(10_000 + 3, status.Lines.Count);
        Assert.Contains("listing stopped after 10000 entries", status.Lines[^2]);

        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("LIST");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        string list = Encoding.UTF8.GetString(await RawFtpClient.ReadAllAsync(data));
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Matches(@"lrwxrwxrwx .* odd-link\r\n", list);
        Assert.DoesNotContain("227", list);
    }
}
