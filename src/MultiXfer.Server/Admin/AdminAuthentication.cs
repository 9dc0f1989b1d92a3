using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MultiXfer.Accounts;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Server.Configuration;

namespace MultiXfer.Server.Admin;

/// <summary>
/// Bearer tokens for every request: none or a wrong one is 401, a read token on a change is 403, and an address
/// that keeps presenting wrong tokens gets 429 for a minute (the login throttle, with its own limits).
/// </summary>
internal sealed partial class AdminAuthentication(AdminContext context, ILoginThrottle failures, ILogger<AdminAuthentication> logger)
{
    private const string ActorKey = "MultiXfer.Actor";

    /// <summary>The throttle for wrong tokens: Admin:MaxFailedTokensPerMinute per address (IPv6 per Server:Ipv6PrefixLength).</summary>
    public static LoginThrottle ThrottleFor(AdminOptions options, int ipv6PrefixLength, TimeProvider time) => new(new AuthOptions
    {
        MaxFailuresPerAddress = options.MaxFailedTokensPerMinute,
        FailureWindowSeconds = 60,
        BanSeconds = 60,
    }, time, ipv6PrefixLength);

    public async Task InvokeAsync(HttpContext http, Func<Task> next)
    {
        if (HealthEndpoints.IsProbe(http.Request.Path) && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)))
        {
            await next();
            return;
        }

        var address = ConnectionContext.Normalize(http.Connection.RemoteIpAddress ?? IPAddress.None);
        if (failures.IsBanned(address))
        {
            http.Response.Headers.RetryAfter = "60";
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed tokens",
                detail: "this address presented too many wrong tokens; wait a minute").ExecuteAsync(http);
            return;
        }

        string header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? await context.Database.Admin.AuthenticateAsync(header["Bearer ".Length..].Trim(), http.RequestAborted)
            : null;
        if (token is null)
        {
            failures.RecordFailure(address);
            LogRefused(address.ToString(), http.Request.Method, LogText.Clean(http.Request.Path.ToString()), header.Length == 0 ? "no token" : "wrong token");
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"multixfer\"";
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "send an admin token as 'Authorization: Bearer mxt_...' (multixfer tokens create)").ExecuteAsync(http);
            return;
        }

        bool reads = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (!reads && token.Scope != TokenScope.Admin)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: $"token {token.Id} has scope read; changes need a token with scope admin").ExecuteAsync(http);
            return;
        }

        http.Items[ActorKey] = new Actor(token.Id, address.ToString());
        await next();
    }

    public static Actor ActorOf(HttpContext http) => (Actor)http.Items[ActorKey]!;

    [LoggerMessage(Level = LogLevel.Warning, Message = "admin API refused {Method} {Path} from {Address}: {Reason}")]
    private partial void LogRefused(string address, string method, string path, string reason);
}
