using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Certificates;

/// <summary>
/// A CA made by ssh-keygen in a directory of its own, signing copies of user and host keys exactly as an operator
/// would: <c>ssh-keygen -s CA -I ID -n PRINCIPALS [-h] [-V ...] [-O ...] [-z SERIAL] KEY.pub</c>.
/// </summary>
internal sealed class CertificateAuthority
{
    private readonly string _directory;
    private readonly string _key;
    private int _issued;

    public CertificateAuthority(string directory, string name, string type = "ed25519")
    {
        _directory = directory;
        _key = SshTestKeys.GenerateKey(directory, name, "-t", type);
        PublicKeyLine = File.ReadAllText(_key + ".pub").Trim();
    }

    /// <summary>"ssh-ed25519 AAAA... name", as TrustedUserCAKeys, cert-authority lines and @cert-authority take it.</summary>
    public string PublicKeyLine { get; }

    public string PublicKeyFile => _key + ".pub";

    /// <summary>
    /// A copy of <paramref name="keyFile"/> (private and public) with a certificate beside it (KEY-cert.pub, where ssh
    /// looks for it); returns the copy's private key path. <paramref name="arguments"/> go to ssh-keygen before the key.
    /// </summary>
    public string Certify(string keyFile, string keyId, params string[] arguments)
    {
        string copy = Path.Combine(_directory, $"{keyId}-{Interlocked.Increment(ref _issued)}");
        File.Copy(keyFile, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Copy(keyFile + ".pub", copy + ".pub");
        Sign(copy + ".pub", keyId, arguments);
        return copy;
    }

    /// <summary>Signs a public key file in place: ssh-keygen writes NAME-cert.pub beside it; returns that path.</summary>
    public string Sign(string publicKeyFile, string keyId, params string[] arguments)
    {
        var result = ProcessRunner.RunAsync("ssh-keygen", ["-q", "-s", _key, "-I", keyId, .. arguments, publicKeyFile]).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"ssh-keygen -s failed: {result}");
        return publicKeyFile[..^".pub".Length] + "-cert.pub";
    }
}
