using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MultiXfer.Server.Tests;

/// <summary>Admin:BootstrapTokenFile, as a container is given its first admin token: a file from a secret, read at start.</summary>
public sealed partial class AdminTokenBootstrapTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("mx-boot-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string NewToken() =>
        $"mxt_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}";

    private string[] Arguments(string tokenFile) =>
    [
        "--Listeners:ftp:Address=127.0.0.1", "--Listeners:ftp:Port=0", "--Listeners:ftps:Address=127.0.0.1", "--Listeners:ftps:Port=0",
        "--Listeners:ssh:Address=127.0.0.1", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0",
        "--Ftp:PassivePorts=", "--Admin:Port=0", $"--Admin:BootstrapTokenFile={tokenFile}",
    ];

    private static async Task<HttpStatusCode> ListAccountsAsync(int port, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/api/v1/accounts");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<int> AdminPortAsync(ServerProcess server)
    {
        await server.WaitForListenerAsync(StartTimeout);
        return int.Parse(AdminListening().Match(server.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_file_s_token_works_from_the_first_start_and_a_new_one_retires_it()
    {
        string file = Path.Combine(_work, "admin-token");
        string first = NewToken();
        await File.WriteAllTextAsync(file, first + "\n");
        await using (var server = ServerProcess.Start(_work, Arguments(file)))
        {
            int port = await AdminPortAsync(server);
            Assert.Equal(HttpStatusCode.OK, await ListAccountsAsync(port, first));
            Assert.Equal(HttpStatusCode.Unauthorized, await ListAccountsAsync(port, NewToken()));
            Assert.DoesNotContain(first[21..], server.Output + server.Error);
            server.Terminate();
            await server.WaitForExitAsync(StartTimeout);
        }

        string second = NewToken();
        await File.WriteAllTextAsync(file, second);
        await using var again = ServerProcess.Start(_work, Arguments(file));
        int againPort = await AdminPortAsync(again);
        Assert.Equal(HttpStatusCode.OK, await ListAccountsAsync(againPort, second));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListAccountsAsync(againPort, first));
    }

    [Fact]
    public async Task A_file_that_holds_no_token_stops_start_up_naming_the_key()
    {
        string file = Path.Combine(_work, "admin-token");
        await File.WriteAllTextAsync(file, "mxt_0123456789abcdef_short");
        await using var server = ServerProcess.Start(_work, Arguments(file));
        Assert.Equal(2, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains("Admin:BootstrapTokenFile", server.Error);
        Assert.DoesNotContain("short", server.Error);
    }

    [GeneratedRegex(@"admin API listening on [^:\s]+:(\d+)")]
    private static partial Regex AdminListening();
}
