using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Certificates;

/// <summary>
/// A host certificate from Ssh:HostCertificates, checked by OpenSSH's ssh with nothing in known_hosts but
/// "@cert-authority" and StrictHostKeyChecking=yes: the connection succeeds without any trust-on-first-use prompt, a
/// client trusting another CA is refused, and a certificate replaced on disk (as a rotation would) takes over without a
/// restart.
/// </summary>
public sealed class HostCertificateTests : IAsyncLifetime
{
    private string _work = null!;
    private CertificateAuthority _hostCa = null!;
    private CertificateAuthority _nextCa = null!;
    private string _certificate = null!;
    private TestServer _server = null!;
    private OpenSshClient _client = null!;

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("mx-ssh-hostcert-").FullName;
        _hostCa = new CertificateAuthority(_work, "host_ca");
        _nextCa = new CertificateAuthority(_work, "next_host_ca", "rsa");
        string hostKey = Path.Combine(_work, "ssh_host_ed25519_key.pub");
        File.WriteAllText(hostKey, SshTestKeys.HostPublicKey("ssh_host_ed25519_key") + "\n");
        string signed = _hostCa.Sign(hostKey, "gateway", "-h", "-n", "127.0.0.1,gateway.example");
        _certificate = Path.Combine(_work, "host-cert.pub");
        File.Move(signed, _certificate);
        _server = await TestServer.StartAsync(settings => settings["Ssh:HostCertificates:0"] = _certificate);
        _client = new OpenSshClient(_server);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_client_trusting_the_host_CA_connects_with_strict_checking()
    {
        TrustOnly(_hostCa);
        await ConnectsAsync();
        Assert.Contains("SSH host certificate loaded: ssh-ed25519-cert-v01@openssh.com id \"gateway\"", _server.ReadLog());
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_client_trusting_another_CA_is_refused()
    {
        TrustOnly(_nextCa);
        await RefusedAsync();
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_replaced_certificate_takes_over_without_a_restart()
    {
        string hostKey = Path.Combine(_work, "next", "ssh_host_ed25519_key.pub");
        Directory.CreateDirectory(Path.GetDirectoryName(hostKey)!);
        File.WriteAllText(hostKey, SshTestKeys.HostPublicKey("ssh_host_ed25519_key") + "\n");
        string next = _nextCa.Sign(hostKey, "gateway-2027", "-h", "-n", "127.0.0.1");
        File.Copy(next, _certificate + ".new", overwrite: true);
        File.Move(_certificate + ".new", _certificate, overwrite: true);
        Assert.True(await SshTestSupport.WaitForLogAsync(_server, "SSH host certificate reloaded", TimeSpan.FromSeconds(15)), _server.ReadLog());

        TrustOnly(_nextCa);
        await ConnectsAsync();
        TrustOnly(_hostCa);
        await RefusedAsync();
    }

    private void TrustOnly(CertificateAuthority ca) =>
        File.WriteAllText(_client.KnownHostsFile, $"@cert-authority [127.0.0.1]:{_server.SshPort} {ca.PublicKeyLine}\n");

    /// <summary>Only the certificate can satisfy a known_hosts holding nothing but a CA, so the ed25519 key alone is offered.</summary>
    private Task<BinaryProcessResult> EchoAsync(byte[] input) =>
        _client.EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey("id_ed25519"), "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com,ssh-ed25519");

    private async Task ConnectsAsync()
    {
        byte[] input = SshTestSupport.RandomBytes(2000);
        string? problem = SshTestSupport.EchoProblem(input, await EchoAsync(input));
        Assert.True(problem is null, problem);
    }

    private async Task RefusedAsync()
    {
        var result = await EchoAsync([1, 2, 3]);
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Host key verification failed", result.Error);
    }
}
