using MultiXfer.Interop.Tests.Admin;
using MultiXfer.TestKit;
using static MultiXfer.Interop.Tests.FrontEnd.FrontEndSupport;

namespace MultiXfer.Interop.Tests.Limits;

/// <summary>
/// An account's allowed networks judge the client a trusted proxy relays, not the proxy: behind HAProxy (which
/// connects from 127.0.0.9 for everyone) a client from 127.0.0.5 gets in and one from 127.0.0.6 does not.
/// </summary>
public sealed class NetworkLimitTests
{
    private const string Password = "gina-secret-1";

    [ClientFact(HaproxyProcess.Executable, "curl")]
    public async Task Allowed_networks_judge_the_address_a_PROXY_header_relays_over_FTP_and_SFTP()
    {
        await using var server = await TestServer.StartAsync(s =>
        {
            s["Listeners:auto:ProxyProtocol"] = "required";
            s["Listeners:auto:TrustedProxies:0"] = "127.0.0.9/32";
        });
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync($"""
            frontend fe_auto
                bind 127.0.0.1:{Text(front)}
                default_backend be_auto
            backend be_auto
                server mx 127.0.0.1:{Text(server.AutoPort)} send-proxy-v2 source 127.0.0.9
            """);
        using var admin = await AdminClient.ForAsync(server);
        await admin.CreateAccountAsync(new { name = "gina", password = Password, allowedNetworks = new[] { "127.0.0.5/32" } });
        string work = NewWorkDirectory(server);

        foreach (string scheme in new[] { "ftp", "sftp" })
        {
            string url = $"{scheme}://127.0.0.1:{Text(front)}/";
            var allowed = await CurlAsync(work, ClientAddress, "-k", "-u", $"gina:{Password}", url);
            AssertOk(allowed);
            var refused = await CurlAsync(work, OtherAddress, "-k", "-u", $"gina:{Password}", url);
            Assert.True(refused.ExitCode is 67, $"{scheme} from 127.0.0.6: {refused}");
        }

        Assert.Contains("127.0.0.6", server.ReadLog());
    }
}
