using System.IO.Compression;
using System.Text;
using MultiXfer.Ftp.Data.ModeZ;

namespace MultiXfer.Ftp.Tests;

public sealed class InflatingStreamTests
{
    [Theory]
    [InlineData("", 0x00000001u)]
    [InlineData("a", 0x00620062u)]
    [InlineData("Wikipedia", 0x11E60398u)]
    public void Adler32_matches_RFC_1950_values(string text, uint expected)
    {
        var adler = new Adler32();
        adler.Append(Encoding.ASCII.GetBytes(text));
        Assert.Equal(expected, adler.Value);
    }

    [Fact]
    public void Adler32_of_a_long_run_matches_zlibs_trailer()
    {
        byte[] data = new byte[3_000_000];
        new Random(7).NextBytes(data);
        byte[] compressed = Deflate(data);
        var adler = new Adler32();
        adler.Append(data.AsSpan(0, 1));
        adler.Append(data.AsSpan(1));
        uint trailer = (uint)(compressed[^4] << 24 | compressed[^3] << 16 | compressed[^2] << 8 | compressed[^1]);
        Assert.Equal(trailer, adler.Value);
    }

    [Fact]
    public async Task A_whole_stream_inflates_and_an_empty_upload_is_an_empty_file()
    {
        byte[] data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abc def\n", 100_000)));
        Assert.Equal(data, await InflateAsync(Deflate(data), new FtpModeZOptions()));
        Assert.Empty(await InflateAsync([], new FtpModeZOptions()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(1000)]
    public async Task A_stream_cut_short_is_refused_with_451(int missing)
    {
        byte[] compressed = Deflate(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{i}\n"))));
        var error = await Assert.ThrowsAsync<ModeZException>(() => InflateAsync(compressed[..^missing], new FtpModeZOptions()));
        Assert.Equal(451, error.Reply.Code);
    }

    [Fact]
    public async Task The_ratio_and_size_limits_hold_once_past_the_grace()
    {
        byte[] zeros = Deflate(new byte[8 << 20]);
        Assert.Equal(552, (await Assert.ThrowsAsync<ModeZException>(() => InflateAsync(zeros, new FtpModeZOptions { MaxRatio = 100 }))).Reply.Code);
        Assert.Equal(8 << 20, (await InflateAsync(zeros, new FtpModeZOptions { MaxRatio = 0 })).Length);
        Assert.Equal(552, (await Assert.ThrowsAsync<ModeZException>(() =>
            InflateAsync(zeros, new FtpModeZOptions { MaxRatio = 0, MaxInflatedBytes = 1 << 20 }))).Reply.Code);

        // Within the first MiB a file may compress as well as zlib allows.
        Assert.Equal(1 << 20, (await InflateAsync(Deflate(new byte[1 << 20]), new FtpModeZOptions { MaxRatio = 2 })).Length);
    }

    private static byte[] Deflate(byte[] data)
    {
        var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static async Task<byte[]> InflateAsync(byte[] wire, FtpModeZOptions limits)
    {
        await using var stream = new InflatingStream(new MemoryStream(wire), limits);
        var output = new MemoryStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }
}
