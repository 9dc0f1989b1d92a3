using System.Diagnostics;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>A server that waits only 2 seconds for the client's identification line.</summary>
public sealed class SshHostileIdentificationServer : IAsyncLifetime
{
    public const int IdentificationTimeoutSeconds = 2;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(settings =>
        settings["Ssh:IdentificationTimeoutSeconds"] = IdentificationTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The identification exchange (RFC 4253 §4.2): lines that are not SSH 2.0, too long, never sent, or dripped
/// out a byte at a time. No DISCONNECT can be sent to a peer that is not (yet) speaking SSH, so the server
/// writes a plain-text line for a wrong protocol and otherwise just closes.
/// </summary>
public sealed class SshHostileIdentificationTests(SshHostileIdentificationServer fixture) : IClassFixture<SshHostileIdentificationServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(SshHostileIdentificationServer.IdentificationTimeoutSeconds);

    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("SSH-1.5-OldClient")]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("SSH-2.0-")]
    [InlineData("SSH-2.0-Bad\u0001Control")]
    [InlineData("SSH-3.0-FutureClient")]
    public async Task An_identification_that_is_not_ssh_2_gets_the_invalid_identification_line_and_a_close(string line)
    {
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        var watch = Stopwatch.StartNew();
        await client.SendRawAsync(Encoding.Latin1.GetBytes(line + "\r\n"));
        Assert.Equal("Invalid SSH identification string.", await client.ReadIdentificationAsync(TimeSpan.FromSeconds(3)));
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(2)), "the connection stayed open after a bad identification");
        Assert.True(watch.Elapsed < Hostile.Prompt, $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(300, true)]
    [InlineData(300, false)]
    [InlineData(256, true)]
    [InlineData(4000, true)]
    public async Task An_identification_longer_than_255_bytes_is_refused(int totalBytes, bool withLineEnd)
    {
        // RFC 4253 §4.2: at most 255 characters including CR LF. Sent in one write, as a flood of text would be.
        string line = "SSH-2.0-" + new string('a', totalBytes - 8 - (withLineEnd ? 2 : 0));
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        var watch = Stopwatch.StartNew();
        await client.SendRawAsync(Encoding.ASCII.GetBytes(withLineEnd ? line + "\r\n" : line));
        var packet = await ReadPacketOrNullAsync(client, TimeSpan.FromSeconds(3));
        Assert.True(packet is null, $"a {totalBytes}-byte identification was accepted: the server answered with message {packet?[0]}");
        Assert.True(watch.Elapsed < Hostile.Prompt, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task An_identification_of_exactly_255_bytes_is_accepted()
    {
        string line = "SSH-2.0-" + new string('a', 255 - 8 - 2);
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        await client.SendIdentificationAsync(line);
        var packet = await client.ReadPacketAsync(TimeSpan.FromSeconds(3));
        Assert.True(packet is [20, ..], "no KEXINIT after a 255-byte identification");
    }

    [Fact]
    public async Task No_identification_at_all_is_closed_after_the_identification_timeout()
    {
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        var watch = Stopwatch.StartNew();
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        Assert.True(await client.IsClosedAsync(Timeout + TimeSpan.FromSeconds(3)), "a silent client was never disconnected");
        AssertAroundTimeout(watch.Elapsed);
    }

    [Fact]
    public async Task An_identification_dripped_one_byte_every_400_ms_is_closed_at_the_identification_timeout()
    {
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        var watch = Stopwatch.StartNew();
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        using var stop = new CancellationTokenSource();
        var drip = DripAsync(client, "SSH-2.0-SlowlorisClient\r\n", TimeSpan.FromMilliseconds(400), stop.Token);
        bool closed = await client.IsClosedAsync(Timeout + TimeSpan.FromSeconds(3));
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await drip;
        Assert.True(closed, "a client dripping its identification was never disconnected");
        AssertAroundTimeout(elapsed);
    }

    [Fact]
    public async Task An_identification_sent_one_byte_at_a_time_quickly_is_accepted()
    {
        await using var client = await RawSshClient.ConnectAsync(Server.SshPort);
        client.Stream.Socket.NoDelay = true;
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        await DripAsync(client, "SSH-2.0-ByteByByteClient_1.0\r\n", TimeSpan.FromMilliseconds(3), CancellationToken.None);
        var packet = await client.ReadPacketAsync(TimeSpan.FromSeconds(3));
        Assert.True(packet is [20, ..], "no KEXINIT after an identification sent byte by byte");
    }

    private static void AssertAroundTimeout(TimeSpan elapsed)
    {
        Assert.True(elapsed >= Timeout - TimeSpan.FromMilliseconds(300), $"closed after {elapsed}, before the {Timeout} timeout");
        Assert.True(elapsed <= Timeout + TimeSpan.FromSeconds(1.5), $"closed only after {elapsed} (timeout {Timeout})");
    }

    /// <summary>Sends <paramref name="text"/> one byte at a time; stops quietly when the server has closed.</summary>
    private static async Task DripAsync(RawSshClient client, string text, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            foreach (byte b in Encoding.ASCII.GetBytes(text))
            {
                await client.SendRawAsync([b]);
                await Task.Delay(interval, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The next packet, or null when the server closed (or reset) the connection instead.</summary>
    private static async Task<byte[]?> ReadPacketOrNullAsync(RawSshClient client, TimeSpan timeout)
    {
        try
        {
            return await client.ReadPacketAsync(timeout);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
