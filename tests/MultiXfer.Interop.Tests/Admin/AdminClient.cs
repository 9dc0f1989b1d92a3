using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>The admin API through HttpClient, as any script would call it: JSON in, JSON or problem details out.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;

    public AdminClient(TestServer server, string? token)
    {
        _http = new HttpClient { BaseAddress = server.AdminUri, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public static async Task<AdminClient> ForAsync(TestServer server, MultiXfer.Accounts.TokenScope scope = MultiXfer.Accounts.TokenScope.Admin) =>
        new(server, await server.CreateAdminTokenAsync(scope));

    public async Task<Reply> SendAsync(HttpMethod method, string path, string? json = null, string? ifMatch = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await _http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return new Reply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.ETag?.Tag,
            body.Length == 0 ? null : JsonNode.Parse(body), response.Headers.WwwAuthenticate.ToString());
    }

    public Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<Reply> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, JsonSerializer.Serialize(body));

    public Task<Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates an account and asserts it was created.</summary>
    public async Task<Reply> CreateAccountAsync(object body)
    {
        var reply = await PostAsync("api/v1/accounts", body);
        Assert.True(reply.Status == 201, reply.ToString());
        return reply;
    }

    /// <summary>Polls the session list until <paramref name="predicate"/> holds for the sessions of <paramref name="user"/>.</summary>
    public async Task<JsonArray> WaitForSessionsAsync(string user, Func<JsonArray, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        JsonArray sessions;
        do
        {
            sessions = (await GetAsync($"api/v1/sessions?user={user}")).Body!.AsArray();
            if (predicate(sessions))
            {
                return sessions;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"sessions of {user} never matched: {sessions.ToJsonString()}");
        return sessions;
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record Reply(int Status, string? ContentType, string? ETag, JsonNode? Body, string WwwAuthenticate)
{
    /// <summary>A field's messages in validation problem details.</summary>
    public string FieldErrors(string field) => Body?["errors"]?[field]?.ToJsonString() ?? "";

    public long Version => Body!["version"]!.GetValue<long>();

    public override string ToString() => $"{Status.ToString(CultureInfo.InvariantCulture)} {ContentType} {Body?.ToJsonString()}";
}
