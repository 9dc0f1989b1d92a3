using System.Collections.Concurrent;
using System.Diagnostics;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// One server with every algorithm OpenSSH 9.2 or SSH.NET has in common with this server enabled, shared by the
/// matrices (OpenSSH 9.2 lacks only mlkem768x25519-sha256).
/// </summary>
public sealed class AllAlgorithmsServer : IAsyncLifetime
{
    public static readonly string[] KeyExchanges =
    [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];

    public static readonly string[] HostKeys =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];

    public static readonly string[] AeadCiphers = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];

    public static readonly string[] CtrCiphers = ["aes128-ctr", "aes192-ctr", "aes256-ctr"];

    public static readonly string[] Macs = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"];

    public TestServer Server { get; private set; } = null!;

    public OpenSshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(settings =>
        {
            SshTestSupport.SetList(settings, "Ssh:KexAlgorithms", KeyExchanges);
            SshTestSupport.SetList(settings, "Ssh:HostKeyAlgorithms", HostKeys);
            SshTestSupport.SetList(settings, "Ssh:Ciphers", [.. AeadCiphers, .. CtrCiphers]);
            SshTestSupport.SetList(settings, "Ssh:Macs", Macs);
        }, ecdsaHostKeys: true);
        Client = new OpenSshClient(Server);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Every key exchange × host key × cipher × MAC that OpenSSH 9.2 and the server share, each logging in by key and by
/// password and echoing random bytes through the echo subsystem. The client offers exactly one algorithm of each kind,
/// so a connection that works used that combination. AEAD ciphers have no separate MAC: one run each.
/// </summary>
public sealed class OpenSshAlgorithmMatrixTests(AllAlgorithmsServer fixture, ITestOutputHelper output) : IClassFixture<AllAlgorithmsServer>
{
    /// <summary>Concurrent ssh processes: enough to overlap process start-up and network waits on two cores.</summary>
    private const int Parallelism = 6;

    private const int PayloadBytes = 48 * 1024;

    [ClientFact("ssh")]
    public Task Sntrup761x25519_sha512() => RunAsync("sntrup761x25519-sha512");

    [ClientFact("ssh")]
    public Task Sntrup761x25519_sha512_openssh() => RunAsync("sntrup761x25519-sha512@openssh.com");

    [ClientFact("ssh")]
    public Task Curve25519_sha256() => RunAsync("curve25519-sha256");

    [ClientFact("ssh")]
    public Task Curve25519_sha256_libssh() => RunAsync("curve25519-sha256@libssh.org");

    [ClientFact("ssh")]
    public Task Ecdh_nistp256() => RunAsync("ecdh-sha2-nistp256");

    [ClientFact("ssh")]
    public Task Ecdh_nistp384() => RunAsync("ecdh-sha2-nistp384");

    [ClientFact("ssh")]
    public Task Ecdh_nistp521() => RunAsync("ecdh-sha2-nistp521");

    [ClientFact("ssh")]
    public Task Group_exchange_sha256() => RunAsync("diffie-hellman-group-exchange-sha256");

    [ClientFact("ssh")]
    public Task Group16_sha512() => RunAsync("diffie-hellman-group16-sha512");

    [ClientFact("ssh")]
    public Task Group18_sha512() => RunAsync("diffie-hellman-group18-sha512");

    [ClientFact("ssh")]
    public Task Group14_sha256() => RunAsync("diffie-hellman-group14-sha256");

    /// <summary>The cipher/MAC pairs: each AEAD cipher once, each CTR cipher with each MAC.</summary>
    private static IEnumerable<(string Cipher, string? Mac)> CipherMacPairs() =>
        AllAlgorithmsServer.AeadCiphers.Select(c => (c, (string?)null))
            .Concat(AllAlgorithmsServer.CtrCiphers.SelectMany(c => AllAlgorithmsServer.Macs.Select(m => (c, (string?)m))));

    private async Task RunAsync(string kex)
    {
        var watch = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        using var slots = new SemaphoreSlim(Parallelism);
        var runs = new List<Task>();
        int count = 0;
        foreach (string hostKey in AllAlgorithmsServer.HostKeys)
        {
            foreach (var (cipher, mac) in CipherMacPairs())
            {
                foreach (bool byKey in new[] { true, false })
                {
                    count++;
                    runs.Add(RunOneAsync(slots, failures, kex, hostKey, cipher, mac, byKey));
                }
            }
        }

        await Task.WhenAll(runs);
        output.WriteLine($"{kex}: {count} connections in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {count} combinations failed:\n" + string.Join("\n", failures.Order()));
    }

    private async Task RunOneAsync(SemaphoreSlim slots, ConcurrentBag<string> failures, string kex, string hostKey, string cipher, string? mac,
        bool byKey)
    {
        string[] options = [$"KexAlgorithms={kex}", $"HostKeyAlgorithms={hostKey}", $"Ciphers={cipher}", .. mac is null ? [] : new[] { $"MACs={mac}" }];
        string name = $"{kex} {hostKey} {cipher} {mac ?? "(aead)"} {(byKey ? "publickey" : "password")}";
        byte[] input = SshTestSupport.RandomBytes(PayloadBytes);
        await slots.WaitAsync();
        try
        {
            var result = byKey
                ? await fixture.Client.EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey("id_ed25519"), options)
                : await fixture.Client.EchoWithPasswordAsync(input, "alice", TestServer.Passwords["alice"], "password", options);
            if (SshTestSupport.EchoProblem(input, result) is { } problem)
            {
                failures.Add($"{name}: {problem}");
            }
        }
        catch (Exception e)
        {
            failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            slots.Release();
        }
    }
}
