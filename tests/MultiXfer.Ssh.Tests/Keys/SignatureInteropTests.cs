using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>Signatures cross-checked with OpenSSH through SSHSIG (PROTOCOL.sshsig), in both directions.</summary>
[Collection(KeygenCollection.Name)]
public sealed class SignatureInteropTests(KeygenKeys keygen)
{
    private const string Namespace = "file";

    public static TheoryData<string> KeygenKinds => [.. KeygenKeys.Kinds];

    public static TheoryData<string, string> OurKindsAndAlgorithms => new()
    {
        { "ed25519", "ssh-ed25519" },
        { "ecdsa-nistp256", "ecdsa-sha2-nistp256" },
        { "ecdsa-nistp384", "ecdsa-sha2-nistp384" },
        { "ecdsa-nistp521", "ecdsa-sha2-nistp521" },
        { "rsa", "rsa-sha2-256" },
        { "rsa", "rsa-sha2-512" },
    };

    [Theory]
    [MemberData(nameof(KeygenKinds))]
    public void OpenSsh_signatures_verify_with_our_public_key(string kind)
    {
        using var directory = new TempDirectory();
        byte[] message = Encoding.UTF8.GetBytes($"signed by ssh-keygen with {kind}");
        string messagePath = directory.Write("message", Encoding.UTF8.GetString(message));
        Tool.SshKeygen("-Y", "sign", "-f", keygen.PathOf(kind), "-n", Namespace, messagePath);
        var sshsig = SshSig.Dearmor(File.ReadAllText(messagePath + ".sig"));

        Assert.True(SshPublicKey.TryParse(sshsig.PublicKey, out var key, out string problem), problem);
        Assert.Equal(Tool.KeygenPublicKey(keygen.PathOf(kind)), PrivateKeyFile.PublicKeyLine(key, ""));
        HashSet<string> all = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512"];
        string used = key is RsaPublicKey ? "rsa-sha2-512" : key.KeyType;
        var signed = SshSig.SignedData(Namespace, sshsig.HashAlgorithm, message);

        Assert.True(key.Verify(signed, sshsig.Signature, all));
        Assert.False(key.Verify(SshSig.SignedData(Namespace, sshsig.HashAlgorithm, [.. message, 0]), sshsig.Signature, all));
        Assert.False(key.Verify(SshSig.SignedData("other", sshsig.HashAlgorithm, message), sshsig.Signature, all));
        Assert.False(key.Verify(signed, sshsig.Signature, new HashSet<string>(all.Where(a => a != used))));
    }

    [Theory]
    [MemberData(nameof(OurKindsAndAlgorithms))]
    public void Our_signatures_verify_in_OpenSsh(string kind, string algorithm)
    {
        using var directory = new TempDirectory();
        using var key = SshHostKey.Generate(kind);
        const string Message = "signed by MultiXfer";
        byte[] signed = SshSig.SignedData(Namespace, "sha512", Encoding.UTF8.GetBytes(Message));
        string armored = SshSig.Armor(key.PublicKey.Blob, Namespace, "sha512", key.Sign(algorithm, signed));
        string signature = directory.Write("message.sig", armored);
        string allowedSigners = directory.Write("allowed_signers", $"test@multixfer {PrivateKeyFile.PublicKeyLine(key.PublicKey, "")}\n");

        string[] verify = ["-Y", "verify", "-f", allowedSigners, "-I", "test@multixfer", "-n", Namespace, "-s", signature];

        var good = Tool.Run("ssh-keygen", verify, Message);
        var tampered = Tool.Run("ssh-keygen", verify, Message + "!");

        Assert.True(good.ExitCode == 0, good.Stderr);
        Assert.Contains("Good \"file\" signature for test@multixfer", good.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, tampered.ExitCode);
    }
}
