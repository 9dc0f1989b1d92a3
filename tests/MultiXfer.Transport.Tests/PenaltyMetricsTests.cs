using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Connections;
using MultiXfer.TestKit;
using MultiXfer.TestMetrics;
using MultiXfer.Transport.Admission;

namespace MultiXfer.Transport.Tests;

/// <summary>multixfer.penalties by reason, multixfer.penalties.activated and the tracked sources.</summary>
public sealed class PenaltyMetricsTests
{
    [Fact]
    public void Penalties_count_by_reason_and_activation_once_per_source()
    {
        using var meters = new TestMeterFactory();
        var metrics = new PenaltyMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var penalties = new SourcePenalties(new PenaltyOptions(), [IPNetwork.Parse("192.0.2.0/24")], 64, new ManualTimeProvider(),
            NullLogger.Instance, metrics);
        var client = IPAddress.Parse("198.51.100.7");

        penalties.Penalise(client, LoginFailure.AuthenticationFailed);
        penalties.Penalise(client, LoginFailure.ProtocolError); // 15 s outstanding: refused from now on
        penalties.Penalise(client, LoginFailure.AuthenticationFailed);
        penalties.Penalise(client, LoginFailure.GraceExceeded);
        penalties.Penalise(IPAddress.Parse("192.0.2.9"), LoginFailure.AuthenticationFailed); // exempt: no penalty

        Assert.True(penalties.IsPenalised(client));
        Assert.Equal(
        [
            "reason=authentication_failed 1",
            "reason=protocol_error 1",
            "reason=authentication_failed 1",
            "reason=grace_exceeded 1",
        ], recorder.Lines("multixfer.penalties"));
        Assert.Equal([" 1"], recorder.Lines("multixfer.penalties.activated"));
        Assert.Equal([" 1"], recorder.Observe("multixfer.penalties.sources").Select(r => r.ToString()));
    }
}
