using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>SITE MKDIR, RMDIR, SYMLINK and UTIME (ProFTPD's mod_site_misc), HELP SITE and AVBL, through a raw client.</summary>
public sealed class FtpSiteCommandTests
{
    [Fact]
    public async Task SITE_MKDIR_makes_parents_and_SITE_RMDIR_removes_a_whole_tree_but_never_follows_its_links()
    {
        await using var server = await TestServer.StartAsync();
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(home);
        string keep = Path.Combine(server.RootDirectory, "keep");
        Directory.CreateDirectory(keep);
        await File.WriteAllTextAsync(Path.Combine(keep, "precious.txt"), "stays");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        Assert.Equal("200 SITE MKDIR command successful.", (await client.CommandAsync("SITE MKDIR a/b/c d")).Text);
        Assert.True(Directory.Exists(Path.Combine(home, "a", "b", "c d")));
        Assert.Equal(200, (await client.CommandAsync("SITE MKDIR a/b/c d")).Code);
        Assert.Equal(200, (await client.CommandAsync("site mkdir /a/x")).Code);

        await File.WriteAllTextAsync(Path.Combine(home, "a", "b", "file.txt"), "x");
        Assert.Equal(550, (await client.CommandAsync("SITE MKDIR a/b/file.txt/deeper")).Code);

        for (int i = 0; i < 30; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(home, "a", "b", "c d", $"f{i}"), "data");
        }

        // A link to a directory outside the tree: removing the tree removes the link, not what it points at.
        File.CreateSymbolicLink(Path.Combine(home, "a", "b", "to-keep"), keep);
        Assert.Equal("200 SITE RMDIR command successful.", (await client.CommandAsync("SITE RMDIR a")).Text);
        Assert.False(Directory.Exists(Path.Combine(home, "a")));
        Assert.Equal("stays", await File.ReadAllTextAsync(Path.Combine(keep, "precious.txt")));

        Assert.Equal(550, (await client.CommandAsync("SITE RMDIR a")).Code);
        await File.WriteAllTextAsync(Path.Combine(home, "plain.txt"), "x");
        Assert.Equal(550, (await client.CommandAsync("SITE RMDIR plain.txt")).Code);
        Assert.Equal(550, (await client.CommandAsync("SITE RMDIR /")).Code);
        Assert.Equal(501, (await client.CommandAsync("SITE RMDIR")).Code);
        Assert.Equal(501, (await client.CommandAsync("SITE MKDIR")).Code);
        Assert.True(File.Exists(Path.Combine(home, "plain.txt")));
    }

    [Fact]
    public async Task SITE_RMDIR_checks_the_permission_of_every_entry_it_removes()
    {
        await using var server = await TestServer.StartAsync(c => c["Users:alice:Permissions:/"] = "list,download,upload,mkdir,rmdir");
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(Path.Combine(home, "tree", "sub"));
        await File.WriteAllTextAsync(Path.Combine(home, "tree", "sub", "f.txt"), "x");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        // rmdir is granted, delete is not: the file stops the removal, and the tree stays whole.
        Assert.Equal(550, (await client.CommandAsync("SITE RMDIR tree")).Code);
        Assert.True(File.Exists(Path.Combine(home, "tree", "sub", "f.txt")));
        Assert.Equal(200, (await client.CommandAsync("SITE MKDIR tree/empty/deeper")).Code);
    }

    [Fact]
    public async Task SITE_SYMLINK_needs_the_link_permission_and_its_links_stay_inside_the_root()
    {
        await using var server = await TestServer.StartAsync(c => c["Users:alice:Permissions:/"] = "*");
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(Path.Combine(home, "docs"));
        await File.WriteAllTextAsync(Path.Combine(home, "docs", "a.txt"), "inside");
        await File.WriteAllTextAsync(Path.Combine(server.RootDirectory, "secret.txt"), "outside");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);

        Assert.Equal("200 SITE SYMLINK command successful.", (await client.CommandAsync("SITE SYMLINK docs/a.txt docs/link")).Text);
        Assert.Equal("/docs/a.txt", new FileInfo(Path.Combine(home, "docs", "link")).LinkTarget);
        Assert.Equal("inside"u8.ToArray(), await client.RetrieveAsync("RETR docs/link"));
        Assert.Equal(550, (await client.CommandAsync("SITE SYMLINK docs/a.txt docs/link")).Code);

        // However it is written, a target resolves inside the user's tree.
        Assert.Equal(200, (await client.CommandAsync("SITE SYMLINK ../../../secret.txt escape")).Code);
        Assert.Equal("/secret.txt", new FileInfo(Path.Combine(home, "escape")).LinkTarget);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(550, (await client.CommandAsync("RETR escape")).Code);
        }

        Assert.Equal(501, (await client.CommandAsync("SITE SYMLINK onlyone")).Code);
        Assert.Equal(501, (await client.CommandAsync("SITE SYMLINK")).Code);

        await using var other = await TestServer.StartAsync();
        Directory.CreateDirectory(other.HomeOf("alice"));
        await using var plain = await RawFtpClient.LoginAsync(other.FtpPort);
        Assert.Equal(550, (await plain.CommandAsync("SITE SYMLINK a b")).Code);
        Assert.False(File.Exists(Path.Combine(other.HomeOf("alice"), "b")));
    }

    [Fact]
    public async Task SITE_UTIME_sets_times_in_both_forms_and_HELP_SITE_lists_the_commands()
    {
        await using var server = await TestServer.StartAsync();
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(home);
        string file = Path.Combine(home, "t x.txt");
        await File.WriteAllTextAsync(file, "t");
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        Assert.Equal(200, (await client.CommandAsync("SITE UTIME 202001021230 t x.txt")).Code);
        Assert.Equal(new DateTime(2020, 1, 2, 12, 30, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(file));
        Assert.Equal(200, (await client.CommandAsync("SITE UTIME t x.txt 20210304050607 20220304050607 20220304050607 UTC")).Code);
        Assert.Equal(new DateTime(2022, 3, 4, 5, 6, 7, DateTimeKind.Utc), File.GetLastWriteTimeUtc(file));
        Assert.Equal(new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc), File.GetLastAccessTimeUtc(file));
        Assert.Equal("213 20220304050607", (await client.CommandAsync("MDTM t x.txt")).Text);
        Assert.Equal(501, (await client.CommandAsync("SITE UTIME 2020 t x.txt")).Code);

        foreach (string help in new[] { "HELP SITE", "SITE HELP" })
        {
            var reply = await client.CommandAsync(help);
            Assert.Equal(214, reply.Code);
            foreach (string sub in new[] { "CHMOD", "MKDIR", "RMDIR", "SYMLINK", "UTIME" })
            {
                Assert.Contains($" {sub} ", reply.Text);
            }
        }

        var features = (await client.CommandAsync("FEAT")).Text;
        foreach (string line in new[] { " SITE MKDIR", " SITE RMDIR", " SITE SYMLINK", " SITE UTIME", " AVBL" })
        {
            Assert.Contains(line, features);
        }
    }

    [Fact]
    public async Task AVBL_reports_what_the_quota_leaves()
    {
        await using var server = await TestServer.StartAsync(c => c["Users:alice:Limits:QuotaBytes"] = "1000000");
        Directory.CreateDirectory(server.HomeOf("alice"));
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        Assert.Equal("213 1000000", (await client.CommandAsync("AVBL")).Text);
        await client.StoreAsync("STOR f.bin", new byte[300_000]);
        Assert.Equal("213 700000", (await client.CommandAsync("AVBL")).Text);
        await client.ExpectAsync("MKD sub", 257);
        Assert.Equal("213 700000", (await client.CommandAsync("AVBL sub")).Text);
        Assert.Equal(550, (await client.CommandAsync("AVBL missing")).Code);
    }
}
