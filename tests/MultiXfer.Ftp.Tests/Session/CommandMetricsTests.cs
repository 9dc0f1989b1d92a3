using System.Net;
using System.Net.Sockets;
using MultiXfer.TestMetrics;

namespace MultiXfer.Ftp.Tests.Session;

/// <summary>multixfer.ftp.commands: one count per command at its final reply, by the table's verb and the reply class.</summary>
public sealed class CommandMetricsTests
{
    private const string Commands = "multixfer.ftp.commands";

    [Fact]
    public async Task Each_command_counts_once_under_its_verb_and_unknown_ones_as_other()
    {
        using var meters = new TestMeterFactory();
        var metrics = new FtpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        await using (var client = new FtpSessionHarness(metrics))
        {
            Assert.Equal(220, await client.ReadReplyAsync());
            Assert.Equal(215, await client.SendAsync("SYST"));
            Assert.Equal(200, await client.SendAsync("noop"));
            Assert.Equal(500, await client.SendAsync("XYZZY secret-text"));
            Assert.Equal(530, await client.SendAsync("CWD /"));
            Assert.Equal(501, await client.SendAsync("USER"));
            Assert.Equal(221, await client.SendAsync("QUIT"));
        }

        // The greeting answers no command; the client's own text never becomes a tag.
        Assert.Equal(
        [
            "reply_class=2xx,verb=SYST 1",
            "reply_class=2xx,verb=NOOP 1",
            "reply_class=5xx,verb=other 1",
            "reply_class=5xx,verb=CWD 1",
            "reply_class=5xx,verb=USER 1",
            "reply_class=2xx,verb=QUIT 1",
        ], recorder.Lines(Commands));
    }

    [Fact]
    public async Task A_transfer_counts_at_its_closing_reply_and_the_preliminary_one_is_not_counted()
    {
        using var meters = new TestMeterFactory();
        var metrics = new FtpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        await using (var client = new FtpSessionHarness(metrics))
        {
            Assert.Equal(220, await client.ReadReplyAsync());
            Assert.Equal(331, await client.SendAsync("USER anonymous"));
            Assert.Equal(230, await client.SendAsync("PASS guest@example.org"));
            Assert.Equal(425, await client.SendAsync("LIST"));
            Assert.Equal(227, await client.SendAsync("PASV"));
            using var data = new TcpClient();
            await data.ConnectAsync(IPAddress.Loopback, client.PassivePort());
            Assert.Equal(150, await client.SendAsync("LIST"));
            await data.GetStream().CopyToAsync(Stream.Null);
            Assert.Equal(226, await client.ReadReplyAsync());
            Assert.Equal(221, await client.SendAsync("QUIT"));
        }

        Assert.Equal(
        [
            "reply_class=3xx,verb=USER 1",
            "reply_class=2xx,verb=PASS 1",
            "reply_class=4xx,verb=LIST 1",
            "reply_class=2xx,verb=PASV 1",
            "reply_class=2xx,verb=LIST 1",
            "reply_class=2xx,verb=QUIT 1",
        ], recorder.Lines(Commands));
    }

    [Fact]
    public async Task Replies_after_the_final_one_are_not_counted_again()
    {
        using var meters = new TestMeterFactory();
        var metrics = new FtpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        await using (var client = new FtpSessionHarness(metrics))
        {
            Assert.Equal(220, await client.ReadReplyAsync());
            for (int i = 1; i < 10; i++)
            {
                Assert.Equal(500, await client.SendAsync("BOGUS"));
            }

            // The tenth bad command before login: 500, then 421 and the session closes.
            Assert.Equal(500, await client.SendAsync("BOGUS"));
            Assert.Equal(421, await client.ReadReplyAsync());
        }

        Assert.Equal(Enumerable.Repeat("reply_class=5xx,verb=other 1", 10), recorder.Lines(Commands));
    }
}
