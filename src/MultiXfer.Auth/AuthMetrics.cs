using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MultiXfer.Auth;

/// <summary>
/// Authentication as metrics: addresses banned by the login throttle, and how long the account store takes for the
/// calls logins and usage depend on (addresses and names are never tags).
/// </summary>
public sealed class AuthMetrics
{
    public const string MeterName = "MultiXfer.Auth";

    private readonly Counter<long> _bans;
    private readonly Histogram<double> _storeDuration;

    public AuthMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _bans = Meter.CreateCounter<long>("multixfer.auth.bans", "{ban}",
            "Client addresses banned after repeated login failures, by the protocol of the failure that banned them");
        _storeDuration = Meter.CreateHistogram("multixfer.account_store.duration", "s",
            "Account store calls, by operation (find, record_login, usage_load, usage_flush, usage_delete) and result (ok, error)",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
            });
    }

    public Meter Meter { get; }

    internal void Banned(string protocol) => _bans.Add(1, new KeyValuePair<string, object?>("protocol", protocol switch
    {
        Protocols.Ftp or Protocols.Ftps or Protocols.Ssh or Protocols.Sftp or Protocols.Scp => protocol,
        _ => "other",
    }));

    /// <summary>Runs one account store call and records how long it took and whether it failed.</summary>
    internal async Task<T> TimeStoreCallAsync<T>(string operation, Func<Task<T>> call)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            RecordStoreCall(operation, start, "ok");
            return result;
        }
        catch
        {
            RecordStoreCall(operation, start, "error");
            throw;
        }
    }

    internal Task TimeStoreCallAsync(string operation, Func<Task> call) => TimeStoreCallAsync(operation, async () =>
    {
        await call();
        return true;
    });

    private void RecordStoreCall(string operation, long start, string result) =>
        _storeDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new("operation", operation), new("result", result));
}
