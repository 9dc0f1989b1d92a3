using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>
/// HASH, RANG and the X* checksum commands through a raw client, every digest checked against the coreutils tools
/// (sha256sum, md5sum...) and crc32 run on the file on disk.
/// </summary>
public sealed class FtpChecksumTests
{
    /// <summary>
    /// The digest a command-line tool prints for bytes [start, start + count) of a file, lower-case hex: coreutils'
    /// sha*sum and md5sum read the slice from a pipe; crc32 (libarchive-zip-perl) wants a file, so a slice is copied.
    /// </summary>
    private static async Task<string> ToolDigestAsync(string tool, string file, long start = 0, long? count = null)
    {
        string slice = count is { } n ? $"tail -c +{start + 1} '{file}' | head -c {n}" : $"cat '{file}'";
        string command = tool == "crc32"
            ? $"t=$(mktemp) && {slice} > \"$t\" && {ClientTools.Require("crc32")} \"$t\"; r=$?; rm -f \"$t\"; exit $r"
            : $"{slice} | {tool}";
        var result = await ProcessRunner.RunAsync("bash", ["-c", command]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Split(' ', '\n')[0].Trim();
    }

    private static string WriteRandomFile(TestServer server, string name, int size)
    {
        Directory.CreateDirectory(server.HomeOf("alice"));
        string path = Path.Combine(server.HomeOf("alice"), name);
        byte[] content = new byte[size];
        Random.Shared.NextBytes(content);
        File.WriteAllBytes(path, content);
        return path;
    }

    [ClientFact("crc32")]
    public async Task HASH_and_the_X_commands_match_the_coreutils_digests_of_the_file_on_disk()
    {
        await using var server = await TestServer.StartAsync();
        string file = WriteRandomFile(server, "data.bin", 3_000_017);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Contains(" HASH SHA-256*;SHA-512;SHA-1;MD5;CRC32", (await client.CommandAsync("FEAT")).Text);
        Assert.Equal("200 SHA-256", (await client.CommandAsync("OPTS HASH")).Text);

        foreach (var (name, tool) in new[] { ("SHA-256", "sha256sum"), ("SHA-512", "sha512sum"), ("SHA-1", "sha1sum"), ("MD5", "md5sum"), ("CRC32", "crc32") })
        {
            Assert.Equal($"200 {name}", (await client.CommandAsync($"OPTS HASH {name.ToLowerInvariant()}")).Text);
            string expected = await ToolDigestAsync(tool, file);
            Assert.Equal($"213 {name} 0-3000017 {expected} data.bin", (await client.CommandAsync("HASH data.bin")).Text);
        }

        Assert.Contains(" HASH SHA-256;SHA-512;SHA-1;MD5;CRC32*", (await client.CommandAsync("FEAT")).Text);
        Assert.Equal(501, (await client.CommandAsync("OPTS HASH WHIRLPOOL")).Code);
        Assert.Equal("200 CRC32", (await client.CommandAsync("OPTS HASH")).Text);

        foreach (var (verb, tool) in new[] { ("XCRC", "crc32"), ("XMD5", "md5sum"), ("XSHA1", "sha1sum"), ("XSHA", "sha1sum"),
                     ("XSHA256", "sha256sum"), ("XSHA512", "sha512sum") })
        {
            Assert.Equal($"250 {(await ToolDigestAsync(tool, file)).ToUpperInvariant()}", (await client.CommandAsync($"{verb} data.bin")).Text);
            string slice = (await ToolDigestAsync(tool, file, 1000, 2_000_000)).ToUpperInvariant();
            Assert.Equal($"250 {slice}", (await client.CommandAsync($"{verb} data.bin 1000 2001000")).Text);
        }

        Assert.Equal($"251 data.bin {(await ToolDigestAsync("md5sum", file)).ToUpperInvariant()}", (await client.CommandAsync("MD5 data.bin")).Text);
        Assert.Equal($"250 {(await ToolDigestAsync("md5sum", file)).ToUpperInvariant()}", (await client.CommandAsync("XMD5 \"data.bin\"")).Text);
    }

    [Fact]
    public async Task RANG_bounds_the_next_HASH_and_RETR_and_REST_clears_it()
    {
        await using var server = await TestServer.StartAsync();
        string file = WriteRandomFile(server, "r.bin", 100_000);
        byte[] content = await File.ReadAllBytesAsync(file);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Contains(" RANG STREAM", (await client.CommandAsync("FEAT")).Text);
        Assert.Equal(551, (await client.CommandAsync("RANG 10 19")).Code); // TYPE A is the default
        await client.ExpectAsync("TYPE I", 200);

        await client.ExpectAsync("RANG 10 19", 350);
        string expected = await ToolDigestAsync("sha256sum", file, 10, 10);
        Assert.Equal($"213 SHA-256 10-20 {expected} r.bin", (await client.CommandAsync("HASH r.bin")).Text);
        Assert.Equal($"213 SHA-256 0-100000 {await ToolDigestAsync("sha256sum", file)} r.bin", (await client.CommandAsync("HASH r.bin")).Text);

        await client.ExpectAsync("RANG 99990 200000", 350);
        Assert.Equal(content[99990..], await client.RetrieveAsync("RETR r.bin"));
        await client.ExpectAsync($"RANG 5 {long.MaxValue}", 350);
        Assert.Equal(content[5..], await client.RetrieveAsync("RETR r.bin"));
        await client.ExpectAsync($"RANG 99000 {long.MaxValue}", 350);
        Assert.Equal($"213 SHA-256 99000-100000 {await ToolDigestAsync("sha256sum", file, 99000, 1000)} r.bin", (await client.CommandAsync("HASH r.bin")).Text);
        await client.ExpectAsync("RANG 5 9", 350);
        Assert.Equal(content[5..10], await client.RetrieveAsync("RETR r.bin"));
        Assert.Equal(content, await client.RetrieveAsync("RETR r.bin"));

        await client.ExpectAsync("RANG 5 9", 350);
        await client.ExpectAsync("REST 50000", 350);
        Assert.Equal(content[50000..], await client.RetrieveAsync("RETR r.bin"));
        await client.ExpectAsync("RANG 5 9", 350);
        await client.ExpectAsync("RANG 1 0", 350);
        Assert.Equal(content, await client.RetrieveAsync("RETR r.bin"));

        Assert.Equal(501, (await client.CommandAsync("RANG 9 5")).Code);
        Assert.Equal(501, (await client.CommandAsync("RANG -1 5")).Code);
        Assert.Equal(501, (await client.CommandAsync("RANG 1")).Code);
        Assert.Equal(501, (await client.CommandAsync("RANG 1 99999999999999999999")).Code);
        await client.ExpectAsync("RANG 200000 200010", 350);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(554, (await client.CommandAsync("RETR r.bin")).Code);
        }

        // An upload into a range is refused, and the file stays as it was.
        await client.ExpectAsync("RANG 0 9", 350);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(504, (await client.CommandAsync("STOR r.bin")).Code);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Hostile_checksum_requests_get_clear_replies_and_the_session_goes_on()
    {
        await using var server = await TestServer.StartAsync();
        string file = WriteRandomFile(server, "h.bin", 5000);
        string outside = Path.Combine(server.RootDirectory, "outside-secret.txt");
        await File.WriteAllTextAsync(outside, "not for alice");
        File.CreateSymbolicLink(Path.Combine(server.HomeOf("alice"), "escape"), outside);
        Directory.CreateDirectory(Path.Combine(server.HomeOf("alice"), "dir"));
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        Assert.Equal(501, (await client.CommandAsync("XCRC h.bin 0 5001")).Code);
        Assert.Equal(501, (await client.CommandAsync($"XCRC h.bin 0 {long.MaxValue}")).Code);
        Assert.Equal(501, (await client.CommandAsync("XCRC h.bin 0 99999999999999999999999")).Code);
        Assert.Equal(501, (await client.CommandAsync("XMD5 h.bin -5 10")).Code);
        Assert.Equal(501, (await client.CommandAsync("XMD5 h.bin 10 -5")).Code);
        Assert.Equal(501, (await client.CommandAsync("XMD5 h.bin 10 10")).Code);
        Assert.Equal(501, (await client.CommandAsync("XMD5 h.bin 20 10")).Code);
        Assert.Equal(550, (await client.CommandAsync("XSHA256 dir")).Code);
        Assert.Equal(550, (await client.CommandAsync("HASH dir")).Code);
        Assert.Equal(550, (await client.CommandAsync("HASH missing")).Code);
        Assert.Equal(501, (await client.CommandAsync("HASH")).Code);

        // A link to a file outside the root resolves inside it (where nothing is); traversal stays inside too.
        Assert.Equal(550, (await client.CommandAsync("XSHA256 escape")).Code);
        Assert.Equal(550, (await client.CommandAsync("HASH ../../outside-secret.txt")).Code);
        Assert.Equal(550, (await client.CommandAsync("XMD5 /../outside-secret.txt")).Code);

        string expected = (await ToolDigestAsync("md5sum", file)).ToUpperInvariant();
        Assert.Equal($"250 {expected}", (await client.CommandAsync("XMD5 h.bin")).Text);
    }

    [Fact]
    public async Task Checksums_RANG_MODE_Z_SITE_and_AVBL_need_a_login()
    {
        await using var server = await TestServer.StartAsync();
        WriteRandomFile(server, "x.bin", 10);
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using (client)
        {
            foreach (string command in new[] { "HASH x.bin", "XCRC x.bin", "XSHA256 x.bin", "MD5 x.bin", "RANG 0 1", "MODE Z", "SITE MKDIR d", "SITE RMDIR d", "AVBL" })
            {
                Assert.Equal(530, (await client.CommandAsync(command)).Code);
            }
        }
    }

    [Fact]
    public async Task A_user_without_the_download_permission_cannot_checksum_what_it_uploads()
    {
        await using var server = await TestServer.StartAsync(c => c["Users:alice:Permissions:/"] = "list,upload");
        WriteRandomFile(server, "drop.bin", 1000);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        foreach (string command in new[] { "HASH drop.bin", "XCRC drop.bin", "XMD5 drop.bin", "XSHA1 drop.bin", "XSHA256 drop.bin", "XSHA512 drop.bin", "MD5 drop.bin" })
        {
            var reply = await client.CommandAsync(command);
            Assert.True(reply.Code == 550, $"{command}: {reply}");
        }
    }

    /// <summary>
    /// A sparse file of 64 GiB reads as zeros at memory speed, yet takes tens of seconds to digest: long enough to
    /// see a checksum run, be capped, be reported by STAT and be stopped, without depending on timing.
    /// </summary>
    private static string SparseFile(TestServer server, string name)
    {
        Directory.CreateDirectory(server.HomeOf("alice"));
        string path = Path.Combine(server.HomeOf("alice"), name);
        using (var stream = File.Create(path))
        {
            stream.SetLength(64L << 30);
        }

        return path;
    }

    [Fact]
    public async Task Checksums_run_in_the_background_under_the_server_cap_and_ABOR_or_a_disconnect_stops_them()
    {
        // Without the digest cache: small.bin is digested again each time, so each time it needs the slot.
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Ftp:MaxConcurrentChecksums"] = "1";
            c["Ftp:DigestCache:MaxEntries"] = "0";
        });
        SparseFile(server, "huge.bin");
        WriteRandomFile(server, "small.bin", 1000);
        await using var first = await RawFtpClient.LoginAsync(server.FtpPort);
        await using var second = await RawFtpClient.LoginAsync(server.FtpPort);

