using System.Diagnostics;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>Command semantics that no off-the-shelf client exercises on its own.</summary>
public sealed class FtpCommandBehaviourTests
{
    [Fact]
    public async Task TYPE_A_converts_line_endings_both_ways_and_refuses_SIZE()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE A", 200);
        await client.StoreAsync("STOR text.txt", "one\r\ntwo\r\nlone\rcr\r\n"u8.ToArray());
        Assert.Equal("one\ntwo\nlone\rcr\n", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "text.txt")));
        Assert.Equal("one\r\ntwo\r\nlone\rcr\r\n", Encoding.ASCII.GetString(await client.RetrieveAsync("RETR text.txt")));
        Assert.Equal(550, (await client.CommandAsync("SIZE text.txt")).Code);
        await client.ExpectAsync("TYPE I", 200);
        Assert.Equal("213 16", (await client.CommandAsync("SIZE text.txt")).Text);
        Assert.Equal("one\ntwo\nlone\rcr\n", Encoding.ASCII.GetString(await client.RetrieveAsync("RETR text.txt")));
        Assert.Equal(200, (await client.CommandAsync("TYPE L 8")).Code);
        Assert.Equal(504, (await client.CommandAsync("TYPE E")).Code);
        Assert.Equal(504, (await client.CommandAsync("TYPE A T")).Code);
        Assert.Equal(501, (await client.CommandAsync("TYPE Q")).Code);
        Assert.Equal(504, (await client.CommandAsync("STRU R")).Code);
        Assert.Equal(200, (await client.CommandAsync("STRU F")).Code);
        Assert.Equal(504, (await client.CommandAsync("MODE B")).Code);
        Assert.Equal(200, (await client.CommandAsync("MODE S")).Code);
    }

    [Fact]
    public async Task STOU_APPE_and_ALLO_behave_per_RFC_959()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOU");
        var opening = await client.ReadAsync();
        Assert.Equal(150, opening.Code);
        string name = opening.Text[(opening.Text.IndexOf("FILE: ", StringComparison.Ordinal) + 6)..].Trim();
        await data.GetStream().WriteAsync("unique"u8.ToArray());
        data.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal("unique", File.ReadAllText(Path.Combine(server.HomeOf("alice"), name)));

        await client.StoreAsync("APPE log.txt", "first "u8.ToArray());
        await client.StoreAsync("APPE log.txt", "second"u8.ToArray());
        Assert.Equal("first second", File.ReadAllText(Path.Combine(server.HomeOf("alice"), "log.txt")));

        Assert.Equal(200, (await client.CommandAsync("ALLO 1024")).Code);
        Assert.Equal(552, (await client.CommandAsync($"ALLO {long.MaxValue}")).Code);
        Assert.Equal(501, (await client.CommandAsync("ALLO lots")).Code);
    }

    [Fact]
    public async Task ABOR_stops_a_download_with_426_then_226_and_STAT_reports_progress()
    {
        await using var server = await TestServer.StartAsync();
        await using (await RawFtpClient.LoginAsync(server.FtpPort))
        {
        }

        File.WriteAllBytes(Path.Combine(server.HomeOf("alice"), "big.bin"), new byte[64 << 20]);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("RETR big.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().ReadExactlyAsync(new byte[4096]);

        // The client is not reading, so the transfer is in flight: STAT answers at once with its progress.
        var status = await client.CommandAsync("STAT");
        Assert.Equal(213, status.Code);
        Assert.Contains("bytes transferred", status.Text);

        await client.SendRawAsync([0xFF, 0xF4, 0xFF, 0xF2, .. "ABOR\r\n"u8.ToArray()]);
        Assert.Equal(426, (await client.ReadAsync()).Code);
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(225, (await client.CommandAsync("ABOR")).Code);
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task Listings_support_options_globs_MLSD_facts_and_MLST()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("MKD sub", 257);
        await client.ExpectAsync("TYPE I", 200);
        await client.StoreAsync("STOR a.txt", "12345"u8.ToArray());
        await client.StoreAsync("STOR b.log", "x"u8.ToArray());
        await client.StoreAsync("STOR .hidden", "h"u8.ToArray());

        string list = Encoding.UTF8.GetString(await client.RetrieveAsync("LIST"));
        Assert.Matches(@"-rw-r--r-- +1 ftp +ftp +5 \w{3} \d\d \d\d:\d\d a\.txt\r\n", list);
        Assert.Matches(@"drwx\S+ .* sub\r\n", list);
        Assert.DoesNotContain(".hidden", list);
        Assert.Contains(".hidden", Encoding.UTF8.GetString(await client.RetrieveAsync("LIST -la")));
        Assert.Equal("a.txt\r\n", Encoding.UTF8.GetString(await client.RetrieveAsync("NLST *.txt")));
        Assert.Equal("sub\r\n", Encoding.UTF8.GetString(await client.RetrieveAsync("NLST s*")));
        Assert.Contains("a.txt", Encoding.UTF8.GetString(await client.RetrieveAsync("LIST a.txt")));

        string mlsd = Encoding.UTF8.GetString(await client.RetrieveAsync("MLSD"));
        Assert.Contains("type=cdir;", mlsd);
        Assert.Matches(@"type=file;size=5;modify=\d{14};perm=adfrw;unique=[0-9a-f]+g[0-9a-f]+;unix\.mode=0644; a\.txt\r\n", mlsd);
        Assert.Matches(@"type=dir;modify=\d{14};perm=cdelfmp;.*; sub\r\n", mlsd);
        Assert.Contains(".hidden", mlsd);

        var mlst = await client.CommandAsync("MLST a.txt");
        Assert.Equal(250, mlst.Code);
        Assert.Matches(@"^ type=file;size=5;.* /a\.txt$", mlst.Lines[1]);
        Assert.Equal("200 MLST OPTS size;modify;", (await client.CommandAsync("OPTS MLST size;modify;bogus;")).Text);
        Assert.Matches(@"^ size=5;modify=\d{14}; /a\.txt$", (await client.CommandAsync("MLST a.txt")).Lines[1]);
        Assert.Equal(501, (await client.CommandAsync("MLSD a.txt")).Code);
    }

    [Fact]
    public async Task Pathological_globs_answer_fast()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("MKD d", 257);
        var watch = Stopwatch.StartNew();
        var reply = await client.CommandAsync("STAT */../*/../*/../*/../*/../*/../*");
        Assert.True(reply.Code is 213 or 550, reply.Text);
        reply = await client.CommandAsync("STAT " + string.Concat(Enumerable.Repeat("*", 200)) + "x");
        Assert.Equal(213, reply.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
        Assert.Equal(213, (await client.CommandAsync("STAT -R /")).Code);
    }

    [Fact]
    public async Task Navigation_REIN_SITE_and_the_X_variants_work()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("XMKD \"quoted\" dir", 257);
        await client.ExpectAsync("XCWD \"quoted\" dir", 250);
        Assert.Equal("257 \"/\"\"quoted\"\" dir\" is the current directory.", (await client.CommandAsync("XPWD")).Text);
        await client.ExpectAsync("XCUP", 250);
        await client.ExpectAsync("XRMD \"quoted\" dir", 250);
        Assert.Equal(550, (await client.CommandAsync("CWD nowhere")).Code);
        Assert.Equal(202, (await client.CommandAsync("SMNT /x")).Code);
        Assert.Equal(202, (await client.CommandAsync("ACCT any")).Code);
        Assert.Equal(200, (await client.CommandAsync("CLNT tests 1.0")).Code);

        await client.ExpectAsync("TYPE I", 200);
        await client.StoreAsync("STOR t.txt", "t"u8.ToArray());
        await client.ExpectAsync("SITE UTIME 200102030405 t.txt", 200);
        Assert.Equal("213 20010203040500", (await client.CommandAsync("MDTM t.txt")).Text);
        await client.ExpectAsync("SITE UTIME t.txt 20030405060708 20040506070809 20040506070809 UTC", 200);
        Assert.Equal("213 20040506070809", (await client.CommandAsync("MDTM t.txt")).Text);
        await client.ExpectAsync("SITE CHMOD 640 t.txt", 200);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(Path.Combine(server.HomeOf("alice"), "t.txt")));
        Assert.Equal(501, (await client.CommandAsync("SITE CHMOD 999 t.txt")).Code);
        Assert.Equal(214, (await client.CommandAsync("SITE HELP")).Code);
        Assert.Equal("214 Syntax: MFMT <sp> YYYYMMDDHHMMSS pathname", (await client.CommandAsync("HELP mfmt")).Text);

        Assert.Equal(220, (await client.CommandAsync("REIN")).Code);
        Assert.Equal(530, (await client.CommandAsync("PWD")).Code);
        await client.ExpectAsync("USER bob", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["bob"], 230);
        Assert.Equal(550, (await client.CommandAsync("MDTM t.txt")).Code);
    }

    [Fact]
    public async Task Shutdown_lets_a_transfer_in_flight_finish_then_says_421()
    {
        await using var server = await TestServer.StartAsync(c => c["Server:ShutdownGraceSeconds"] = "10");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await using var idle = await RawFtpClient.LoginAsync(server.FtpPort, "bob");
        await client.ExpectAsync("TYPE I", 200);
        var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR inflight.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        await data.GetStream().WriteAsync(new byte[10_000]);

        var stopping = server.StopAsync();
        Assert.Equal(421, (await idle.ReadAsync()).Code);
        await Task.Delay(500);
        await data.GetStream().WriteAsync(new byte[10_000]);
        data.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(421, (await client.ReadAsync()).Code);
        await stopping;
        Assert.Equal(20_000, new FileInfo(Path.Combine(server.HomeOf("alice"), "inflight.bin")).Length);
    }
}
