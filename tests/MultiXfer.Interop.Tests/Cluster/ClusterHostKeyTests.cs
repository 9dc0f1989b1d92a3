using System.Diagnostics;
using System.Globalization;
using MultiXfer.Interop.Tests.Admin;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Cluster;

/// <summary>
/// Host key rotation once for a cluster: two gateways sharing PostgreSQL and one keys directory, a rotation driven
/// through one gateway's API, and OpenSSH's ssh-keyscan and the other gateway's API showing every step on both.
/// </summary>
public sealed class ClusterHostKeyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Ed25519 = "ssh-ed25519";

    [ClientFact("ssh-keyscan")]
    public async Task Stage_promote_and_retire_through_one_gateway_take_effect_on_every_gateway()
    {
        var keys = Directory.CreateTempSubdirectory("mx-cluster-keys-");
        SshTestKeys.CopyHostKeys(keys.FullName, includeEcdsa: false);
        string connection = await postgres.Server.CreateDatabaseAsync();
        var gateways = new List<TestServer>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                int node = i;
                gateways.Add(await TestServer.StartAsync(s =>
                {
                    s["Accounts:Provider"] = "postgresql";
                    s["Accounts:ConnectionString"] = connection;
                    s["Server:KeysDirectory"] = keys.FullName;
                    s["Cluster:NodeName"] = $"keys-{node.ToString(CultureInfo.InvariantCulture)}";
                }));
            }

            using var rotating = await AdminClient.ForAsync(gateways[0]);
            using var other = await AdminClient.ForAsync(gateways[1]);
            string original = await ScanAsync(gateways[1]);

            var staged = await rotating.PostAsync("api/v1/hostkeys/stage", new { type = Ed25519 });
            Assert.Equal(200, staged.Status);
            string next = staged.Body!.AsArray().Single(k => k!["state"]!.GetValue<string>() == "staged")!["fingerprint"]!.GetValue<string>();
            await WaitForAsync(other, keys => keys.Contains(("staged", next)), "the staged key on the other gateway");
            Assert.Equal(original, await ScanAsync(gateways[1])); // announced, not signing yet

            Assert.Equal(200, (await rotating.PostAsync("api/v1/hostkeys/promote", new { type = Ed25519 })).Status);
            await WaitForAsync(other, keys => keys.Contains(("active", next)), "the promoted key on the other gateway");
            string promoted = await ScanAsync(gateways[1]);
            Assert.NotEqual(original, promoted);
            Assert.Equal(promoted, await ScanAsync(gateways[0]));

            Assert.Equal(200, (await rotating.PostAsync("api/v1/hostkeys/retire", new { type = Ed25519 })).Status);
            await WaitForAsync(other, keys => !keys.Any(k => k.State == "retiring"), "the retired key gone from the other gateway");
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }

            keys.Delete(recursive: true);
        }
    }

    /// <summary>The ed25519 host key a gateway's SSH listener presents, as ssh-keyscan prints it.</summary>
    private static async Task<string> ScanAsync(TestServer gateway)
    {
        var scan = await ProcessRunner.RunAsync("ssh-keyscan", ["-t", "ed25519", "-p", gateway.SshPort.ToString(CultureInfo.InvariantCulture), "127.0.0.1"]);
        string line = scan.Output.Split('\n').Single(l => l.Contains(Ed25519, StringComparison.Ordinal));
        return string.Join(' ', line.Split(' ').Skip(1).Take(2));
    }

    private static async Task WaitForAsync(AdminClient admin, Func<List<(string State, string Fingerprint)>, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = (await admin.GetAsync("api/v1/hostkeys")).Body!.AsArray()
                .Where(k => k!["algorithm"]!.GetValue<string>() == Ed25519)
                .Select(k => (k!["state"]!.GetValue<string>(), k["fingerprint"]!.GetValue<string>())).ToList();
            if (done(listed))
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"waited for {what}: {string.Join(", ", listed)}");
            await Task.Delay(50);
        }
    }
}
