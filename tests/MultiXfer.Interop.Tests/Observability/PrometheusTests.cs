using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using MultiXfer.Interop.Tests.Limits;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// Debian's Prometheus scrapes the server (bearer token from a file, as an operator configures it) while real clients
/// of every protocol work; the test asks Prometheus's HTTP API what it stored and compares it with what the clients
/// did. Alone, after the parallel tests: a test process hosts many servers, and each server's exporter sees every
/// meter in the process.
/// </summary>
[Collection(nameof(BandwidthCollection))]
public sealed class PrometheusTests
{
    [ClientFact("prometheus", "curl", "scp")]
    public async Task Prometheus_scrapes_counts_and_bytes_equal_to_what_the_clients_did()
    {
        await using var server = await TestServer.StartAsync();
        string work = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "work")).FullName;
        await using var prometheus = await PrometheusProcess.StartAsync(server, work);

        await ObservedWorkload.RunAsync(server, work);

        // Every completed transfer, as Prometheus stored it after its next scrape.
        foreach (var group in ObservedWorkload.Completed.GroupBy(c => (c.Service, c.Direction)))
        {
            string selector = $"protocol=\"{group.Key.Service}\",direction=\"{group.Key.Direction}\"";
            Assert.Equal(group.Count(), await prometheus.WaitForValueAsync($"sum(multixfer_transfers_total{{{selector},result=\"completed\"}})", group.Count()));
            if (group.Key is not ("ftp", "download"))
            {
                Assert.Equal(group.Sum(c => c.Bytes), await prometheus.WaitForValueAsync($"sum(multixfer_transfer_bytes_total{{{selector}}})", group.Sum(c => c.Bytes)));
            }
        }

        // The download curl cut short: counted as aborted, its bytes beside the completed one's, as the xferlog says.
        Assert.Equal(1, await prometheus.WaitForValueAsync("sum(multixfer_transfers_total{protocol=\"ftp\",direction=\"download\",result=\"aborted\"})", 1));
        string cut = (await TestServer.WaitForLinesAsync(server.ReadTransferLog, l => l.Any(x => x.EndsWith(" i", StringComparison.Ordinal))))
            .Single(l => l.EndsWith(" i", StringComparison.Ordinal));
        long cutBytes = long.Parse(cut.Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture);
        Assert.Equal(100_000 + cutBytes, await prometheus.WaitForValueAsync(
            "sum(multixfer_transfer_bytes_total{protocol=\"ftp\",direction=\"download\"})", 100_000 + cutBytes));

        // Logins: FTP three times and FTPS once by password, SSH four times (curl's password, OpenSSH's key), one wrong password.
        Assert.Equal(3, await prometheus.WaitForValueAsync("sum(multixfer_logins_total{protocol=\"ftp\",result=\"success\"})", 3));
        Assert.Equal(1, await prometheus.WaitForValueAsync("sum(multixfer_logins_total{protocol=\"ftps\",result=\"success\"})", 1));
        Assert.Equal(4, await prometheus.WaitForValueAsync("sum(multixfer_logins_total{protocol=\"ssh\",result=\"success\"})", 4));
        Assert.Equal(2, await prometheus.WaitForValueAsync("sum(multixfer_logins_total{protocol=\"ssh\",method=\"publickey\",result=\"success\"})", 2));
        Assert.Equal(1, await prometheus.WaitForValueAsync(
            "sum(multixfer_logins_total{protocol=\"ftp\",result=\"failure\",reason=\"bad_credentials\"})", 1));
        Assert.Equal(9, await prometheus.WaitForValueAsync("sum(multixfer_connections_opened_total)", 9));
        Assert.Equal(0, await prometheus.WaitForValueAsync("sum(multixfer_connections_active)", 0));
        Assert.Equal(7 + 1, await prometheus.WaitForValueAsync("sum(multixfer_transfer_duration_seconds_count)", 8));
        Assert.True(await prometheus.WaitForValueAsync("up{job=\"multixfer\"}", 1) == 1);
    }

    /// <summary>A Prometheus server of its own on a free port, scraping the test server's admin listener every 250 ms.</summary>
    private sealed class PrometheusProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;

        private PrometheusProcess(Process process, int port)
        {
            _process = process;
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/") };
        }

        public static async Task<PrometheusProcess> StartAsync(TestServer server, string work)
        {
            string token = Path.Combine(work, "prometheus.token");
            await File.WriteAllTextAsync(token, await server.CreateAdminTokenAsync(MultiXfer.Accounts.TokenScope.Read));
            string config = Path.Combine(work, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 250ms
                  scrape_timeout: 200ms
                scrape_configs:
                  - job_name: multixfer
                    metrics_path: /metrics
                    authorization:
                      type: Bearer
                      credentials_file: {token}
                    static_configs:
                      - targets: ['127.0.0.1:{server.AdminUri.Port.ToString(CultureInfo.InvariantCulture)}']
                """);
            int port = HaproxyProcess.FreePort(IPAddress.Loopback);
            var start = new ProcessStartInfo(ClientTools.Require("prometheus"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in (string[])[$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(work, "tsdb")}",
                         $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn"])
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var prometheus = new PrometheusProcess(process, port);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await prometheus.IsReadyAsync())
            {
                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "prometheus did not become ready");
                await Task.Delay(100);
            }

            return prometheus;
        }

        /// <summary>
        /// Polls an instant query until it yields <paramref name="expected"/> or 15 s pass (Prometheus stores a
        /// figure only at its next scrape), and returns the last value (NaN while the query has no result).
        /// </summary>
        public async Task<double> WaitForValueAsync(string query, double expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            double value;
            while ((value = await QueryAsync(query)) != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            return value;
        }

        private async Task<double> QueryAsync(string query)
        {
            using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(query));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("success", body.GetProperty("status").GetString());
            var result = body.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? double.NaN
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }

        private async Task<bool> IsReadyAsync()
        {
            try
            {
                using var response = await _http.GetAsync("-/ready");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
