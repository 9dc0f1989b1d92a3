using System.Diagnostics;
using System.Net.Sockets;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.FrontEnd;

/// <summary>Connections over the limits on an auto port are closed at once, not held through detection.</summary>
public sealed class AutoPortLimitTests
{
    [Fact]
    public async Task A_connection_over_the_per_address_limit_is_closed_at_once_without_detection()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Server:MaxConnectionsPerIp"] = "1";
            settings["Server:MaxQueuedPerIp"] = "0"; // no waiting room: over the limit is over the hard ceiling
            settings["Listeners:auto:DetectionTimeoutMilliseconds"] = "10000";
        });
        var (first, greeting) = await RawFtpClient.ConnectAsync(server.AutoPort);
        await using var _ = first;
        Assert.Equal(220, greeting.Code);

        // A partial SSH identification would keep detection waiting for up to 10 s; over the limit it must not.
        using var second = new TcpClient();
        await second.ConnectAsync("127.0.0.1", server.AutoPort);
        var stream = second.GetStream();
        await stream.WriteAsync("S"u8.ToArray());
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        int read = await stream.ReadAsync(new byte[64], timeout.Token);
        Assert.Equal(0, read);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"closed after {watch.Elapsed}");
        Assert.Contains("connection refused: TooManyConnectionsFromAddress", await server.WaitForLogAsync("TooManyConnectionsFromAddress"));

        // The admitted session is unaffected.
        await first.ExpectAsync("USER alice", 331);
    }
}
