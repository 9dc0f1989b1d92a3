using System.Formats.Asn1;
using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

[Collection(KeygenCollection.Name)]
public sealed class PrivateKeyFileTests(KeygenKeys keygen)
{
    public static TheoryData<string, string> KindsAndFormats => KeygenKeys.KindsAndFormats();

    public static TheoryData<string> OurKinds => ["ed25519", "rsa", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521"];

    [Theory]
    [MemberData(nameof(KindsAndFormats))]
    public void Loads_ssh_keygen_keys_with_the_same_public_key_and_fingerprint(string kind, string format)
    {
        string text = keygen.TextOf(kind, format);
        string expectedLabel = (kind, format) switch
        {
            (_, "OPENSSH") => "OPENSSH PRIVATE KEY",
            (_, "PKCS8") => "PRIVATE KEY",
            ("rsa-2048" or "rsa-3072", _) => "RSA PRIVATE KEY",
            _ => "EC PRIVATE KEY",
        };
        Assert.StartsWith($"-----BEGIN {expectedLabel}-----", text, StringComparison.Ordinal);

        using var key = PrivateKeyFile.Load(text);

        string path = keygen.PathOf(kind, format);
        Assert.Equal(Tool.KeygenPublicKey(path), PrivateKeyFile.PublicKeyLine(key.PublicKey, ""));
        Assert.Equal(Tool.KeygenFingerprint(path), key.PublicKey.Fingerprint);
    }

    [Fact]
    public void Loads_an_OpenSsl_Ed25519_PKCS8_key()
    {
        using var directory = new TempDirectory();
        string path = directory.Path("ed25519.p8");
        Assert.Equal(0, Tool.Run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", path]).ExitCode);
        // ssh-keygen 9.2 cannot read this file, so OpenSSL supplies the public key: the last 32 bytes of its SPKI DER.
        var spki = Tool.Run("openssl", ["pkey", "-in", path, "-pubout", "-outform", "PEM"]).Stdout;
        var (_, der) = PemArmor.Decode(spki);

        using var key = PrivateKeyFile.Load(File.ReadAllText(path));

        Assert.Equal(KeyTypeNames.Ed25519, key.KeyType);
        Assert.Equal(der[^32..], ((Ed25519PublicKey)key.PublicKey).Key.ToArray());
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Loads_Ed25519_PKCS8_version_2_only_with_its_own_public_key(bool withAttributes, bool matching)
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        byte[] publicKey = Ed25519.PublicKeyFromPrivate(seed);
        publicKey[0] ^= matching ? (byte)0 : (byte)1;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.101.112");
            }

            var inner = new AsnWriter(AsnEncodingRules.DER);
            inner.WriteOctetString(seed);
            writer.WriteOctetString(inner.Encode());
            if (withAttributes)
            {
                using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    writer.WriteNull();
                }
            }

            writer.WriteBitString(publicKey, 0, new Asn1Tag(TagClass.ContextSpecific, 1));
        }

        string text = PemArmor.Encode("PRIVATE KEY", writer.Encode(), 64);

