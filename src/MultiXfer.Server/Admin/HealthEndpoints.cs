using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MultiXfer.Server.Observability;

namespace MultiXfer.Server.Admin;

/// <summary>
/// Probes for orchestrators (Docker's HEALTHCHECK, Kubernetes' liveness and readiness): no token, since they reveal
/// only which dependency is down, and an orchestrator cannot be given one before the server runs.
/// </summary>
internal static class HealthEndpoints
{
    public const string Live = "/healthz";

    public const string Ready = "/readyz";

    public static bool IsProbe(PathString path) => path.Equals(Live, StringComparison.Ordinal) || path.Equals(Ready, StringComparison.Ordinal);

    public static void Map(WebApplication app, Readiness readiness)
    {
        // The process answers: the admin listener's thread pool is alive.
        app.MapGet(Live, () => Results.Ok(new HealthReport("alive", [])));

        // 200 when every check passes, 503 naming those that fail.
        app.MapGet(Ready, async (CancellationToken ct) =>
        {
            var checks = await readiness.CheckAsync(ct);
            var report = new HealthReport(checks.All(c => c.Ok) ? "ready" : "not_ready",
                [.. checks.Select(c => new HealthCheckResource(c.Name, c.Ok, c.Detail))]);
            return report.Status == "ready" ? Results.Ok(report) : Results.Json(report, AdminJson.Default.HealthReport, statusCode: 503);
        });
    }
}
