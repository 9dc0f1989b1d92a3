using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// The alert rules and the Grafana dashboard in deploy/ ask only for series the server declares (named as the
/// OpenTelemetry Prometheus exporter names them), and promtool accepts the rules.
/// </summary>
public sealed partial class DeployedQueriesTests
{
    [GeneratedRegex(@"\bmultixfer_[a-z_]+")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Every_metric_the_alerts_and_the_dashboard_query_is_one_the_server_exports()
    {
        await using var server = await TestServer.StartAsync();
        var exported = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "MultiXfer" || instrument.Meter.Name.StartsWith("MultiXfer.", StringComparison.Ordinal))
                {
                    lock (exported)
                    {
                        exported.Add(PrometheusName(instrument));
                    }
                }
            };
            listener.Start();
        }

        foreach (string file in DeployFiles())
        {
            var referenced = MetricName().Matches(await File.ReadAllTextAsync(file)).Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", ""))
                .Distinct().ToList();
            Assert.NotEmpty(referenced);
            Assert.All(referenced, name => Assert.True(exported.Contains(name),
                $"{Path.GetFileName(file)} queries {name}, which the server does not export (it has: {string.Join(", ", exported.Order())})"));
        }
    }

    [ClientFact("promtool")]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var result = await ProcessRunner.RunAsync("promtool", ["check", "rules", DeployFiles().Single(f => f.EndsWith("alerts.yml", StringComparison.Ordinal))]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.Output + result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// How the exporter names an instrument: dots become underscores, the unit a suffix (s: _seconds, By: _bytes
    /// unless the name ends so already; annotations in braces none), and counters end in _total.
    /// </summary>
    private static string PrometheusName(Instrument instrument)
    {
        string name = instrument.Name.Replace('.', '_');
        string? unit = instrument.Unit switch
        {
            "s" => "seconds",
            "By" => "bytes",
            _ => null,
        };
        if (unit is not null && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        bool counter = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal)
            || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
        return counter ? name + "_total" : name;
    }

    private static string[] DeployFiles()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MultiXfer.sln")))
        {
            directory = directory.Parent;
        }

        string deploy = Path.Combine(directory!.FullName, "deploy");
        return [Path.Combine(deploy, "prometheus", "alerts.yml"), Path.Combine(deploy, "grafana", "multixfer-dashboard.json")];
    }
}