        Assert.Equal(matching, PrivateKeyFile.TryLoad(text, out var key, out string problem));
        if (matching)
        {
            Assert.Equal(publicKey, ((Ed25519PublicKey)key!.PublicKey).Key.ToArray());
            key.Dispose();
        }
        else
        {
            Assert.Equal("Ed25519 public key in the file does not match the private key", problem);
        }
    }

    [Theory]
    [MemberData(nameof(OurKinds))]
    public void Written_keys_are_read_and_used_by_ssh_keygen(string kind)
    {
        using var directory = new TempDirectory();
        using var key = SshHostKey.Generate(kind);
        string text = PrivateKeyFile.Write(key, "host@multixfer");
        string path = directory.Write("key", text);

        Assert.Equal($"{PrivateKeyFile.PublicKeyLine(key.PublicKey, "host@multixfer")}\n", Tool.SshKeygen("-y", "-f", path));
        Assert.Equal(key.PublicKey.Fingerprint, Tool.KeygenFingerprint(path));

        // Signing needs the whole private key, so this proves ssh-keygen parsed every private field we wrote.
        string message = directory.Write("message", "written by us, used by OpenSSH");
        Tool.SshKeygen("-Y", "sign", "-f", path, "-n", "file", message);
        var signature = SshSig.Dearmor(File.ReadAllText(message + ".sig"));
        var signed = SshSig.SignedData("file", signature.HashAlgorithm, File.ReadAllBytes(message));
        Assert.True(key.PublicKey.Verify(signed, signature.Signature, new HashSet<string>(key.SignatureAlgorithms)));

        using var reloaded = PrivateKeyFile.Load(text);
        Assert.Equal(key.PublicKey, reloaded.PublicKey);
    }

    [Fact]
    public void Written_file_has_ssh_keygen_layout()
    {
        using var key = SshHostKey.Generate("ed25519");
        string text = PrivateKeyFile.Write(key, "c");
        string[] lines = text.Split('\n');

        Assert.Equal("-----BEGIN OPENSSH PRIVATE KEY-----", lines[0]);
        Assert.Equal("-----END OPENSSH PRIVATE KEY-----", lines[^2]);
        Assert.Equal("", lines[^1]);
        Assert.All(lines[1..^3], line => Assert.Equal(70, line.Length));
        var file = Decode(text);
        Assert.Equal(0, file.Section.Length % 8);
    }

    [Theory]
    [InlineData("OPENSSH")]
    [InlineData("PEM")]
    [InlineData("PKCS8")]
    public void Encrypted_keys_are_refused_with_advice(string format)
    {
        using var directory = new TempDirectory();
        string path = directory.Path("encrypted");
        string[] formatOption = format == "OPENSSH" ? [] : ["-m", format];
        Tool.SshKeygen(["-q", "-t", "ecdsa", "-N", "passphrase", "-f", path, .. formatOption]);

        Assert.False(PrivateKeyFile.TryLoad(File.ReadAllText(path), out var key, out string problem));
        Assert.Null(key);
        Assert.Contains("passphrase", problem, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -p", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rsa_key_below_the_minimum_is_refused()
    {
        using var directory = new TempDirectory();
        string path = directory.Path("rsa1024");
        Tool.SshKeygen("-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", path);
        string text = File.ReadAllText(path);

        Assert.False(PrivateKeyFile.TryLoad(text, out _, out string problem));
        Assert.Contains("RSA key of 1024 bits is below the minimum of 2048 bits", problem, StringComparison.Ordinal);
        using var allowed = PrivateKeyFile.Load(text, minimumRsaBits: 1024);
        Assert.Equal(Tool.KeygenFingerprint(path), allowed.PublicKey.Fingerprint);
    }

    [Fact]
    public void Differing_check_ints_are_refused()
    {
        var file = Decode(keygen.TextOf("ed25519"));
        file.Data[file.SectionOffset + 3] ^= 1;

        AssertRefused(file.Data, "check-ints differ");
    }

    [Fact]
    public void Bad_padding_is_refused()
    {
        using var key = SshHostKey.Generate("ecdsa-nistp256");
        var file = Enumerable.Range(0, 8)
            .Select(n => Decode(PrivateKeyFile.Write(key, new string('c', n))))
            .First(f => f.PaddingLength >= 2);
        Assert.Equal(2, file.Data[file.SectionOffset + file.Section.Length - file.PaddingLength + 1]);
        file.Data[file.SectionOffset + file.Section.Length - file.PaddingLength + 1] = 3;

        AssertRefused(file.Data, "padding");
    }

    [Fact]
    public void Public_key_that_differs_from_the_private_key_is_refused()
    {
        var file = Decode(keygen.TextOf("ed25519"));
        file.Data[file.PublicOffset + file.Public.Length - 1] ^= 1;

        AssertRefused(file.Data, "does not match");
    }

    [Fact]
    public void Files_with_two_keys_are_refused()
    {
        var file = Decode(keygen.TextOf("ed25519"));
        file.Data[file.PublicOffset - 5] = 2;

        AssertRefused(file.Data, "exactly one");
    }

    [Fact]
    public void Huge_claimed_lengths_are_refused()
    {
        var file = Decode(keygen.TextOf("rsa-2048"));
        file.Data.AsSpan(file.SectionOffset - 4, 4).Fill(0x7f);

        AssertRefused(file.Data, "beyond the end");
    }

    [Fact]
    public void Every_truncation_is_refused_without_throwing()
    {
        var file = Decode(keygen.TextOf("ecdsa-256"));
        for (int length = 0; length < file.Data.Length; length++)
        {
            string text = PemArmor.Encode("OPENSSH PRIVATE KEY", file.Data.AsSpan(0, length), 70);
            Assert.False(PrivateKeyFile.TryLoad(text, out _, out string problem));
            Assert.NotEmpty(problem);
        }
    }

    [Theory]
    [InlineData("", "no \"-----BEGIN\" line")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA", "no \"-----BEGIN\" line")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n", "truncated")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n", "base64")]
    [InlineData("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "unsupported key file type")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", "")]
    public void Malformed_files_are_refused(string text, string expected)
    {
        Assert.False(PrivateKeyFile.TryLoad(text, out _, out string problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => PrivateKeyFile.Load(text));
    }

    [Fact]
    public void Oversized_files_are_refused_before_parsing()
    {
        Assert.False(PrivateKeyFile.TryLoad(new string('A', PrivateKeyFile.MaxFileChars + 1), out _, out string problem));
        Assert.Contains("longer than", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_with_line_breaks_are_not_written()
    {
        using var key = SshHostKey.Generate("ed25519");
        Assert.Throws<ArgumentException>(() => PrivateKeyFile.Write(key, "a\nb"));
        Assert.Throws<ArgumentException>(() => PrivateKeyFile.PublicKeyLine(key.PublicKey, "a\rb"));
    }

    private static void AssertRefused(byte[] data, string expected)
    {
        string text = PemArmor.Encode("OPENSSH PRIVATE KEY", data, 70);
        Assert.False(PrivateKeyFile.TryLoad(text, out var key, out string problem));
        Assert.Null(key);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>The offsets of an openssh-key-v1 file's public blob and private section, to damage them precisely.</summary>
    private static OpenSshFile Decode(string text)
    {
        var (label, data) = PemArmor.Decode(text);
        Assert.Equal("OPENSSH PRIVATE KEY", label);
        var reader = new SshReader(data);
        reader.ReadBytes(15);
        Assert.Equal("none", reader.ReadAscii(64, "cipher"));
        reader.ReadString();
        reader.ReadString();
        Assert.Equal(1u, reader.ReadUInt32());
        int publicOffset = reader.Position + 4;
        var publicBlob = reader.ReadString().ToArray();
        int sectionOffset = reader.Position + 4;
        var section = reader.ReadString().ToArray();

        var inner = new SshReader(section);
        inner.ReadUInt32();
        inner.ReadUInt32();
        string type = inner.ReadAscii(64, "type");
        int fields = type == KeyTypeNames.Rsa ? 6 : type == KeyTypeNames.Ed25519 ? 2 : 3;
        for (int i = 0; i <= fields; i++)
        {
            inner.ReadString();
        }

        return new OpenSshFile(data, publicOffset, publicBlob, sectionOffset, section, inner.Remaining);
    }

    private sealed record OpenSshFile(byte[] Data, int PublicOffset, byte[] Public, int SectionOffset, byte[] Section, int PaddingLength);
}
