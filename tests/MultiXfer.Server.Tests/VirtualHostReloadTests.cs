using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// Virtual hosts reload without a restart: on a change of the --config file and on SIGHUP. New connections see the
/// new hosts, an open connection keeps the catalog it started with, and an invalid file changes nothing.
/// </summary>
public sealed class VirtualHostReloadTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Directory.CreateTempSubdirectory("mx-vhost-").FullName;
    private readonly string _hash = PasswordHasher.HashPbkdf2("erin-pw", 10_000);

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Config(string alphaBanner, string extraHost = "") => $$"""
        {
          "Server": { "DataRoot": "{{_work}}/files", "Banner": "Default site", "KeysDirectory": "{{_work}}/keys" },
          "Listeners": {
            "main": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ftp" },
            "site": { "Address": "127.0.0.1", "Port": 0, "Protocol": "auto", "DetectionSilenceMilliseconds": 100 }
          },
          "Tls": { "CertificateFile": "{{_work}}/keys/tls.crt", "KeyFile": "{{_work}}/keys/tls.key" },
          "Ftp": { "PassivePorts": "" },
          "Users": { "erin": { "PasswordHash": "{{_hash}}" } },
          "VirtualHosts": {
            "alpha": { "HostNames": [ "alpha.test" ], "Listeners": [ "site" ], "Banner": "{{alphaBanner}}" }{{extraHost}}
          }
        }
        """;

    [Fact]
    public async Task New_connections_see_a_changed_file_open_ones_keep_theirs_and_an_invalid_file_changes_nothing()
    {
        string config = Path.Combine(_work, "multixfer.json");
        File.WriteAllText(config, Config("Alpha one"));
        await using var server = ServerProcess.Start(_work, ["--config", config]);
        int main = await server.WaitForListenerAsync(StartTimeout, "ftp");
        int site = await server.WaitForListenerAsync(StartTimeout, "auto");

        var (before, greeting) = await RawFtpClient.ConnectAsync(site);
        await using var _b = before;
        Assert.Equal("220 Alpha one", greeting.Text);

        File.WriteAllText(config, Config("Alpha two", """, "beta": { "HostNames": [ "beta.test" ], "Banner": "Beta" }"""));
        await WaitForAsync(() => server.Output.Contains("configuration reloaded (file change); virtual hosts: alpha, beta", StringComparison.Ordinal));

        var (after, newGreeting) = await RawFtpClient.ConnectAsync(site);
        await using var _a = after;
        Assert.Equal("220 Alpha two", newGreeting.Text);
        Assert.Equal("220 Beta", (await after.CommandAsync("HOST beta.test")).Text);

        // The connection opened before the reload still lives in the old catalog: alpha's old greeting, no beta.
        Assert.Equal("220 Alpha one", (await before.CommandAsync("HOST alpha.test")).Text);
        Assert.Equal(504, (await before.CommandAsync("HOST beta.test")).Code);

        File.WriteAllText(config, Config("Alpha three", """, "beta": { "HostNames": [ "alpha.test" ] }"""));
        await WaitForAsync(() => server.Output.Contains("configuration reload (file change) rejected", StringComparison.Ordinal));
        Assert.Contains("VirtualHosts:beta:HostNames: 'alpha.test' already names alpha", server.Output);
        var (third, thirdGreeting) = await RawFtpClient.ConnectAsync(site);
        await third.DisposeAsync();
        Assert.Equal("220 Alpha two", thirdGreeting.Text);

        // SIGHUP reads the file again as well; the process lives on and the main listener still serves its default host.
        File.WriteAllText(config, Config("Alpha four"));
        await WaitForAsync(() => server.Output.Split("configuration reloaded (file change)").Length == 3);
        server.HangUp();
        await WaitForAsync(() => server.Output.Contains("configuration reloaded (SIGHUP)", StringComparison.Ordinal));
        var (fourth, fourthGreeting) = await RawFtpClient.ConnectAsync(site);
        await fourth.DisposeAsync();
        Assert.Equal("220 Alpha four", fourthGreeting.Text);
        var (plain, plainGreeting) = await RawFtpClient.ConnectAsync(main);
        await plain.DisposeAsync();
        Assert.Equal("220 Default site", plainGreeting.Text);
        Assert.False(server.HasExited);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the reload");
            await Task.Delay(50);
        }
    }
}
