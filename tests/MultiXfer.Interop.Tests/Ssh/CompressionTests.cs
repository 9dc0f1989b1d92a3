using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// ssh -C negotiates zlib@openssh.com (compression from USERAUTH_SUCCESS on) in both directions; the data must come
/// back exactly, and ssh's own statistics must show that what the server sent was really compressed.
/// </summary>
public sealed class CompressionTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ClientFact("ssh")]
    public async Task Compressible_data_round_trips_compressed_both_ways()
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < 4_000_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"line {i}: the quick brown fox jumps over the lazy dog {i % 97}\n");
        }

        byte[] input = Encoding.ASCII.GetBytes(text.ToString());
        var result = await EchoCompressedAsync(input);
        SshTestSupport.AssertEchoed(input, result);
        Assert.Matches("kex: server->client cipher: \\S+ MAC: \\S+ compression: zlib@openssh.com", result.Error);
        Assert.Matches("kex: client->server cipher: \\S+ MAC: \\S+ compression: zlib@openssh.com", result.Error);

        var (incomingRaw, incomingCompressed) = Statistics(result.Error, "incoming");
        Assert.True(incomingRaw >= input.Length, $"the client decompressed only {incomingRaw} bytes");
        Assert.True(incomingCompressed * 5 < incomingRaw, $"the server's data was not compressed: {incomingCompressed} of {incomingRaw}");
        var (outgoingRaw, outgoingCompressed) = Statistics(result.Error, "outgoing");
        Assert.True(outgoingRaw >= input.Length && outgoingCompressed * 5 < outgoingRaw, $"outgoing {outgoingCompressed} of {outgoingRaw}");
    }

    /// <summary>Random data does not compress: deflate output slightly larger than its input must still fit the packets.</summary>
    [ClientFact("ssh")]
    public async Task Incompressible_data_round_trips_compressed()
    {
        byte[] input = SshTestSupport.RandomBytes(3_000_000);
        var result = await EchoCompressedAsync(input);
        SshTestSupport.AssertEchoed(input, result);
        var (incomingRaw, _) = Statistics(result.Error, "incoming");
        Assert.True(incomingRaw >= input.Length, result.Error);
    }

    private Task<BinaryProcessResult> EchoCompressedAsync(byte[] input)
    {
        var client = new OpenSshClient(_server);
        var arguments = client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes");
        // -v (after LogLevel=ERROR) raises the level to DEBUG1: ssh then prints the negotiated compression and, at exit,
        // how much data its compression and decompression streams carried.
        arguments.AddRange(["-v", "-C", "-i", SshTestKeys.ClientKey("id_ed25519"), "-s", "127.0.0.1", "multixfer-echo"]);
        return BinaryProcessRunner.RunAsync("ssh", arguments, input, TimeSpan.FromSeconds(120));
    }

    private static (long Raw, long Compressed) Statistics(string stderr, string direction)
    {
        var match = Regex.Match(stderr, $"compress {direction}: raw data (\\d+), compressed (\\d+)");
        Assert.True(match.Success, $"ssh printed no {direction} compression statistics:\n{stderr}");
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }
}
