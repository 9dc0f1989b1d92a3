using System.Diagnostics.Metrics;
using System.Globalization;

namespace MultiXfer.TestMetrics;

/// <summary>
/// The meter factory of one test: meters it creates belong to that test alone, whatever else runs in the process
/// (a host's factory does the same for each server).
/// </summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            _meters.ForEach(m => m.Dispose());
            _meters.Clear();
        }
    }
}

/// <summary>One measurement: its instrument, value and tags (values as invariant text).</summary>
internal sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>"name=value,name=value value", tags sorted: failures read as what was measured.</summary>
    public override string ToString() =>
        string.Join(",", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")) + " "
        + Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Records the measurements of one <see cref="Meter"/> object's instruments. The listener is scoped to that object,
/// not to its name: several servers and tests in one process have meters of the same name.
/// </summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Recorded> _recorded = [];

    public MeasurementRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every measurement of <paramref name="instrument"/> so far, in order, as <see cref="Recorded.ToString"/> shows it.</summary>
    public IReadOnlyList<string> Lines(string instrument) => [.. Of(instrument).Select(r => r.ToString())];

    public IReadOnlyList<Recorded> Of(string instrument)
    {
        lock (_recorded)
        {
            return [.. _recorded.Where(r => r.Instrument == instrument)];
        }
    }

    /// <summary>Reads the observable instruments now (as a scrape does) and returns what <paramref name="instrument"/> reported.</summary>
    public IReadOnlyList<Recorded> Observe(string instrument)
    {
        int before;
        lock (_recorded)
        {
            before = _recorded.Count;
        }

        _listener.RecordObservableInstruments();
        lock (_recorded)
        {
            return [.. _recorded.Skip(before).Where(r => r.Instrument == instrument)];
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = Convert.ToString(tagValue, CultureInfo.InvariantCulture) ?? "";
        }

        lock (_recorded)
        {
            _recorded.Add(new Recorded(instrument.Name, value, copy));
        }
    }
}
