using System.CommandLine;
using System.Net;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary>
/// <c>multixfer health [ready|live]</c>: asks a running server's /readyz or /healthz and exits 0 only on 200, for a
/// container's HEALTHCHECK (the runtime image has no curl). The address is --url, or the admin listener that --config
/// names (a wildcard address is asked on loopback).
/// </summary>
internal static class HealthCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static Command Build()
    {
        var probe = new Argument<string>("probe") { Description = "ready (every dependency up) or live (the process answers)", DefaultValueFactory = _ => "ready" };
        probe.AcceptOnlyFromAmong("ready", "live");
        var command = new Command("health", "ask a running server's /readyz or /healthz; exit 0 when it answers 200") { probe };
        command.SetAction(async (result, ct) =>
        {
            var output = CliApp.OutputFor(result);
            Uri address;
            try
            {
                address = BaseAddress(result);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException)
            {
                return output.Fail(e.Message, 2);
            }

            using var handler = new HttpClientHandler();
            if (IPAddress.TryParse(address.Host, out var ip) && IPAddress.IsLoopback(ip))
            {
                // On loopback the admin listener's own certificate (often self-signed) is the one expected.
                handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
            }

            using var http = new HttpClient(handler) { Timeout = Timeout };
            try
            {
                using var response = await http.GetAsync(new Uri(address, result.GetValue(probe) == "live" ? HealthEndpoints.Live : HealthEndpoints.Ready), ct);
                Console.Out.WriteLine(await response.Content.ReadAsStringAsync(ct));
                return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return output.Fail($"{address}: {e.Message}", 1);
            }
        });
        return command;
    }

    private static Uri BaseAddress(ParseResult result)
    {
        if (result.GetValue(CliApp.Url) is { } url)
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var given) && given.Scheme is "http" or "https"
                ? given : throw new ArgumentException($"--url {url}: not an http(s) address");
        }

        var admin = CliApp.LoadSettings(result.GetValue(CliApp.Config)).Admin;
        if (!admin.Enabled)
        {
            throw new InvalidOperationException("the admin listener is disabled (Admin:Enabled), so there is nothing to ask");
        }

        var host = IPAddress.Parse(admin.Address);
        host = host.Equals(IPAddress.Any) ? IPAddress.Loopback : host.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : host;
        return new UriBuilder(admin.UseTls ? "https" : "http", host.ToString(), admin.Port).Uri;
    }
}
