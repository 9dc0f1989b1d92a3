using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MultiXfer.Server.Certificates;

/// <summary>
/// First-start certificates for the machine's host name: ECDSA P-256 (served by default: small and fast) and
/// RSA-3072 beside it for clients without ECDSA (point Tls:CertificateFile at it). Keys are written 0600.
/// </summary>
internal static class SelfSignedCertificates
{
    public static X509Certificate2 CreateEcdsa(string certificateFile, string keyFile, string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        return Write(request, key.ExportPkcs8PrivateKeyPem(), certificateFile, keyFile, hostName, X509KeyUsageFlags.DigitalSignature);
    }

    public static X509Certificate2 CreateRsa(string certificateFile, string keyFile, string hostName)
    {
        using var key = RSA.Create(3072);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Write(request, key.ExportPkcs8PrivateKeyPem(), certificateFile, keyFile, hostName,
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment);
    }

    private static X509Certificate2 Write(CertificateRequest request, string keyPem, string certificateFile, string keyFile,
        string hostName, X509KeyUsageFlags usage)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        // Key first, then certificate, each complete under a temporary name before it takes its own: a reader
        // never sees half a file, and a certificate never appears before its key.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyFile))!);
        WriteAtomically(keyFile, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteAtomically(certificateFile, certificate.ExportCertificatePem() + "\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return certificate;
    }

    /// <summary>
    /// A fresh temporary file (exclusive create: never a leftover or a planted link, always the requested mode),
    /// flushed to disk, then renamed over the target.
    /// </summary>
    private static void WriteAtomically(string path, string content, UnixFileMode mode)
    {
        string temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions
               {
                   Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode,
               }))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
