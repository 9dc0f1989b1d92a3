using MultiXfer.TestKit;
using Renci.SshNet;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// SSH.NET 2026.0.1, the card's client library and the only independent client here with mlkem768x25519-sha256:
/// every key exchange, host key, cipher and MAC it shares with the server, one offered at a time, each logging in
/// by password, uploading and downloading over SFTP, and comparing the bytes. The client checks the host key
/// against the server's public key files.
/// </summary>
public sealed class SshNetAlgorithmTests(AllAlgorithmsServer fixture, ITestOutputHelper output) : IClassFixture<AllAlgorithmsServer>
{
    private const int PayloadBytes = 256 * 1024;

    public static TheoryData<string> KeyExchanges => [.. AllAlgorithmsServer.KeyExchanges];

    public static TheoryData<string> HostKeys => [.. AllAlgorithmsServer.HostKeys];

    public static TheoryData<string> Ciphers => [.. AllAlgorithmsServer.AeadCiphers, .. AllAlgorithmsServer.CtrCiphers];

    public static TheoryData<string> Macs => [.. AllAlgorithmsServer.Macs];

    [Theory]
    [MemberData(nameof(KeyExchanges))]
    public void Key_exchange(string kex)
    {
        var info = Connection();
        KeepOnly(info.KeyExchangeAlgorithms, kex);
        Transfer(info);
        // SSH.NET reports the method's own name for an alias (curve25519-sha256 for @libssh.org); with one name offered,
        // the alias is what was agreed.
        Assert.Equal(kex.Replace("@openssh.com", "", StringComparison.Ordinal).Replace("@libssh.org", "", StringComparison.Ordinal),
            info.CurrentKeyExchangeAlgorithm);
    }

    [Theory]
    [MemberData(nameof(HostKeys))]
    public void Host_key(string hostKey)
    {
        var info = Connection();
        KeepOnly(info.HostKeyAlgorithms, hostKey);
        Transfer(info);
        Assert.Equal(hostKey, info.CurrentHostKeyAlgorithm);
    }

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void Cipher(string cipher)
    {
        var info = Connection();
        KeepOnly(info.Encryptions, cipher);
        Transfer(info);
        Assert.Equal(cipher, info.CurrentClientEncryption);
        Assert.Equal(cipher, info.CurrentServerEncryption);
    }

    [Theory]
    [MemberData(nameof(Macs))]
    public void Mac(string mac)
    {
        var info = Connection();
        KeepOnly(info.Encryptions, "aes128-ctr"); // an AEAD cipher would leave the MAC unused
        KeepOnly(info.HmacAlgorithms, mac);
        Transfer(info);
        Assert.Equal(mac, info.CurrentClientHmacAlgorithm);
        Assert.Equal(mac, info.CurrentServerHmacAlgorithm);
    }

    private ConnectionInfo Connection() =>
        new("127.0.0.1", fixture.Server.SshPort, "alice", new PasswordAuthenticationMethod("alice", TestServer.Passwords["alice"]))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

    private static void KeepOnly<T>(IOrderedDictionary<string, T> algorithms, string name)
    {
        Assert.True(algorithms.ContainsKey(name), $"SSH.NET does not offer {name}");
        foreach (string other in algorithms.Keys.Where(k => k != name).ToList())
        {
            algorithms.Remove(other);
        }
    }

    private void Transfer(ConnectionInfo info)
    {
        using var client = new SftpClient(info).TrustingTheTestServer();
        client.Connect();

        byte[] content = SshTestSupport.RandomBytes(PayloadBytes);
        string name = $"sshnet-{Guid.NewGuid():N}.bin";
        client.UploadFile(new MemoryStream(content), name);
        var downloaded = new MemoryStream();
        client.DownloadFile(name, downloaded);
        client.DeleteFile(name);
        Assert.Equal(content, downloaded.ToArray());
        output.WriteLine($"{info.CurrentKeyExchangeAlgorithm} {info.CurrentHostKeyAlgorithm} {info.CurrentClientEncryption} " +
            $"{info.CurrentClientHmacAlgorithm}: {info.ServerVersion}");
    }
}