        await first.SendAsync("HASH huge.bin");
        await WaitUntilAsync(async () => (await first.CommandAsync("STAT")).Text.Contains("Status: HASH", StringComparison.Ordinal));

        // The one slot is taken: another session is told to come back, at once; its other commands are answered.
        Assert.Equal(450, (await second.CommandAsync("XCRC small.bin")).Code);
        Assert.Equal(450, (await second.CommandAsync("HASH small.bin")).Code);
        Assert.Equal(200, (await second.CommandAsync("NOOP")).Code);

        // ABOR (RFC 959 §4.1.3): the checksum ends with 426, then ABOR's own 226.
        await first.SendAsync("ABOR");
        Assert.Equal(426, (await first.ReadAsync()).Code);
        Assert.Equal(226, (await first.ReadAsync()).Code);
        Assert.Equal(250, (await second.CommandAsync("XCRC small.bin")).Code);

        // A session that goes away mid-checksum gives its slot back.
        await using (var third = await RawFtpClient.LoginAsync(server.FtpPort))
        {
            await third.SendAsync("XSHA512 huge.bin");
            await WaitUntilAsync(async () => (await third.CommandAsync("STAT")).Text.Contains("Status: XSHA512", StringComparison.Ordinal));
            Assert.Equal(450, (await second.CommandAsync("XCRC small.bin")).Code);
        }

