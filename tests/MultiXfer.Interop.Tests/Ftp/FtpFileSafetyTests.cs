using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>Nothing escapes the user's root, and nothing is lost: interrupted uploads, failed renames.</summary>
public sealed class FtpFileSafetyTests
{
    [Fact]
    public async Task Traversal_paths_stay_inside_the_root()
    {
        await using var server = await TestServer.StartAsync();
        string outside = Path.Combine(Path.GetDirectoryName(server.DataRoot)!, "canary.txt");
        File.WriteAllText(outside, "outside");
        File.WriteAllText(Path.Combine(server.HomeOf("bob"), "bobs.txt"), "bob's");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        await client.ExpectAsync("CWD ../../..", 250);
        Assert.Contains("\"/\"", (await client.CommandAsync("PWD")).Text);
        foreach (string path in new[] { "../canary.txt", "../../canary.txt", "/../../canary.txt", "..\\..\\canary.txt",
                     "//../canary.txt", "a/b/../../../../canary.txt", "/etc/passwd", "../bob/bobs.txt" })
        {
            Assert.Equal(550, (await client.CommandAsync($"MDTM {path}")).Code);
            Assert.Equal(550, (await client.CommandAsync($"DELE {path}")).Code);
        }

        Assert.Equal(553, (await client.CommandAsync("MKD bad\u0000name")).Code);
        Assert.Equal(553, (await client.CommandAsync("MKD bad\rname")).Code);
        // '\' and control characters other than line breaks are part of a name, inside the root.
        await client.ExpectAsync("MKD ..\\..\\odd\u0001name", 257);
        Assert.True(Directory.Exists(Path.Combine(server.HomeOf("alice"), "..\\..\\odd\u0001name")));
        await client.ExpectAsync("MKD ../../escaped", 257);
        Assert.True(Directory.Exists(Path.Combine(server.HomeOf("alice"), "escaped")));
        Assert.False(Directory.Exists(Path.Combine(server.DataRoot, "..", "escaped")));
        Assert.Equal("outside", File.ReadAllText(outside));
        Assert.Equal("bob's", File.ReadAllText(Path.Combine(server.HomeOf("bob"), "bobs.txt")));
    }

    [Fact]
    public async Task A_link_planted_to_the_outside_leads_nowhere()
    {
        await using var server = await TestServer.StartAsync();
        string outsideDir = Path.Combine(Path.GetDirectoryName(server.DataRoot)!, "outside");
        Directory.CreateDirectory(outsideDir);
        File.WriteAllText(Path.Combine(outsideDir, "secret"), "outside secret");
        await using (await RawFtpClient.LoginAsync(server.FtpPort))
        {
        }

        Directory.CreateSymbolicLink(Path.Combine(server.HomeOf("alice"), "escape"), outsideDir);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(550, (await client.CommandAsync("SIZE escape/secret")).Code);
        Assert.Equal(550, (await client.CommandAsync("CWD escape")).Code);
        Assert.Equal(550, (await client.CommandAsync("DELE escape/secret")).Code);
        Assert.True(File.Exists(Path.Combine(outsideDir, "secret")));
    }

