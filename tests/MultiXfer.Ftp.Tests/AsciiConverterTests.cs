using System.Text;
using MultiXfer.Ftp.Data;

namespace MultiXfer.Ftp.Tests;

public sealed class AsciiConverterTests
{
    private static string ToNetwork(params string[] chunks)
    {
        bool lastWasCr = false;
        var output = new StringBuilder();
        foreach (string chunk in chunks)
        {
            byte[] source = Encoding.Latin1.GetBytes(chunk);
            byte[] destination = new byte[source.Length * 2];
            int n = AsciiConverter.ToNetwork(source, destination, ref lastWasCr);
            output.Append(Encoding.Latin1.GetString(destination, 0, n));
        }

        return output.ToString();
    }

    private static byte[] FromNetwork(IEnumerable<byte[]> chunks)
    {
        bool pendingCr = false;
        var output = new MemoryStream();
        foreach (byte[] chunk in chunks)
        {
            byte[] destination = new byte[chunk.Length + 1];
            output.Write(destination, 0, AsciiConverter.FromNetwork(chunk, destination, ref pendingCr));
        }

        byte[] tail = new byte[1];
        output.Write(tail, 0, AsciiConverter.Flush(tail, ref pendingCr));
        Assert.False(pendingCr);
        return output.ToArray();
    }

    private static string FromNetwork(params string[] chunks) =>
        Encoding.Latin1.GetString(FromNetwork(chunks.Select(Encoding.Latin1.GetBytes)));

    [Theory]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("\n\n", "\r\n\r\n")]
    [InlineData("a\r\nb", "a\r\nb")]
    [InlineData("a\rb", "a\rb")]
    [InlineData("", "")]
    [InlineData("no newline", "no newline")]
    public void To_network_turns_lf_into_crlf_once(string stored, string network)
    {
        Assert.Equal(network, ToNetwork(stored));
    }

    [Fact]
    public void To_network_remembers_a_cr_at_the_end_of_a_chunk()
    {
        Assert.Equal("a\r\nb", ToNetwork("a\r", "\nb"));
        Assert.Equal("a\r\r\nb", ToNetwork("a\r", "", "\r", "\nb"));
        Assert.Equal("a\r\nb", ToNetwork("a", "\n", "b"));
    }

    [Theory]
    [InlineData("a\r\nb\r\n", "a\nb\n")]
    [InlineData("a\rb", "a\rb")]
    [InlineData("a\nb", "a\nb")]
    [InlineData("\r\r\n", "\r\n")]
    [InlineData("end\r", "end\r")]
    [InlineData("\r", "\r")]
    public void From_network_turns_crlf_into_lf_and_keeps_a_lone_cr(string network, string stored)
    {
        Assert.Equal(stored, FromNetwork(network));
    }

    [Fact]
    public void From_network_pairs_a_cr_and_lf_split_across_chunks()
    {
        Assert.Equal("a\nb", FromNetwork("a\r", "\nb"));
        Assert.Equal("a\nb", FromNetwork("a\r", "", "\nb"));
        Assert.Equal("a\rb", FromNetwork("a\r", "b"));
        Assert.Equal("a\r\n", FromNetwork("a\r", "\r", "\n"));
    }

    [Fact]
    public void Flush_returns_a_pending_cr_once()
    {
        bool pending = false;
        byte[] destination = new byte[4];
        Assert.Equal(1, AsciiConverter.FromNetwork("x\r"u8, destination, ref pending));
        Assert.True(pending);
        Assert.Equal(1, AsciiConverter.Flush(destination, ref pending));
        Assert.Equal((byte)'\r', destination[0]);
        Assert.False(pending);
        Assert.Equal(0, AsciiConverter.Flush(destination, ref pending));
    }

    [Fact]
    public void Round_trip_restores_any_input_without_cr_split_anywhere()
    {
        var random = new Random(959);
        for (int round = 0; round < 500; round++)
        {
            byte[] original = new byte[random.Next(0, 300)];
            random.NextBytes(original);
            for (int i = 0; i < original.Length; i++)
            {
                original[i] = original[i] == (byte)'\r' ? (byte)'\n' : original[i];
            }

            var network = new MemoryStream();
            bool lastWasCr = false;
            foreach (byte[] chunk in SplitRandomly(original, random))
            {
                byte[] destination = new byte[chunk.Length * 2];
                network.Write(destination, 0, AsciiConverter.ToNetwork(chunk, destination, ref lastWasCr));
            }

            byte[] wire = network.ToArray();
            Assert.Equal(original.Length + original.Count(b => b == (byte)'\n'), wire.Length);
            Assert.Equal(original, FromNetwork(SplitRandomly(wire, random)));
        }
    }

    private static List<byte[]> SplitRandomly(byte[] data, Random random)
    {
        var chunks = new List<byte[]>();
        int offset = 0;
        while (offset < data.Length)
        {
            int length = random.Next(0, Math.Min(8, data.Length - offset) + 1);
            chunks.Add(data[offset..(offset + length)]);
            offset += length;
        }

        return chunks;
    }
}
