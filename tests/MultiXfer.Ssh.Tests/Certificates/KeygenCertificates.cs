using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Tests.Keys;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// CA and user keys made once by ssh-keygen (one of each type), with certificates and KRLs made from them on demand by
/// ssh-keygen itself: the parsers are checked against what OpenSSH really writes, not against our own idea of it.
/// Files are named ca-KIND and user-KIND (KIND one of <see cref="Kinds"/>), each with its .pub.
/// </summary>
public sealed class KeygenCertificates : IDisposable
{
    public static readonly string[] Kinds = ["ed25519", "ecdsa", "rsa"];

    private readonly TempDirectory _directory = new();
    private int _files;

    public KeygenCertificates()
    {
        foreach (string kind in Kinds)
        {
            Generate($"ca-{kind}", kind);
            Generate($"user-{kind}", kind);
        }

        // A second user key of the same type, to show a revocation or a grant does not spill over to another key.
        Generate("user-other", "ed25519");
    }

    public static TheoryData<string> KindData() => [.. Kinds];

    public string Path(string name) => _directory.Path(name);

    /// <summary>"type base64 comment" of NAME.pub as ssh-keygen wrote it.</summary>
    public string PublicLine(string name) => File.ReadAllText(Path(name) + ".pub").Trim();

    internal SshPublicKey PublicKey(string name) => AuthorizedKeys.ParseLine(PublicLine(name), SshPublicKey.DefaultMinimumRsaBits).Key;

    /// <summary>The CA's private key, loaded by our own reader, to sign hand-edited certificates.</summary>
    internal SshHostKey CaPrivateKey(string kind) => PrivateKeyFile.Load(File.ReadAllText(Path($"ca-{kind}")));

    /// <summary>
    /// <c>ssh-keygen -s ca-CA -I keyId ARGUMENTS</c> over a fresh copy of user-USER.pub (so tests running at once never
    /// share an output file); returns the path of the -cert.pub ssh-keygen wrote.
    /// </summary>
    public string CertificateFile(string ca, string user, string keyId, params string[] arguments)
    {
        string copy = NewPath("key") + ".pub";
        File.Copy(Path($"user-{user}") + ".pub", copy);
        Tool.SshKeygen(["-q", "-s", Path($"ca-{ca}"), "-I", keyId, .. arguments, copy]);
        return copy[..^".pub".Length] + "-cert.pub";
    }

    /// <summary>An ed25519 user key certified by the ed25519 CA with id "keyid" and ARGUMENTS.</summary>
    public string IssueFile(params string[] arguments) => CertificateFile("ed25519", "ed25519", "keyid", arguments);

    public static byte[] Blob(string certificateFile) => Convert.FromBase64String(File.ReadAllText(certificateFile).Split(' ')[1]);

    internal static SshCertificate Parse(string certificateFile)
    {
        Assert.True(SshCertificate.TryParse(Blob(certificateFile), out var certificate, out string problem), problem);
        return certificate;
    }

    /// <summary><see cref="IssueFile"/>, parsed.</summary>
    internal SshCertificate Issue(params string[] arguments) => Parse(IssueFile(arguments));

    /// <summary>
    /// <c>ssh-keygen -k -f KRL [-s CA.pub] SPEC</c> with the given specification lines; <paramref name="ca"/> is a key
    /// kind, "none" (ssh-keygen's wildcard CA) or null (no -s). Returns the KRL's path.
    /// </summary>
    public string KrlFromSpec(string? ca, params string[] specLines)
    {
        string krl = NewPath("krl");
        WriteKrl(krl, update: false, ca, specLines);
        return krl;
    }

    /// <summary><c>ssh-keygen -k -u -f KRL [-s CA.pub] SPEC</c>: adds to an existing KRL.</summary>
    public void UpdateKrl(string krl, string? ca, params string[] specLines) => WriteKrl(krl, update: true, ca, specLines);

    /// <summary><c>ssh-keygen -k -f KRL FILES</c>: revokes the keys (and certificates) in those public key files.</summary>
    public string KrlOfKeys(params string[] keyFiles)
    {
        string krl = NewPath("krl");
        Tool.SshKeygen(["-q", "-k", "-f", krl, .. keyFiles]);
        return krl;
    }

    /// <summary>What <c>ssh-keygen -Q -f KRL FILE</c> says about a key or certificate file: exit 1 and REVOKED, or exit 0.</summary>
    public static bool KeygenSaysRevoked(string krl, string keyFile)
    {
        var result = Tool.Run("ssh-keygen", ["-Q", "-f", krl, keyFile]);
        Assert.True(result.ExitCode is 0 or 1, $"ssh-keygen -Q failed: {result.Stderr}");
        Assert.Equal(result.ExitCode == 1, result.Stdout.Contains("REVOKED", StringComparison.Ordinal));
        return result.ExitCode == 1;
    }

    /// <summary>A path no other call returned, for a file of the test's own.</summary>
    public string NewPath(string prefix) => Path(NewName(prefix));

    public void Dispose() => _directory.Dispose();

    private void WriteKrl(string krl, bool update, string? ca, string[] specLines)
    {
        string spec = _directory.Write(NewName("spec"), string.Join('\n', specLines) + "\n");
        string[] caArguments = ca switch
        {
            null => [],
            "none" => ["-s", "none"],
            _ => ["-s", Path($"ca-{ca}") + ".pub"],
        };
        Tool.SshKeygen(["-q", "-k", .. update ? ["-u"] : Array.Empty<string>(), "-f", krl, .. caArguments, spec]);
    }

    private string NewName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _files)}";

    private void Generate(string name, string type)
    {
        string[] size = type switch
        {
            "rsa" => ["-b", "2048"],
            "ecdsa" => ["-b", "256"],
            _ => [],
        };
        Tool.SshKeygen(["-q", "-t", type, .. size, "-N", "", "-C", name, "-f", Path(name)]);
    }
}

[CollectionDefinition(Name)]
public sealed class KeygenCertificatesCollection : ICollectionFixture<KeygenCertificates>
{
    public const string Name = "ssh-keygen certificates";
}