    [Fact]
    public async Task An_interrupted_upload_leaves_the_old_file_and_no_partial_one()
    {
        await using var server = await TestServer.StartAsync();
        string target = Path.Combine(server.HomeOf("alice"), "doc.txt");
        await using (await RawFtpClient.LoginAsync(server.FtpPort))
        {
        }

        File.WriteAllText(target, "old complete content");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR doc.txt");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().WriteAsync(new byte[100_000]);
        data.Client.Close(0); // abortive close, a reset: the client died mid-transfer
        Assert.Equal(426, (await client.ReadAsync()).Code);

        Assert.Equal("old complete content", File.ReadAllText(target));
        Assert.Equal(["doc.txt"], Directory.GetFiles(server.HomeOf("alice")).Select(Path.GetFileName));

        // A new file that never completes does not appear at all.
        var fresh = await client.OpenPassiveAsync();
        await client.SendAsync("STOR new.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await fresh.GetStream().WriteAsync(new byte[1000]);
        await client.SendRawAsync([0xFF, 0xF4, 0xFF, 0xF2, .. "ABOR\r\n"u8.ToArray()]);
        Assert.Equal(426, (await client.ReadAsync()).Code);
        Assert.Equal(226, (await client.ReadAsync()).Code);
        fresh.Dispose();
        Assert.False(File.Exists(Path.Combine(server.HomeOf("alice"), "new.bin")));
        Assert.Single(Directory.GetFiles(server.HomeOf("alice")));
    }

    [Fact]
    public async Task A_stalled_upload_is_aborted_and_leaves_nothing_while_the_session_goes_on()
    {
        // A plain binary STOR is received on a thread of its own with blocking reads: the stall watchdog must still end
        // it (by closing the data connection) with 426, and the session must serve the next command.
        await using var server = await TestServer.StartAsync(settings => settings["Ftp:DataStallTimeoutSeconds"] = "1");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR stalled.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().WriteAsync(new byte[64_000]);

        var started = DateTime.UtcNow;
        var reply = await client.ReadAsync();
        Assert.Equal(426, reply.Code);
        Assert.Contains("stalled", reply.Text);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Empty(Directory.GetFiles(server.HomeOf("alice")));
        Assert.Equal(257, (await client.CommandAsync("PWD")).Code);
    }

    [Fact]
    public async Task REST_then_STOR_resumes_in_place_byte_exact()
    {
        await using var server = await TestServer.StartAsync();
        byte[] whole = new byte[300_000];
        Random.Shared.NextBytes(whole);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        await client.StoreAsync("STOR r.bin", whole.AsMemory(0, 123_457));
        await client.ExpectAsync("REST 123457", 350);
        await client.StoreAsync("STOR r.bin", whole.AsMemory(123_457));
        Assert.Equal(whole, File.ReadAllBytes(Path.Combine(server.HomeOf("alice"), "r.bin")));

        await client.ExpectAsync("REST 999999999", 350);
        var data = await client.OpenPassiveAsync();
        Assert.Equal(554, (await client.CommandAsync("STOR r.bin")).Code);
        data.Dispose();
        Assert.Equal(501, (await client.CommandAsync("REST -1")).Code);
        Assert.Equal(501, (await client.CommandAsync("REST 18446744073709551616")).Code);
        Assert.Equal(whole, File.ReadAllBytes(Path.Combine(server.HomeOf("alice"), "r.bin")));
    }

    [Fact]
    public async Task A_failed_rename_leaves_both_entries_intact()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("MKD dir", 257);
        await client.ExpectAsync("TYPE I", 200);
        await client.StoreAsync("STOR dir/inside.txt", "inside"u8.ToArray());
        await client.StoreAsync("STOR file.txt", "file"u8.ToArray());
        await client.ExpectAsync("RNFR file.txt", 350);
        Assert.Equal(550, (await client.CommandAsync("RNTO dir")).Code);
        Assert.Equal("file", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "file.txt")));
        Assert.Equal("inside", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "dir", "inside.txt")));
        Assert.Equal(503, (await client.CommandAsync("RNTO other")).Code);
        await client.ExpectAsync("RNFR file.txt", 350);
        await client.ExpectAsync("NOOP", 200);
        Assert.Equal(503, (await client.CommandAsync("RNTO renamed.txt")).Code);
    }

    [Fact]
    public async Task Read_only_and_anonymous_users_cannot_change_anything()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:AllowAnonymous"] = "true");
        Directory.CreateDirectory(Path.Combine(server.DataRoot, "pub"));
        File.WriteAllText(Path.Combine(server.DataRoot, "pub", "readme.txt"), "public");
        Directory.CreateDirectory(server.HomeOf("alice"));
        File.WriteAllText(Path.Combine(server.HomeOf("alice"), "a.txt"), "alice's");

        await using var reader = await RawFtpClient.LoginAsync(server.FtpPort, "reader");
        Assert.Equal(550, (await reader.CommandAsync("DELE a.txt")).Code);
        Assert.Equal(550, (await reader.CommandAsync("MKD x")).Code);
        Assert.Equal(550, (await reader.CommandAsync("MFMT 20200101000000 a.txt")).Code);
        var data = await reader.OpenPassiveAsync();
        Assert.Equal(550, (await reader.CommandAsync("STOR new.txt")).Code);
        data.Dispose();
        Assert.Equal(213, (await reader.CommandAsync("MDTM a.txt")).Code);

        var (anonymous, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _a = anonymous;
        await anonymous.ExpectAsync("USER anonymous", 331);
        await anonymous.ExpectAsync("PASS someone@example.org", 230);
        await anonymous.ExpectAsync("TYPE I", 200);
        Assert.Equal(550, (await anonymous.CommandAsync("DELE readme.txt")).Code);
        Assert.Equal(550, (await anonymous.CommandAsync("MDTM ../alice/a.txt")).Code);
        var download = await anonymous.OpenPassiveAsync();
        await anonymous.SendAsync("RETR readme.txt");
        Assert.Equal(150, (await anonymous.ReadAsync()).Code);
        Assert.Equal("public", Encoding.ASCII.GetString(await RawFtpClient.ReadAllAsync(download)));
        Assert.Equal(226, (await anonymous.ReadAsync()).Code);
        Assert.Equal("alice's", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "a.txt")));
    }

    [Fact]
    public async Task Anonymous_login_fails_like_any_login_when_disabled()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        await client.ExpectAsync("USER anonymous", 331);
        Assert.Equal(530, (await client.CommandAsync("PASS a@b.c")).Code);
    }
}
