using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary>The command line against a running server's admin API.</summary>
internal sealed class HttpAdminClient : IAdminClient
{
    private readonly HttpClient _http;

    public HttpAdminClient(Uri baseAddress, string token)
    {
        // A page of 1,000 accounts is a few MB; nothing the API sends is near this bound.
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60), MaxResponseContentBufferSize = 64 << 20 };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<Outcome<AccountResource>> CreateAccountAsync(AccountSpec spec, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/v1/accounts", JsonContent.Create(spec, AdminJson.Default.AccountSpec), AdminJson.Default.AccountResource, ct);

    public Task<Outcome<AccountResource>> GetAccountAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"api/v1/accounts/{Escape(name)}", null, AdminJson.Default.AccountResource, ct);

    public Task<Outcome<AccountList>> ListAccountsAsync(AccountQuery query, CancellationToken ct)
    {
        var parameters = new List<string> { $"limit={query.Limit}" };
        AddParameter(parameters, "after", query.After);
        AddParameter(parameters, "prefix", query.NamePrefix);
        AddParameter(parameters, "virtualHost", query.VirtualHost);
        AddParameter(parameters, "disabled", query.Disabled?.ToString().ToLowerInvariant());
        return SendAsync(HttpMethod.Get, "api/v1/accounts?" + string.Join('&', parameters), null, AdminJson.Default.AccountList, ct);
    }

    public Task<Outcome<AccountResource>> ReplaceAccountAsync(string name, AccountSpec spec, long version, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"api/v1/accounts/{Escape(name)}", JsonContent.Create(spec, AdminJson.Default.AccountSpec),
            AdminJson.Default.AccountResource, ct, ifMatch: version);

    public async Task<Outcome<AccountResource>> SetPasswordAsync(string name, string password, CancellationToken ct)
    {
        var changed = await SendAsync<object>(HttpMethod.Post, $"api/v1/accounts/{Escape(name)}/password",
            JsonContent.Create(new PasswordChange(password), AdminJson.Default.PasswordChange), null, ct);
        return changed.Error is { } error ? error : await GetAccountAsync(name, ct);
    }

    public Task<Outcome<AccountResource>> SetDisabledAsync(string name, bool disabled, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/accounts/{Escape(name)}/{(disabled ? "disable" : "enable")}", null, AdminJson.Default.AccountResource, ct);

    public async Task<OperationError?> DeleteAccountAsync(string name, CancellationToken ct) =>
        (await SendAsync<object>(HttpMethod.Delete, $"api/v1/accounts/{Escape(name)}", null, null, ct)).Error;

    public async Task<Outcome<AccountResource>> AddKeyAsync(string name, string line, CancellationToken ct)
    {
        var added = await SendAsync<object>(HttpMethod.Post, $"api/v1/accounts/{Escape(name)}/keys",
            JsonContent.Create(new KeyAddition(line), AdminJson.Default.KeyAddition), null, ct);
        return added.Error is { } error ? error : await GetAccountAsync(name, ct);
    }

    public async Task<OperationError?> RemoveKeyAsync(string name, string fingerprint, CancellationToken ct) =>
        (await SendAsync<object>(HttpMethod.Delete, $"api/v1/accounts/{Escape(name)}/keys/{Escape(fingerprint)}", null, null, ct)).Error;

    public Task<Outcome<List<SessionResource>>> ListSessionsAsync(string? user, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/sessions" + (user is null ? "" : $"?user={Escape(user)}"), null, AdminJson.Default.ListSessionResource, ct);

    public async Task<Outcome<int>> EndSessionsAsync(string? id, string? user, CancellationToken ct)
    {
        if (id is not null)
        {
            var ended = await SendAsync<object>(HttpMethod.Delete, $"api/v1/sessions/{Escape(id)}", null, null, ct);
            return ended.Error is { } error ? error : 1;
        }

        var all = await SendAsync(HttpMethod.Delete, $"api/v1/accounts/{Escape(user!)}/sessions", null, AdminJson.Default.SessionsEnded, ct);
        return all.Error is { } failed ? failed : all.Value!.Ended;
    }

    public Task<Outcome<UsageResource>> GetUsageAsync(string name, string? virtualHost, bool scan, CancellationToken ct) =>
        SendAsync(scan ? HttpMethod.Post : HttpMethod.Get,
            $"api/v1/accounts/{Escape(name)}/usage{(scan ? "/scan" : "")}{(virtualHost is null ? "" : $"?virtualHost={Escape(virtualHost)}")}",
            null, AdminJson.Default.UsageResource, ct);

    public Task<Outcome<List<HostKeyResource>>> ListHostKeysAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/hostkeys", null, AdminJson.Default.ListHostKeyResource, ct);

    public Task<Outcome<List<HostKeyResource>>> RotateHostKeyAsync(string step, HostKeyRotation rotation, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/hostkeys/{step}", JsonContent.Create(rotation, AdminJson.Default.HostKeyRotation),
            AdminJson.Default.ListHostKeyResource, ct);

    public Task<Outcome<CreatedToken>> CreateTokenAsync(TokenCreation creation, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/v1/tokens", JsonContent.Create(creation, AdminJson.Default.TokenCreation), AdminJson.Default.CreatedToken, ct);

    public Task<Outcome<List<TokenResource>>> ListTokensAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/tokens", null, AdminJson.Default.ListTokenResource, ct);

    public async Task<OperationError?> RevokeTokenAsync(string id, CancellationToken ct) =>
        (await SendAsync<object>(HttpMethod.Delete, $"api/v1/tokens/{Escape(id)}", null, null, ct)).Error;

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<Outcome<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T>? type, CancellationToken ct,
        long? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        if (ifMatch is { } version)
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        }

        using var response = await _http.SendAsync(request, ct);
        if (response.IsSuccessStatusCode)
        {
            return type is null || response.StatusCode == HttpStatusCode.NoContent
                ? new Outcome<T>(default, null)
                : (await response.Content.ReadFromJsonAsync(type, ct))!;
        }

        return await ErrorOf(response, ct);
    }

    /// <summary>Problem details back into the error the offline client would have given.</summary>
    private static async Task<OperationError> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        string detail = response.ReasonPhrase ?? response.StatusCode.ToString();
        Dictionary<string, string[]>? fields = null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (problem.RootElement.TryGetProperty("detail", out var text) && text.ValueKind == JsonValueKind.String)
            {
                detail = text.GetString()!;
            }
            else if (problem.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
            {
                detail = title.GetString()!;
            }

            if (problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                fields = errors.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray());
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page): the status line says enough.
        }

        var kind = response.StatusCode switch
        {
            HttpStatusCode.NotFound => OperationErrorKind.NotFound,
            HttpStatusCode.Conflict => OperationErrorKind.Conflict,
            HttpStatusCode.PreconditionFailed => OperationErrorKind.VersionMismatch,
            _ => OperationErrorKind.Invalid,
        };
        return new OperationError(kind, $"{(int)response.StatusCode}: {detail}", fields);
    }

    private static void AddParameter(List<string> parameters, string name, string? value)
    {
        if (value is not null)
        {
            parameters.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
