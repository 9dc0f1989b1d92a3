using System.IO.Compression;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>MODE Z (draft-preston-ftpext-deflate) through a raw client: zlib streams both ways, and what bad ones get.</summary>
public sealed class FtpModeZTests
{
    /// <summary>A server offering MODE Z (off by default), with any further settings.</summary>
    private static Task<TestServer> StartWithModeZAsync(Action<Dictionary<string, string?>>? configure = null) =>
        TestServer.StartAsync(c =>
        {
            c["Ftp:ModeZ:Enabled"] = "true";
            configure?.Invoke(c);
        });

    private static byte[] TextCorpus(int lines) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, lines).Select(i => $"line {i}: the quick brown fox jumps over the lazy dog {i % 97}\n")));

    private static byte[] Deflate(byte[] data, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, level, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Inflates a whole zlib stream, and checks that it is whole: .NET's inflater stops quietly where its input ends,
    /// so the trailer is compared with the Adler-32 (RFC 1950 §8.2) of what came out.
    /// </summary>
    private static byte[] Inflate(byte[] data)
    {
        using var zlib = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        var output = new MemoryStream();
        zlib.CopyTo(output);
        uint a = 1, b = 0;
        foreach (byte value in output.ToArray())
        {
            a = (a + value) % 65521;
            b = (b + a) % 65521;
        }

        Assert.True(data.Length >= 6, "a zlib stream has at least a header and a trailer");
        Assert.Equal((b << 16) | a, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(data.Length - 4)));
        return output.ToArray();
    }

    [Fact]
    public async Task MODE_Z_compresses_downloads_listings_and_uploads_and_the_files_on_disk_match()
    {
        await using var server = await StartWithModeZAsync();
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(home);
        byte[] text = TextCorpus(40_000);
        await File.WriteAllBytesAsync(Path.Combine(home, "t.txt"), text);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Contains(" MODE Z", (await client.CommandAsync("FEAT")).Text);
        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE Z", 200);
        Assert.Contains("MODE: Deflate (level 6)", (await client.CommandAsync("STAT")).Text);

        byte[] wire = await client.RetrieveAsync("RETR t.txt");
        Assert.Equal(text, Inflate(wire));
        Assert.True(wire.Length < text.Length / 5, $"{wire.Length} compressed bytes for {text.Length}");
        Assert.Equal($"213 {text.Length}", (await client.CommandAsync("SIZE t.txt")).Text);
        Assert.Contains("t.txt", Encoding.UTF8.GetString(Inflate(await client.RetrieveAsync("LIST"))));

        await client.ExpectAsync("OPTS MODE Z LEVEL 0", 200);
        byte[] stored = await client.RetrieveAsync("RETR t.txt");
        Assert.Equal(text, Inflate(stored));
        Assert.True(stored.Length > text.Length, "level 0 stores the data uncompressed");
        await client.ExpectAsync("OPTS MODE Z LEVEL 9", 200);
        Assert.Equal(text, Inflate(await client.RetrieveAsync("RETR t.txt")));
        Assert.Equal(501, (await client.CommandAsync("OPTS MODE Z LEVEL 10")).Code);
        Assert.Equal(501, (await client.CommandAsync("OPTS MODE Z LEVEL -1")).Code);
        Assert.Equal(501, (await client.CommandAsync("OPTS MODE Z SPEED 1")).Code);

        await client.StoreAsync("STOR up.txt", Deflate(text, CompressionLevel.SmallestSize));
        Assert.Equal(text, await File.ReadAllBytesAsync(Path.Combine(home, "up.txt")));
        byte[] tail = "tail\n"u8.ToArray();
        await client.StoreAsync("APPE up.txt", Deflate(tail));
        Assert.Equal(text.Concat(tail).ToArray(), await File.ReadAllBytesAsync(Path.Combine(home, "up.txt")));

        // TYPE A converts first, then compresses (and inflates, then converts, on the way in).
        await client.ExpectAsync("TYPE A", 200);
        Assert.Equal(Encoding.ASCII.GetString(text).Replace("\n", "\r\n"), Encoding.ASCII.GetString(Inflate(await client.RetrieveAsync("RETR t.txt"))));
        await client.StoreAsync("STOR crlf.txt", Deflate("a\r\nb\r\n"u8.ToArray()));
        Assert.Equal("a\nb\n", await File.ReadAllTextAsync(Path.Combine(home, "crlf.txt")));

        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE S", 200);
        Assert.Equal(text, await client.RetrieveAsync("RETR t.txt"));
    }

    [Fact]
    public async Task MODE_Z_refuses_REST_so_clients_start_over_in_it_or_resume_in_MODE_S()
    {
        await using var server = await StartWithModeZAsync();
        Directory.CreateDirectory(server.HomeOf("alice"));
        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("alice"), "r.txt"), TextCorpus(100));
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE Z", 200);
        Assert.Equal(504, (await client.CommandAsync("REST 100")).Code);
        await client.ExpectAsync("REST 0", 350);

        await client.ExpectAsync("MODE S", 200);
        await client.ExpectAsync("REST 100", 350);
        await client.ExpectAsync("MODE Z", 200);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(504, (await client.CommandAsync("RETR r.txt")).Code);
        }

        await client.ExpectAsync("RANG 0 10", 350);
        using (await client.OpenPassiveAsync())
        {
            Assert.Equal(504, (await client.CommandAsync("RETR r.txt")).Code);
        }

        Assert.Equal(TextCorpus(100), Inflate(await client.RetrieveAsync("RETR r.txt")));
    }

    [Fact]
    public async Task A_cut_corrupt_or_padded_MODE_Z_upload_is_refused_and_leaves_the_old_file()
    {
        await using var server = await StartWithModeZAsync();
        string home = server.HomeOf("alice");
        Directory.CreateDirectory(home);
        string target = Path.Combine(home, "keep.txt");
        await File.WriteAllTextAsync(target, "original");
        byte[] good = Deflate(TextCorpus(20_000));
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE Z", 200);

        byte[] random = new byte[50_000];
        new Random(11).NextBytes(random);
        random[0] = 0x00; // compression method 0: no zlib stream, whatever follows
        byte[] junk = "junk"u8.ToArray();
        byte[] presetDictionary = [0x78, 0xBB, 0x00, 0x00, 0x00, 0x01, .. good[2..]]; // FDICT set, header check valid
        foreach (var (why, wire) in new[]
                 {
                     ("cut in the middle", good[..(good.Length / 2)]),
                     ("cut before its last byte", good[..^1]),
                     ("cut before its trailer", good[..^4]),
                     ("followed by more bytes", [.. good, .. junk]),
                     ("not zlib at all", random),
                     ("asking for a preset dictionary", presetDictionary),
                 })
        {
            var reply = await client.UploadAsync("STOR keep.txt", wire);
            Assert.True(reply.Code == 451, $"{why}: {reply}");
            Assert.Equal("original", await File.ReadAllTextAsync(target));
        }

        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(home).Select(Path.GetFileName));
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
        await client.StoreAsync("STOR keep.txt", good);
        Assert.Equal(TextCorpus(20_000), await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_with_552_by_the_ratio_the_size_limit_and_the_quota()
    {
        byte[] zeros = Deflate(new byte[64 << 20], CompressionLevel.SmallestSize);
        byte[] text = Deflate(TextCorpus(60_000));

        var reply = await UploadToNewServerAsync(null, zeros);
        Assert.Equal(552, reply.Code);
        Assert.Contains("inflates more than 200 times", reply.Text);
        Assert.Equal(226, (await UploadToNewServerAsync(null, text)).Code);

        reply = await UploadToNewServerAsync(c => c["Ftp:ModeZ:MaxInflatedBytes"] = "1000000", text);
        Assert.Equal(552, reply.Code);
        Assert.Contains("1000000 bytes at most", reply.Text);

        reply = await UploadToNewServerAsync(c =>
        {
            c["Ftp:ModeZ:MaxRatio"] = "0";
            c["Users:alice:Limits:QuotaBytes"] = "2000000";
        }, zeros);
        Assert.Equal(552, reply.Code);
        Assert.Contains("quota", reply.Text, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>One MODE Z upload to a server of its own; a refused one must leave nothing behind.</summary>
    private static async Task<FtpResponse> UploadToNewServerAsync(Action<Dictionary<string, string?>>? configure, byte[] wire)
    {
        await using var server = await StartWithModeZAsync(configure);
        Directory.CreateDirectory(server.HomeOf("alice"));
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE Z", 200);
        var reply = await client.UploadAsync("STOR upload.bin", wire, TimeSpan.FromSeconds(60));
        if (reply.Code != 226)
        {
            Assert.Empty(Directory.GetFileSystemEntries(server.HomeOf("alice")));
        }

        return reply;
    }

    [Fact]
    public async Task MODE_Z_is_off_unless_configured()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.DoesNotContain(" MODE Z", (await client.CommandAsync("FEAT")).Text);
        Assert.Equal(504, (await client.CommandAsync("MODE Z")).Code);
        Assert.Equal(501, (await client.CommandAsync("OPTS MODE Z LEVEL 5")).Code);
    }

    [Fact]
    public async Task Data_that_does_not_compress_and_an_empty_file_go_out_as_valid_zlib_streams()
    {
        await using var server = await StartWithModeZAsync();
        Directory.CreateDirectory(server.HomeOf("alice"));
        byte[] random = new byte[3 << 20];
        Random.Shared.NextBytes(random);
        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("alice"), "random.bin"), random);
        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("alice"), "empty.bin"), []);
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.ExpectAsync("TYPE I", 200);
        await client.ExpectAsync("MODE Z", 200);
        await client.ExpectAsync("OPTS MODE Z LEVEL 9", 200);

        byte[] wire = await client.RetrieveAsync("RETR random.bin");
        Assert.Equal(random, Inflate(wire));
        // Stored blocks: a few bytes of framing per block, far under a thousandth of the data.
        Assert.InRange(wire.Length, random.Length, random.Length + random.Length / 1000);
        Assert.Equal(new byte[] { 0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }, await client.RetrieveAsync("RETR empty.bin"));
    }
}
