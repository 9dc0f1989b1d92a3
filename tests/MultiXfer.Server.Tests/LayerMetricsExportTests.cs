using System.Net.Http.Headers;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// The layers' metrics reach the Prometheus endpoint of a composed server: the host hands each layer its metrics
/// object, and the exporter picks up every "MultiXfer.*" meter.
/// </summary>
public sealed class LayerMetricsExportTests
{
    [Fact]
    public async Task Ftp_tls_fsio_and_host_key_figures_are_scraped_from_metrics()
    {
        await using var server = await TestServer.StartAsync();
        await using (var client = await RawFtpClient.LoginAsync(server.FtpPort))
        {
            await client.ExpectAsync("SYST", 215);
            await client.ExpectAsync("MDTM /no-such-file", 550);
        }

        await using (var tls = (await RawFtpClient.ConnectAsync(server.FtpPort)).Client)
        {
            await tls.ExpectAsync("AUTH TLS", 234);
            await tls.StartTlsAsync();
            await tls.ExpectAsync("NOOP", 200);
        }

        string scraped = await ScrapeAsync(server);

        Assert.Contains(Sample(scraped, "multixfer_ftp_commands_total"), s => Has(s, "reply_class=\"2xx\"", "verb=\"SYST\""));
        Assert.Contains(Sample(scraped, "multixfer_ftp_commands_total"), s => Has(s, "reply_class=\"5xx\"", "verb=\"MDTM\""));
        Assert.Contains(Sample(scraped, "multixfer_fsio_errors_total"), s => Has(s, "kind=\"not_found\"", "operation=\"stat\""));
        Assert.Contains(Sample(scraped, "multixfer_tls_handshakes_total"), s => Has(s, "purpose=\"control\"", "result=\"success\""));
        Assert.Contains(Sample(scraped, "multixfer_tls_certificate_expiry_seconds"), s => Has(s, "server_name="));
        Assert.Contains(Sample(scraped, "multixfer_ssh_host_key_age_seconds"), s => Has(s, "key_set=\"default\""));
    }

    private static bool Has(string sample, params string[] labels) => labels.All(label => sample.Contains(label, StringComparison.Ordinal));

    /// <summary>The sample lines of one metric family (the name followed by its labels).</summary>
    private static List<string> Sample(string scraped, string family) =>
        [.. scraped.Split('\n').Where(line => line.StartsWith(family + "{", StringComparison.Ordinal))];

    private static async Task<string> ScrapeAsync(TestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.AdminUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.CreateAdminTokenAsync());
        return await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
    }
}