        await WaitUntilAsync(async () => (await second.CommandAsync("XCRC small.bin")).Code == 250);
        Assert.Equal(200, (await first.CommandAsync("NOOP")).Code);

        // A NOOP pipelined behind a checksum is answered after it, so replies pair with commands in order.
        await second.SendAsync("XSHA256 small.bin\r\nNOOP");
        Assert.Equal(250, (await second.ReadAsync()).Code);
        Assert.Equal(200, (await second.ReadAsync()).Code);
    }

    /// <summary>
    /// With the one checksum slot held by a long hash, a digest the server computed before of a file unchanged since
    /// is answered at once (from the cache, with no slot); any other question, and the same one after the file was
    /// rewritten with its size and mtime kept, must wait for the slot (450), and then gets the new file's digest.
    /// </summary>
    [Fact]
    public async Task A_digest_of_an_unchanged_file_comes_from_the_cache_and_a_rewrite_with_the_old_mtime_is_digested_again()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:MaxConcurrentChecksums"] = "1");
        SparseFile(server, "huge.bin");
        string small = WriteRandomFile(server, "small.bin", 100_000);
        var written = File.GetLastWriteTimeUtc(small);

        // A digest is kept only for a file whose ctime is over a second old: a change within the same timestamp tick
        // would not show in it.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await using var hashing = await RawFtpClient.LoginAsync(server.FtpPort);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        string expected = $"213 SHA-256 0-100000 {await ToolDigestAsync("sha256sum", small)} small.bin";
        Assert.Equal(expected, (await client.CommandAsync("HASH small.bin")).Text);

        await hashing.SendAsync("HASH huge.bin");
        await WaitUntilAsync(async () => (await hashing.CommandAsync("STAT")).Text.Contains("Status: HASH", StringComparison.Ordinal));
        Assert.Equal(expected, (await client.CommandAsync("HASH small.bin")).Text);
        await using (var other = await RawFtpClient.LoginAsync(server.FtpPort))
        {
            Assert.Equal(expected, (await other.CommandAsync("HASH small.bin")).Text);
        }

        Assert.Equal(450, (await client.CommandAsync("XSHA512 small.bin")).Code);
        Assert.Equal(450, (await client.CommandAsync("XSHA256 small.bin 0 99999")).Code);

        // Same size, same mtime, other bytes: only the ctime tells, and it does.
        byte[] rewritten = new byte[100_000];
        Random.Shared.NextBytes(rewritten);
        await File.WriteAllBytesAsync(small, rewritten);
        File.SetLastWriteTimeUtc(small, written);
        Assert.Equal(450, (await client.CommandAsync("HASH small.bin")).Code);

        await hashing.SendAsync("ABOR");
        Assert.Equal(426, (await hashing.ReadAsync()).Code);
        Assert.Equal(226, (await hashing.ReadAsync()).Code);
        string now = $"213 SHA-256 0-100000 {await ToolDigestAsync("sha256sum", small)} small.bin";
        Assert.NotEqual(expected, now);
        Assert.Equal(now, (await client.CommandAsync("HASH small.bin")).Text);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 20 s");
            await Task.Delay(50);
        }
    }
}
