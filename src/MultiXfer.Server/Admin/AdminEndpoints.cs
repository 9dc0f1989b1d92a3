using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using MultiXfer.Accounts;
using MultiXfer.Auth.Accounts;

namespace MultiXfer.Server.Admin;

/// <summary>
/// The routes under /api/v1. Every handler validates what it is given, answers errors as RFC 9457 problem
/// details, and leaves the work to <see cref="AccountOperations"/> and <see cref="SessionControl"/>.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication app, AdminContext context)
    {
        var api = app.MapGroup("/api/v1");
        MapServer(api, context);
        MapAccounts(api.MapGroup("/accounts"), context);
        MapSessions(api.MapGroup("/sessions"), context);
        MapClusterSessions(api.MapGroup("/cluster/sessions"), context);
        MapTokens(api.MapGroup("/tokens"), context);
    }

    private static void MapServer(RouteGroupBuilder api, AdminContext context)
    {
        api.MapGet("/status", async (CancellationToken ct) => Results.Ok(new ServerStatus(
            typeof(AdminEndpoints).Assembly.GetName().Version?.ToString() ?? "0", context.StartedAt, context.Sessions.ConnectionCount,
            context.Sessions.LoggedIn.Count(), context.AccountsProvider,
            context.Database.HoldsAccounts ? await context.Database.Accounts.CountAsync(ct) : 0,
            await SchemaMigrations.CurrentVersionAsync(context.Database.Dialect, ct))))
            .Produces<ServerStatus>();

        api.MapPost("/reload", async (HttpContext http) =>
        {
            context.Reload("admin API");
            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "server.reload", "configuration", "", http.RequestAborted);
            return Results.Ok(new ReloadResult("reload requested; the server log says whether the new configuration was taken"));
        }).Produces<ReloadResult>();

        api.MapGet("/hostkeys", () => Results.Ok(context.HostKeys
            .SelectMany(site => site.Keys.Describe().Select(k => new HostKeyResource(site.Site, k.Algorithm, k.Fingerprint, k.Certificate, k.State)))
            .ToList()))
            .Produces<List<HostKeyResource>>();

        // Host key rotation, draft-miller-sshm-hostkey-update: stage (announced), promote (signs), retire (gone).
        foreach (string step in new[] { "stage", "promote", "retire" })
        {
            api.MapPost($"/hostkeys/{step}", async (HttpContext http) =>
            {
                if (await ReadAsync(http, AdminJson.Default.HostKeyRotation) is not { } rotation)
                {
                    return Results.Empty;
                }

                string site = rotation.Site ?? "default";
                var manager = context.HostKeys.Where(h => h.Site == site).Select(h => h.Keys).FirstOrDefault();
                if (manager is null)
                {
                    return Invalid("site", $"no SSH site named '{site}'");
                }

                string? problem = step switch
                {
                    "stage" => manager.Stage(rotation.Type ?? ""),
                    "promote" => manager.Promote(rotation.Type ?? ""),
                    _ => manager.Retire(rotation.Type ?? ""),
                };
                if (problem is not null)
                {
                    return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Rotation step refused", detail: problem);
                }

                // The other gateways of a cluster share the keys directory: they load the step's result now.
                context.HostKeyRotations?.Announce(site);

                await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), $"hostkey.{step}", $"{site} {rotation.Type}",
                    string.Join(" ", manager.Describe().Where(k => k.Algorithm == rotation.Type).Select(k => $"{k.State}={k.Fingerprint}")), http.RequestAborted);
                return Results.Ok(manager.Describe().Select(k => new HostKeyResource(site, k.Algorithm, k.Fingerprint, k.Certificate, k.State)).ToList());
            }).Accepts<HostKeyRotation>("application/json").Produces<List<HostKeyResource>>().ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        api.MapGet("/certificates", () => Results.Ok(context.Certificates.Current is { } set
            ? set.All.Select(c => new CertificateResource(string.Join(",", c.ServerNames.DefaultIfEmpty("default")), c.Leaf.Subject, c.Fingerprint,
                c.Leaf.NotAfter.ToUniversalTime())).ToList()
            : []))
            .Produces<List<CertificateResource>>();

        api.MapGet("/audit", async (int? limit, CancellationToken ct) => Results.Ok((await context.Database.Admin.ListAuditAsync(limit ?? 100, ct))
            .Select(e => new AuditResource(e.At, e.Actor, e.ClientAddress, e.Action, e.Target, e.Detail)).ToList()))
            .Produces<List<AuditResource>>();
    }

    private static void MapAccounts(RouteGroupBuilder accounts, AdminContext context)
    {
        var operations = context.Accounts;
        int rsaBits = operations.MinimumRsaBits;

        accounts.MapGet("/", async (string? after, int? limit, string? prefix, string? virtualHost, bool? disabled, CancellationToken ct) =>
        {
            if (limit is < 1 or > SqlAccountStore.MaxPageSize)
            {
                return Invalid("limit", $"must be 1-{SqlAccountStore.MaxPageSize}");
            }

            var page = await context.Database.Accounts.ListAsync(new AccountQuery
            {
                After = after, Limit = limit ?? 100, NamePrefix = prefix, VirtualHost = virtualHost, Disabled = disabled,
            }, ct);
            return Results.Ok(new AccountList([.. page.Accounts.Select(a => AccountResource.From(a, rsaBits))], page.NextAfter));
        }).Produces<AccountList>().ProducesValidationProblem();

        accounts.MapPost("/", async (HttpContext http) =>
        {
            if (await ReadAsync(http, AdminJson.Default.AccountSpec) is not { } spec)
            {
                return Results.Empty;
            }

            var outcome = await operations.CreateAsync(spec, AdminAuthentication.ActorOf(http), http.RequestAborted);
            return outcome.Error is { } error ? Problem(error)
                : Tagged(http, outcome.Value!, Results.Created($"/api/v1/accounts/{Uri.EscapeDataString(outcome.Value!.Name)}", AccountResource.From(outcome.Value!, rsaBits)));
        }).Accepts<AccountSpec>("application/json").Produces<AccountResource>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        accounts.MapGet("/{name}", async (string name, HttpContext http) =>
            await context.Database.Accounts.GetAsync(name, http.RequestAborted) is { } account
                ? Tagged(http, account, Results.Ok(AccountResource.From(account, rsaBits)))
                : NotFound($"no account named '{name}'"))
            .Produces<AccountResource>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPut("/{name}", async (string name, HttpContext http) =>
        {
            if (IfMatch(http) is not { } version)
            {
                return Results.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "If-Match required",
                    detail: "GET the account, then PUT with If-Match set to its ETag, so that another admin's change is not overwritten");
            }

            if (await ReadAsync(http, AdminJson.Default.AccountSpec) is not { } spec)
            {
                return Results.Empty;
            }

            var outcome = await operations.ReplaceAsync(name, spec, version, AdminAuthentication.ActorOf(http), http.RequestAborted);
            return outcome.Error is { } error ? Problem(error) : Tagged(http, outcome.Value!, Results.Ok(AccountResource.From(outcome.Value!, rsaBits)));
        }).Accepts<AccountSpec>("application/json").Produces<AccountResource>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        accounts.MapDelete("/{name}", async (string name, HttpContext http) =>
            await operations.DeleteAsync(name, IfMatch(http), AdminAuthentication.ActorOf(http), http.RequestAborted) is { } error
                ? Problem(error) : Results.NoContent())
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        accounts.MapPost("/{name}/password", async (string name, HttpContext http) =>
        {
            if (await ReadAsync(http, AdminJson.Default.PasswordChange) is not { } change)
            {
                return Results.Empty;
            }

            var outcome = await operations.SetPasswordAsync(name, change.Password ?? "", IfMatch(http), AdminAuthentication.ActorOf(http), http.RequestAborted);
            return outcome.Error is { } error ? Problem(error) : Tagged(http, outcome.Value!, Results.NoContent());
        }).Accepts<PasswordChange>("application/json").Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();

        foreach (bool disable in new[] { true, false })
        {
            accounts.MapPost(disable ? "/{name}/disable" : "/{name}/enable", async (string name, HttpContext http) =>
            {
                var outcome = await operations.SetDisabledAsync(name, disable, IfMatch(http), AdminAuthentication.ActorOf(http), http.RequestAborted);
                return outcome.Error is { } error ? Problem(error) : Tagged(http, outcome.Value!, Results.Ok(AccountResource.From(outcome.Value!, rsaBits)));
            }).Produces<AccountResource>().ProducesProblem(StatusCodes.Status404NotFound);
        }

        accounts.MapGet("/{name}/keys", async (string name, CancellationToken ct) =>
            await context.Database.Accounts.GetAsync(name, ct) is { } account
                ? Results.Ok(AccountResource.From(account, rsaBits).AuthorizedKeys.ToList())
                : NotFound($"no account named '{name}'"))
            .Produces<List<MultiXfer.Ssh.AuthorizedKeyDescription>>();

        accounts.MapPost("/{name}/keys", async (string name, HttpContext http) =>
        {
            if (await ReadAsync(http, AdminJson.Default.KeyAddition) is not { } addition)
            {
                return Results.Empty;
            }

            var outcome = await operations.AddKeyAsync(name, addition.Key ?? "", AdminAuthentication.ActorOf(http), http.RequestAborted);
            return outcome.Error is { } error ? Problem(error)
                : Tagged(http, outcome.Value!, Results.Created($"/api/v1/accounts/{Uri.EscapeDataString(name)}/keys", AccountResource.From(outcome.Value!, rsaBits).AuthorizedKeys.ToList()));
        }).Accepts<KeyAddition>("application/json").Produces<List<MultiXfer.Ssh.AuthorizedKeyDescription>>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        accounts.MapDelete("/{name}/keys/{fingerprint}", async (string name, string fingerprint, HttpContext http) =>
        {
            // Kestrel leaves %2F encoded in a path segment (a "/" would split it), and base64 fingerprints hold "/".
            var outcome = await operations.RemoveKeyAsync(name, Uri.UnescapeDataString(fingerprint), AdminAuthentication.ActorOf(http), http.RequestAborted);
            return outcome.Error is { } error ? Problem(error) : Results.NoContent();
        }).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapGet("/{name}/usage", async (string name, string? virtualHost, CancellationToken ct) =>
            await context.Quotas.GetAsync(name, virtualHost, ct) is { } usage
                ? Results.Ok(UsageResource.From(name, usage))
                : NotFound($"no user named '{name}'"))
            .Produces<UsageResource>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{name}/usage/scan", async (string name, string? virtualHost, HttpContext http) =>
        {
            if (await context.Quotas.ScanAsync(name, virtualHost, http.RequestAborted) is not { } usage)
            {
                return NotFound($"no user named '{name}'");
            }

            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "quota.scan", name,
                $"{usage.UsedBytes} bytes, {usage.UsedFiles} files", http.RequestAborted);
            return Results.Ok(UsageResource.From(name, usage));
        }).Produces<UsageResource>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapGet("/{name}/sessions", (string name) =>
            Results.Ok(context.Sessions.SessionsOf(name).Select(SessionControl.Describe).ToList()))
            .Produces<List<SessionResource>>();

        accounts.MapDelete("/{name}/sessions", async (string name, HttpContext http) =>
        {
            int ended = context.Sessions.End(context.Sessions.SessionsOf(name), "ended by an admin");
            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "sessions.end", name, $"{ended} sessions", http.RequestAborted);
            return Results.Ok(new SessionsEnded(ended));
        }).Produces<SessionsEnded>();
    }

    private static void MapSessions(RouteGroupBuilder sessions, AdminContext context)
    {
        sessions.MapGet("/", (string? user) => Results.Ok((user is null ? context.Sessions.LoggedIn : context.Sessions.SessionsOf(user))
            .Select(SessionControl.Describe).OrderBy(s => s.ConnectedAt).ToList()))
            .Produces<List<SessionResource>>();

        sessions.MapDelete("/{id}", async (string id, HttpContext http) =>
        {
            if (context.Sessions.Find(id) is not { } session)
            {
                return NotFound($"no session {id}");
            }

            context.Sessions.End([session], "ended by an admin");
            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "session.end", id, session.Activity.User?.Name ?? "-", http.RequestAborted);
            return Results.NoContent();
        }).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Every gateway's sessions (from the shared registry), and ending one wherever it runs.</summary>
    private static void MapClusterSessions(RouteGroupBuilder sessions, AdminContext context)
    {
        sessions.MapGet("/", async (string? user, CancellationToken ct) => context.Cluster is not { } cluster
            ? NotACluster()
            : Results.Ok((await cluster.ListAsync(user, ct)).Select(ClusterSessionResource.From).ToList()))
            .Produces<List<ClusterSessionResource>>().ProducesProblem(StatusCodes.Status404NotFound);

        sessions.MapDelete("/{node}/{id}", async (string node, string id, HttpContext http) =>
        {
            if (context.Cluster is not { } cluster)
            {
                return NotACluster();
            }

            if (node == cluster.Node)
            {
                if (context.Sessions.Find(id) is not { } session)
                {
                    return NotFound($"no session {id} on {node}");
                }

                context.Sessions.End([session], "ended by an admin");
            }
            else if (!await cluster.RequestEndAsync(node, id, http.RequestAborted))
            {
                return NotFound($"no session {id} on a live gateway {node}");
            }

            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "session.end", id, node, http.RequestAborted);
            return Results.Accepted();
        }).Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult NotACluster() =>
        NotFound("this gateway is not part of a cluster (Accounts:Provider is not \"postgresql\")");

    private static void MapTokens(RouteGroupBuilder tokens, AdminContext context)
    {
        tokens.MapGet("/", async (CancellationToken ct) =>
            Results.Ok((await context.Database.Admin.ListTokensAsync(ct)).Select(TokenResource.From).ToList()))
            .Produces<List<TokenResource>>();

        tokens.MapPost("/", async (HttpContext http) =>
        {
            if (await ReadAsync(http, AdminJson.Default.TokenCreation) is not { } creation)
            {
                return Results.Empty;
            }

            if (string.IsNullOrWhiteSpace(creation.Name) || creation.Name.Length > 100 || creation.Scope is not ("read" or "admin"))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    [string.IsNullOrWhiteSpace(creation.Name) || creation.Name.Length > 100 ? "name" : "scope"] =
                        [string.IsNullOrWhiteSpace(creation.Name) || creation.Name.Length > 100 ? "1-100 characters" : "\"read\" or \"admin\""],
                });
            }

            var (token, secret) = await context.Database.Admin.CreateTokenAsync(creation.Name, creation.Scope == "admin" ? TokenScope.Admin : TokenScope.Read,
                creation.ExpiresAt, http.RequestAborted);
            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "token.create", token.Id, $"name={token.Name} scope={creation.Scope}", http.RequestAborted);
            return Results.Created($"/api/v1/tokens/{token.Id}", new CreatedToken(TokenResource.From(token), secret));
        }).Accepts<TokenCreation>("application/json").Produces<CreatedToken>(StatusCodes.Status201Created).ProducesValidationProblem();

        tokens.MapDelete("/{id}", async (string id, HttpContext http) =>
        {
            if (!await context.Database.Admin.RevokeTokenAsync(id, http.RequestAborted))
            {
                return NotFound($"no live token {id}");
            }

            await context.Accounts.AuditAsync(AdminAuthentication.ActorOf(http), "token.revoke", id, "", http.RequestAborted);
            return Results.NoContent();
        }).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// The body as <typeparamref name="T"/>, or null after answering with problem details: not JSON (415), malformed
    /// or with an unknown field (400, naming it), or too large (413).
    /// </summary>
    private static async Task<T?> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type) where T : class
    {
        IResult? problem;
        if (!http.Request.HasJsonContentType())
        {
            problem = Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "send application/json");
        }
        else
        {
            try
            {
                if (await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted) is { } value)
                {
                    return value;
                }

                problem = Invalid("$", "the body must be a JSON object");
            }
            catch (JsonException e)
            {
                string field = e.Path is { Length: > 2 } path ? path[2..] : "$";
                problem = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                    ? Invalid(UnknownMember(e.Message) ?? field, "unknown field")
                    : Invalid(field, "not a valid value here (see the OpenAPI document at /api/v1/openapi.json)");
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                problem = Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large",
                    detail: $"request bodies are at most {AdminApiService.MaxRequestBodyBytes} bytes");
            }
        }

        await problem.ExecuteAsync(http);
        return null;
    }

    /// <summary>System.Text.Json names the unknown property in quotes: "The JSON property 'foo' could not be mapped...".</summary>
    private static string? UnknownMember(string message)
    {
        int start = message.IndexOf('\'');
        int end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    /// <summary>If-Match: "N" as the ETag this API issues; null when absent or not ours.</summary>
    private static long? IfMatch(HttpContext http)
    {
        string value = http.Request.Headers.IfMatch.ToString().Trim();
        return value.Length > 2 && value[0] == '"' && value[^1] == '"' && long.TryParse(value[1..^1], out long version) ? version : null;
    }

    private static IResult Tagged(HttpContext http, Account account, IResult result)
    {
        http.Response.Headers[HeaderNames.ETag] = $"\"{account.Version}\"";
        return result;
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid");

    private static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    private static IResult Problem(OperationError error) => error.Kind switch
    {
        OperationErrorKind.Invalid => Results.ValidationProblem(error.Fields ?? new Dictionary<string, string[]>(), detail: error.Message,
            title: "The request is not valid"),
        OperationErrorKind.NotFound => NotFound(error.Message),
        OperationErrorKind.VersionMismatch => Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Changed since read",
            detail: error.Message),
        _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: error.Message),
    };
}
