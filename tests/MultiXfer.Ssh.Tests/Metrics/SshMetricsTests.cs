using System.Net;
using MultiXfer.Connections;
using MultiXfer.TestMetrics;

namespace MultiXfer.Ssh.Tests.Metrics;

/// <summary>
/// multixfer.ssh.key_exchanges, multixfer.ssh.key_exchange.failures and multixfer.ssh.disconnects, with OpenSSH's client
/// on the other side of a real session.
/// </summary>
public sealed class SshMetricsTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task A_key_exchange_counts_the_algorithms_negotiated()
    {
        var metrics = new SshMetrics(_meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        using var server = new InProcessSshServer(new SshOptions(), metrics);

        await server.ConnectAsync("KexAlgorithms=curve25519-sha256", "HostKeyAlgorithms=ssh-ed25519", "Ciphers=aes128-ctr",
            "MACs=hmac-sha2-256-etm@openssh.com");

        Assert.Equal(["cipher=aes128-ctr,host_key=ssh-ed25519,initial=true,kex=curve25519-sha256 1"],
            recorder.Lines("multixfer.ssh.key_exchanges"));
        Assert.Empty(recorder.Lines("multixfer.ssh.key_exchange.failures"));
    }

    [Fact]
    public async Task No_common_algorithm_fails_the_exchange_and_the_server_says_so()
    {
        var metrics = new SshMetrics(_meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        using var server = new InProcessSshServer(new SshOptions { KexAlgorithms = ["curve25519-sha256"] }, metrics);

        string stderr = await server.ConnectAsync("KexAlgorithms=diffie-hellman-group14-sha256");

        Assert.Empty(recorder.Lines("multixfer.ssh.key_exchanges"));
        Assert.Equal(["initial=true,reason=no_common_algorithm 1"], recorder.Lines("multixfer.ssh.key_exchange.failures"));
        Assert.True(recorder.Lines("multixfer.ssh.disconnects").SequenceEqual(["reason=key_exchange_failed 1"]), stderr);
    }

    [Fact]
    public async Task A_connection_refused_before_its_session_counts_the_reason_sent()
    {
        var metrics = new SshMetrics(_meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        using var server = new InProcessSshServer(new SshOptions(), metrics);
        var handler = server.Handler;
        using var sent = new MemoryStream();
        var connection = new ConnectionContext("ssh-test-2", "ssh", new IPEndPoint(IPAddress.Loopback, 22),
            new IPEndPoint(IPAddress.Loopback, 40000), sent, CancellationToken.None);

        await handler.RejectAsync(connection, RejectReason.TooManyConnections);

        Assert.NotEqual(0, sent.Length);
        Assert.Equal(["reason=too_many_connections 1"], recorder.Lines("multixfer.ssh.disconnects"));
    }
}
