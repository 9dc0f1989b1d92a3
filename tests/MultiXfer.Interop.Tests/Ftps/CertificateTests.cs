using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MultiXfer.Server.Certificates;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftps;

/// <summary>Certificates chosen by SNI, and rotated while clients stay connected.</summary>
public sealed class CertificateTests
{
    private static string Fingerprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    private static async Task<X509Certificate2> PresentedAsync(int port, string? serverName = "localhost")
    {
        var (client, _) = await RawFtpClient.ConnectImplicitAsync(port, serverName);
        await using var _c = client;
        return client.ServerCertificate!;
    }

    [Fact]
    public async Task A_replaced_certificate_is_served_to_new_connections_while_an_open_one_finishes_its_transfer()
    {
        await using var server = await TestServer.StartAsync();
        var before = await PresentedAsync(server.FtpsPort);

        // An implicit FTPS session in the middle of a protected upload.
        var (client, _) = await RawFtpClient.ConnectImplicitAsync(server.FtpsPort);
        await using var _c = client;
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        await client.ExpectAsync("TYPE I", 200);
        using var data = await client.OpenPassiveAsync();
        await client.SendAsync("STOR during-rotation.bin");
        Assert.Equal(150, (await client.ReadAsync()).Code);
        var upload = await TlsClient.ConnectAsync(data.GetStream());
        await upload.WriteAsync(new byte[300_000]);

        // Rotate: new key and certificate written over the old files, as certbot's deploy step would.
        string staging = Directory.CreateTempSubdirectory("mx-rotate-").FullName;
        using var fresh = SelfSignedCertificates.CreateEcdsa(Path.Combine(staging, "tls.crt"), Path.Combine(staging, "tls.key"), "rotated.test");
        File.Copy(Path.Combine(staging, "tls.key"), Path.Combine(server.KeysDirectory, "tls.key"), overwrite: true);
        File.Copy(Path.Combine(staging, "tls.crt"), server.CertificateFile, overwrite: true);

        X509Certificate2 after = before;
        for (int i = 0; i < 100 && Fingerprint(after) == Fingerprint(before); i++)
        {
            await Task.Delay(100);
            after = await PresentedAsync(server.FtpsPort);
        }

        Assert.Equal(Fingerprint(fresh), Fingerprint(after));
        Assert.Contains("reloaded (file change)", server.ReadLog());

        // The session that began under the old certificate completes its upload and goes on.
        await upload.WriteAsync(new byte[300_000]);
        await upload.ShutdownAsync();
        await upload.DisposeAsync();
        data.Dispose();
        Assert.Equal(226, (await client.ReadAsync()).Code);
        Assert.Equal(600_000, new FileInfo(Path.Combine(server.HomeOf("alice"), "during-rotation.bin")).Length);
        Assert.Equal(257, (await client.CommandAsync("PWD")).Code);

        // A broken replacement is refused and the last good certificate stays in service.
        File.WriteAllText(server.CertificateFile, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        for (int i = 0; i < 100 && !server.ReadLog().Contains("reload (file change) failed", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("the previous certificates stay in use", server.ReadLog());
        Assert.Equal(Fingerprint(fresh), Fingerprint(await PresentedAsync(server.FtpsPort)));
        Directory.Delete(staging, recursive: true);
    }

    [ClientFact("openssl")]
    public async Task PKCS12_files_and_encrypted_PEM_keys_load()
    {
        string directory = Directory.CreateTempSubdirectory("mx-formats-").FullName;
        try
        {
            using var pemCertificate = SelfSignedCertificates.CreateEcdsa(Path.Combine(directory, "p.crt"), Path.Combine(directory, "p.key"), "pkcs12.test");
            var export = await ProcessRunner.RunAsync("openssl", ["pkcs12", "-export", "-in", Path.Combine(directory, "p.crt"), "-inkey",
                Path.Combine(directory, "p.key"), "-out", Path.Combine(directory, "bundle.pfx"), "-passout", "pass:pfx-secret"]);
            Assert.True(export.ExitCode == 0, export.ToString());
            using var encrypted = SelfSignedCertificates.CreateEcdsa(Path.Combine(directory, "e.crt"), Path.Combine(directory, "plain.key"), "encrypted.test");
            var encrypt = await ProcessRunner.RunAsync("openssl", ["pkcs8", "-topk8", "-in", Path.Combine(directory, "plain.key"), "-out",
                Path.Combine(directory, "e.key"), "-v2", "aes-256-cbc", "-passout", "pass:pem-secret"]);
            Assert.True(encrypt.ExitCode == 0, encrypt.ToString());

            await using var server = await TestServer.StartAsync(c =>
            {
                c["Tls:CertificateFile"] = Path.Combine(directory, "bundle.pfx");
                c["Tls:KeyFile"] = "";
                c["Tls:Password"] = "pfx-secret";
                c["Tls:Certificates:0:CertificateFile"] = Path.Combine(directory, "e.crt");
                c["Tls:Certificates:0:KeyFile"] = Path.Combine(directory, "e.key");
                c["Tls:Certificates:0:Password"] = "pem-secret";
            });
            Assert.Equal(Fingerprint(pemCertificate), Fingerprint(await PresentedAsync(server.FtpsPort)));
            Assert.Equal(Fingerprint(encrypted), Fingerprint(await PresentedAsync(server.FtpsPort, "encrypted.test")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_stops_start_up_naming_the_key()
    {
        string directory = Directory.CreateTempSubdirectory("mx-badcert-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "bad.crt"), "garbage");
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(c =>
            {
                c["Tls:CertificateFile"] = Path.Combine(directory, "bad.crt");
                c["Tls:KeyFile"] = Path.Combine(directory, "bad.key");
            }));
            Assert.Contains("Tls:CertificateFile: cannot load", error.Message);
            var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(c =>
                c["Tls:CertificateFile"] = Path.Combine(directory, "absent.crt")));
            Assert.Contains("does not exist (self-signed certificates are generated only inside Server:KeysDirectory", missing.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task SNI_selects_among_several_certificates_with_a_default()
    {
        string extra = Directory.CreateTempSubdirectory("mx-sni-").FullName;
        try
        {
            using var named = SelfSignedCertificates.CreateEcdsa(Path.Combine(extra, "a.crt"), Path.Combine(extra, "a.key"), "files.example.test");
            using var wildcard = SelfSignedCertificates.CreateRsa(Path.Combine(extra, "w.crt"), Path.Combine(extra, "w.key"), "wild");
            await using var server = await TestServer.StartAsync(c =>
            {
                c["Tls:Certificates:0:CertificateFile"] = Path.Combine(extra, "a.crt");
                c["Tls:Certificates:0:KeyFile"] = Path.Combine(extra, "a.key");
                c["Tls:Certificates:1:CertificateFile"] = Path.Combine(extra, "w.crt");
                c["Tls:Certificates:1:KeyFile"] = Path.Combine(extra, "w.key");
                c["Tls:Certificates:1:ServerNames:0"] = "*.wild.test";
            });
            var defaultCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(server.CertificateFile));

            // Names from the certificate's own subject alternative names, an explicit wildcard, and the default.
            Assert.Equal(Fingerprint(named), Fingerprint(await PresentedAsync(server.FtpsPort, "files.example.test")));
            Assert.Equal(Fingerprint(wildcard), Fingerprint(await PresentedAsync(server.FtpsPort, "ftp.wild.test")));
            Assert.Equal(Fingerprint(defaultCertificate), Fingerprint(await PresentedAsync(server.FtpsPort, "unknown.test")));
            Assert.Equal(Fingerprint(defaultCertificate), Fingerprint(await PresentedAsync(server.FtpsPort, null)));

            // Explicit FTPS: AUTH TLS selects by SNI the same way, and the name is recorded for the session.
            var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
            await using var _c = client;
            await client.ExpectAsync("AUTH TLS", 234);
            await client.StartTlsAsync("files.example.test");
            Assert.Equal(Fingerprint(named), Fingerprint(client.ServerCertificate!));
            await client.ExpectAsync("NOOP", 200);
            Assert.Contains("SNI files.example.test", server.ReadLog());

            // A data connection that sends no SNI gets the control connection's certificate, not the default.
            await client.ExpectAsync("USER alice", 331);
            await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
            await client.ExpectAsync("PBSZ 0", 200);
            await client.ExpectAsync("PROT P", 200);
            using var data = await client.OpenPassiveAsync();
            await client.SendAsync("LIST");
            Assert.Equal(150, (await client.ReadAsync()).Code);
            await using var tls = await TlsClient.ConnectAsync(data.GetStream(), serverName: null);
            Assert.Equal(Fingerprint(named), Fingerprint(new X509Certificate2(tls.RemoteCertificate!)));
            await tls.CopyToAsync(Stream.Null);
            Assert.Equal(226, (await client.ReadAsync()).Code);
        }
        finally
        {
            Directory.Delete(extra, recursive: true);
        }
    }
}
