using System.Diagnostics.Metrics;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Admission;

/// <summary>
/// Per-source penalties as metrics: every penalty imposed by what earned it, every source that began to be refused,
/// and the sources tracked (read at each scrape). Addresses are never tags.
/// </summary>
public sealed class PenaltyMetrics
{
    public const string MeterName = "MultiXfer.Admission";

    private readonly Counter<long> _penalties;
    private readonly Counter<long> _activated;

    public PenaltyMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _penalties = Meter.CreateCounter<long>("multixfer.penalties", "{penalty}",
            "Penalties imposed on client sources for connections that ended without a login, by what the connection did");
        _activated = Meter.CreateCounter<long>("multixfer.penalties.activated", "{source}",
            "Sources whose outstanding penalty reached the minimum, so that their connections are refused");
    }

    public Meter Meter { get; }

    /// <summary>Reports how many sources <paramref name="penalties"/> tracks; called once, by the table itself.</summary>
    internal void Observe(SourcePenalties penalties) =>
        Meter.CreateObservableGauge("multixfer.penalties.sources", () => penalties.TrackedSources, "{source}",
            "Client sources with a penalty on record (outstanding or not yet expired)");

    internal void Penalised(LoginFailure failure, bool activated)
    {
        _penalties.Add(1, new KeyValuePair<string, object?>("reason", failure switch
        {
            LoginFailure.AuthenticationFailed => "authentication_failed",
            LoginFailure.GraceExceeded => "grace_exceeded",
            LoginFailure.ProtocolError => "protocol_error",
            _ => "no_authentication",
        }));
        if (activated)
        {
            _activated.Add(1);
        }
    }
}
