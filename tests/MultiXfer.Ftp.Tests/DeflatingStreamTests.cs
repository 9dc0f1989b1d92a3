using System.IO.Compression;
using System.Text;
using MultiXfer.Ftp.Data.ModeZ;

namespace MultiXfer.Ftp.Tests;

public sealed class DeflatingStreamTests
{
    [Fact]
    public async Task Text_is_compressed_at_the_asked_level_and_random_data_is_stored()
    {
        byte[] text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"row {i}, value {i * 7}\n")));
        var (textWire, textLevel) = await DeflateAsync(text, 6);
        Assert.Equal(6, textLevel);
        Assert.True(textWire.Length < text.Length / 3);
        Assert.Equal(text, Inflate(textWire));

        byte[] random = new byte[1 << 20];
        new Random(3).NextBytes(random);
        var (randomWire, randomLevel) = await DeflateAsync(random, 9);
        Assert.Equal(0, randomLevel);
        Assert.Equal(random, Inflate(randomWire));
    }

    [Fact]
    public async Task An_empty_transfer_is_a_valid_empty_zlib_stream()
    {
        var (wire, _) = await DeflateAsync([], 6);
        Assert.NotEmpty(wire);
        Assert.Empty(Inflate(wire));
    }

    private static async Task<(byte[] Wire, int? Level)> DeflateAsync(byte[] data, int level)
    {
        var carrier = new MemoryStream();
        var stream = new DeflatingStream(carrier, level);
        for (int offset = 0; offset < data.Length; offset += 256 * 1024)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(256 * 1024, data.Length - offset)));
        }

        int? chosen = stream.ChosenLevel;
        await stream.DisposeAsync();
        return (carrier.ToArray(), chosen);
    }

    private static byte[] Inflate(byte[] wire)
    {
        using var zlib = new ZLibStream(new MemoryStream(wire), CompressionMode.Decompress);
        var output = new MemoryStream();
        zlib.CopyTo(output);
        return output.ToArray();
    }
}
