using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>TLS as the binary serves it: the OpenSSL policy it applies, first-start certificates, SIGHUP.</summary>
public sealed class TlsProcessTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Loopback =
    [
        "--Listeners:ftp:Address=127.0.0.1", "--Listeners:ftp:Port=0", "--Listeners:ftps:Address=127.0.0.1", "--Listeners:ftps:Port=0",
        "--Listeners:ssh:Address=127.0.0.1", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0",
        "--Ftp:PassivePorts=",
        // The probes fail handshakes on purpose, which would earn 127.0.0.1 a per-source penalty.
        "--Penalties:Exempt:0=127.0.0.1",
    ];

    private readonly string _work = Directory.CreateTempSubdirectory("mx-tls-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<ProcessResult> SClient(int port, params string[] arguments) =>
        await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-alpn", "ftp", .. arguments],
            TimeSpan.FromSeconds(20), standardInput: "");

    [Fact]
    public async Task Only_TLS_1_2_and_1_3_with_AEAD_suites_are_offered_and_TLS_1_2_sessions_resume()
    {
        await using var server = ServerProcess.Start(_work, Loopback);
        int port = await server.WaitForListenerAsync(StartTimeout, "ftps-implicit");

        Assert.Matches("New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384", (await SClient(port)).Output);
        Assert.Matches("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", (await SClient(port, "-tls1_2")).Output);
        Assert.Matches("New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305",
            (await SClient(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")).Output);
        foreach (string cbc in new[] { "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256" })
        {
            Assert.DoesNotContain("New, TLSv1.2", (await SClient(port, "-tls1_2", "-cipher", cbc)).Output);
        }

        Assert.DoesNotContain("New, TLSv1.1", (await SClient(port, "-tls1_1")).Output);
        Assert.Contains("alert number 120", (await SClient(port, "-alpn", "http/1.1")).Error);

        string session = Path.Combine(_work, "session.pem");
        await SClient(port, "-tls1_2", "-sess_out", session);
        Assert.Contains("Reused, TLSv1.2", (await SClient(port, "-tls1_2", "-sess_in", session)).Output);
    }

    [Fact]
    public async Task First_start_generates_ECDSA_and_RSA_certificates_and_logs_their_fingerprints()
    {
        await using var server = ServerProcess.Start(_work, Loopback);
        await server.WaitForListenerAsync(StartTimeout, "ftps-implicit");
        string keys = Path.Combine(_work, "keys");
        var fingerprint = await ProcessRunner.RunAsync("openssl", ["x509", "-in", Path.Combine(keys, "tls.crt"), "-noout", "-fingerprint", "-sha256"]);
        string hex = fingerprint.Output.Split('=')[1].Trim().Replace(":", "", StringComparison.Ordinal);
        Assert.Contains($"generated a self-signed ECDSA P-256 certificate {Path.Combine(keys, "tls.crt")} for {System.Net.Dns.GetHostName()}; SHA-256 fingerprint {hex}",
            server.Output);
        Assert.Contains("generated a self-signed RSA-3072 certificate", server.Output);
        Assert.Contains("Public-Key: (3072 bit)", (await ProcessRunner.RunAsync("openssl", ["x509", "-in", Path.Combine(keys, "tls-rsa.crt"), "-noout", "-text"])).Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "tls.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "tls-rsa.key")));
        Assert.Contains($"subject=CN = {System.Net.Dns.GetHostName()}", (await SClient(
            await server.WaitForListenerAsync(StartTimeout, "ftps-implicit"))).Output);
    }

    [Fact]
    public async Task SIGHUP_reloads_certificates_no_watcher_could_see_even_under_nohup_and_the_server_keeps_running()
    {
        // current -> v1 is swapped to v2 by renaming a symlink outside any watched directory: only SIGHUP tells. Under
        // nohup, which hands the server SIGHUP ignored: it must take the signal back to reload.
        await MakeCertificate("v1");
        await MakeCertificate("v2");
        string current = Path.Combine(_work, "current");
        File.CreateSymbolicLink(current, Path.Combine(_work, "v1"));
        await using var server = ServerProcess.Start(_work,
            [.. Loopback, $"--Tls:CertificateFile={current}/tls.crt", $"--Tls:KeyFile={current}/tls.key"], underNohup: true);
        int port = await server.WaitForListenerAsync(StartTimeout, "ftps-implicit");
        Assert.Contains("subject=CN = v1", (await SClient(port)).Output);

        string swap = Path.Combine(_work, "swap");
        File.CreateSymbolicLink(swap, Path.Combine(_work, "v2"));
        Assert.Equal(0, (await ProcessRunner.RunAsync("mv", ["-T", swap, current])).ExitCode); // rename(2): atomic swap
        await Task.Delay(1500);
        Assert.Contains("subject=CN = v1", (await SClient(port)).Output);

        server.HangUp();
        string after = "";
        for (int i = 0; i < 50 && !after.Contains("CN = v2", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            after = (await SClient(port)).Output;
        }

        Assert.Contains("subject=CN = v2", after);
        Assert.Contains("TLS certificate reloaded (SIGHUP)", server.Output);
        Assert.False(server.HasExited);
    }

    private async Task MakeCertificate(string name)
    {
        string directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        var result = await ProcessRunner.RunAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Path.Combine(directory, "tls.key"), "-out", Path.Combine(directory, "tls.crt"), "-subj", $"/CN={name}", "-days", "2"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
