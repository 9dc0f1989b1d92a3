using System.Text;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Tests.Keys;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// KRLs written by ssh-keygen -k, read by <see cref="RevokedKeys"/>. Every expectation is also put to ssh-keygen -Q
/// against the same files, so a test cannot expect something OpenSSH itself would not do.
/// </summary>
[Collection(KeygenCertificatesCollection.Name)]
public sealed class RevokedKeysTests(KeygenCertificates keygen)
{
    [Theory]
    [InlineData(new[] { "serial: 5", "serial: 100000", "serial: 9000000" }, KrlSections.SerialList,
        new ulong[] { 5, 100000, 9000000 }, new ulong[] { 4, 6, 99999, 8999999, 9000001 })]
    [InlineData(new[] { "serial: 1000-900000" }, KrlSections.SerialRange,
        new ulong[] { 1000, 1001, 450000, 900000 }, new ulong[] { 1, 999, 900001 })]
    [InlineData(new[] { "serial: 5", "serial: 10-20" }, KrlSections.SerialBitmap,
        new ulong[] { 5, 10, 13, 20 }, new ulong[] { 4, 6, 9, 21, 5 + 64 })]
    public void Serials_are_revoked_in_each_encoding_ssh_keygen_picks(string[] spec, byte encoding, ulong[] revoked, ulong[] kept)
    {
        string krl = keygen.KrlFromSpec("ed25519", spec);

        // ssh-keygen chooses the smallest encoding; these specs are picked so that each encoding is the one tested.
        Assert.Equal([encoding], KrlSections.Read(File.ReadAllBytes(krl)).CertificateSubsectionTypes());
        AssertRevocations(krl,
        [
            .. revoked.Select(serial => (Certificate("ed25519", serial), true)),
            .. kept.Select(serial => (Certificate("ed25519", serial), false)),
            // The same serial from another CA is another certificate.
            (Certificate("ecdsa", revoked[0]), false),
        ]);
    }

    [Fact]
    public void Key_ids_are_revoked_for_their_ca_only()
    {
        string krl = keygen.KrlFromSpec("ed25519", "id: laptop-2024");

        Assert.Equal([KrlSections.KeyIds], KrlSections.Read(File.ReadAllBytes(krl)).CertificateSubsectionTypes());
        AssertRevocations(krl,
            (Certificate("ed25519", 0, "laptop-2024"), true),
            (Certificate("ed25519", 77, "laptop-2024"), true),
            (Certificate("ed25519", 0, "laptop-2025"), false),
            (Certificate("ecdsa", 0, "laptop-2024"), false));
    }

    [Fact]
    public void Key_ids_under_a_wildcard_ca_are_revoked_for_every_ca()
    {
        // ssh-keygen -s none writes a certificates section with an empty CA key: any CA.
        string krl = keygen.KrlFromSpec("none", "id: laptop-2024");

        var section = Assert.Single(KrlSections.Read(File.ReadAllBytes(krl)).Sections);
        Assert.Empty(KrlSections.ReadCertificates(section.Data).CaKey);
        AssertRevocations(krl,
            (Certificate("ed25519", 0, "laptop-2024"), true),
            (Certificate("ecdsa", 3, "laptop-2024"), true),
            (Certificate("rsa", 3, "laptop-2024"), true),
            (Certificate("rsa", 3, "laptop-2025"), false));
    }

    [Theory]
    [InlineData(KrlSections.SerialList)]
    [InlineData(KrlSections.SerialRange)]
    [InlineData(KrlSections.SerialBitmap)]
    public void Serial_zero_is_never_revoked_by_serial(byte encoding)
    {
        // Serial 0 means the CA numbers nothing (PROTOCOL.krl); ssh-keygen refuses to revoke it, so each encoding is
        // written here to cover serials 0 and 1, into the certificates section of a real KRL for this CA.
        byte[] data = encoding switch
        {
            KrlSections.SerialList => Blobs.Build(w =>
            {
                w.WriteUInt64(0);
                w.WriteUInt64(1);
            }),
            KrlSections.SerialRange => Blobs.Build(w =>
            {
                w.WriteUInt64(0);
                w.WriteUInt64(1);
            }),
            _ => Blobs.Build(w =>
            {
                w.WriteUInt64(0);
                w.WriteMpint([0b11]);
            }),
        };
        byte[] krl = WithSubsections(File.ReadAllBytes(keygen.KrlFromSpec("ed25519", "serial: 1")), _ => [(encoding, data)]);
        var revoked = RevokedKeys.Parse(krl);

        Assert.True(revoked.IsRevoked(KeygenCertificates.Parse(Certificate("ed25519", 1))));
        Assert.False(revoked.IsRevoked(KeygenCertificates.Parse(Certificate("ed25519", 0))));
    }

    [Fact]
    public void Explicit_keys_revoke_the_key_and_its_certificates()
    {
        string krl = keygen.KrlOfKeys(keygen.Path("user-ed25519.pub"));

        Assert.Equal([KrlSections.ExplicitKeys], KrlSections.Read(File.ReadAllBytes(krl)).Sections.Select(s => s.Type));
        AssertRevocations(krl,
            (keygen.Path("user-ed25519.pub"), true),
            (Certificate("ed25519", 5), true),
            (Certificate("ecdsa", 0), true),
            (keygen.Path("user-other.pub"), false),
            (keygen.Path("ca-ed25519.pub"), false),
            (keygen.CertificateFile("ed25519", "ecdsa", "keyid"), false));
    }

    [Fact]
    public void A_revoked_ca_key_revokes_every_certificate_it_signed()
    {
        string krl = keygen.KrlFromSpec(null, $"key: {keygen.PublicLine("ca-ed25519")}");

        AssertRevocations(krl,
            (keygen.Path("ca-ed25519.pub"), true),
            (Certificate("ed25519", 0), true),
            (keygen.CertificateFile("ed25519", "rsa", "other"), true),
            (Certificate("ecdsa", 0), false),
            (keygen.Path("user-ed25519.pub"), false));
    }

    [Theory]
    [InlineData("sha256", KrlSections.Sha256)]
    [InlineData("sha1", KrlSections.Sha1)]
    [InlineData("hash", KrlSections.Sha256)]
    public void Fingerprints_revoke_the_key_and_its_certificates(string spec, byte section)
    {
        // sha1: and sha256: take a public key line; hash: takes the fingerprint ssh-keygen -l prints.
        string value = spec == "hash" ? Tool.KeygenFingerprint(keygen.Path("user-rsa.pub")) : keygen.PublicLine("user-rsa");
        string krl = keygen.KrlFromSpec(null, $"{spec}: {value}");

        Assert.Equal([section], KrlSections.Read(File.ReadAllBytes(krl)).Sections.Select(s => s.Type));
        AssertRevocations(krl,
            (keygen.Path("user-rsa.pub"), true),
            (keygen.CertificateFile("ecdsa", "rsa", "keyid", "-z", "3"), true),
            (keygen.Path("user-ed25519.pub"), false),
            (keygen.Path("ca-rsa.pub"), false),
            (Certificate("rsa", 3), false));
    }

    [Fact]
    public void An_updated_krl_keeps_what_it_had_and_adds_the_rest()
    {
        string krl = keygen.KrlOfKeys(keygen.Path("user-other.pub"));
        keygen.UpdateKrl(krl, "ed25519", "serial: 5", "id: laptop-2024");

        AssertRevocations(krl,
            (keygen.Path("user-other.pub"), true),
            (Certificate("ed25519", 5), true),
            (Certificate("ed25519", 6, "laptop-2024"), true),
            (Certificate("ed25519", 6), false),
            (keygen.Path("user-ed25519.pub"), false));
    }

    [Fact]
    public void Every_kind_of_revocation_in_one_krl()
    {
        string krl = keygen.KrlFromSpec("ed25519", CompositeSpec());

        AssertRevocations(krl,
            (Certificate("ed25519", 5), true),
            (Certificate("ed25519", 15), true),
            (Certificate("ed25519", 100000), true),
            (Certificate("ed25519", 500000), true),
            (Certificate("ed25519", 0, "laptop-2024"), true),
            (keygen.Path("user-other.pub"), true),
            (keygen.Path("user-ecdsa.pub"), true),
            (keygen.Path("user-rsa.pub"), true),
            (Certificate("ed25519", 6), false),
            (Certificate("ed25519", 0), false),
            (keygen.Path("user-ed25519.pub"), false));
    }

    [Fact]
    public void A_text_file_of_public_keys_revokes_those_keys()
    {
        string file = keygen.NewPath("revoked");
        File.WriteAllText(file, $"# gone\n\n{keygen.PublicLine("user-ed25519")}\r\n  {keygen.PublicLine("ca-ecdsa")}\n");

        // ssh-keygen -Q reads KRLs only (sshd reads both), so OpenSSH is not asked here.
        AssertRevocations(file, keygenToo: false,
            (keygen.Path("user-ed25519.pub"), true),
            (Certificate("ed25519", 5), true),
            (keygen.CertificateFile("ecdsa", "rsa", "keyid"), true),
            (keygen.Path("user-other.pub"), false),
            (keygen.CertificateFile("rsa", "rsa", "keyid"), false));
    }

    [Fact]
    public void An_empty_file_revokes_nothing()
    {
        // sshd reads an empty RevokedKeys file as an empty key list too.
        var revoked = RevokedKeys.Parse([]);

        Assert.False(revoked.IsRevoked(keygen.PublicKey("user-ed25519")));
        Assert.False(revoked.IsRevoked(KeygenCertificates.Parse(Certificate("ed25519", 5))));
    }

    [Theory]
    [InlineData("not a key\n")]
    [InlineData("ssh-ed25519 AAAA\n")]
    [InlineData("SSHKRL\n")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3M= old\n")]
    public void A_text_file_with_a_line_that_is_not_a_key_is_refused(string text)
    {
        // Skipping the line could skip a revocation.
        Assert.Throws<FormatException>(() => RevokedKeys.Parse(Encoding.UTF8.GetBytes($"{keygen.PublicLine("user-other")}\n{text}")));
    }

    [Fact]
    public void A_krl_of_another_format_version_is_refused()
    {
        byte[] krl = File.ReadAllBytes(keygen.KrlOfKeys(keygen.Path("user-ed25519.pub")));
        krl[11] = 2;

        Assert.Equal("KRL format version 2 is not 1", Assert.Throws<FormatException>(() => RevokedKeys.Parse(krl)).Message);
    }

    [Fact]
    public void Sections_that_cannot_be_honoured_are_refused_and_others_are_read()
    {
        var krl = KrlSections.Read(File.ReadAllBytes(keygen.KrlOfKeys(keygen.Path("user-ed25519.pub"))));

        Assert.Equal("unknown KRL section type 6", Refusal(krl, (6, [0, 0, 0, 0])));
        Assert.StartsWith("signed KRLs are not supported", Refusal(krl, (KrlSections.Signature, Blobs.Build(w => w.WriteString("ssh-ed25519")))),
            StringComparison.Ordinal);
        Assert.Equal("KRL has critical extension frob@example.com, which this server does not support",
            Refusal(krl, (KrlSections.Extension, KrlSections.ExtensionData("frob@example.com", critical: true))));
        Assert.Equal("empty revoked key section", Refusal(krl, (KrlSections.ExplicitKeys, [])));
        Assert.Equal("empty SHA-256 fingerprint section", Refusal(krl, (KrlSections.Sha256, [])));

        // A non-critical extension is ignored, and the revocations around it still hold.
        krl.Sections.Add((KrlSections.Extension, KrlSections.ExtensionData("frob@example.com", critical: false)));
        Assert.True(RevokedKeys.Parse(krl.ToArray()).IsRevoked(keygen.PublicKey("user-ed25519")));
    }

    [Fact]
    public void Certificate_subsections_that_cannot_be_honoured_are_refused_and_others_are_read()
    {
        byte[] krl = File.ReadAllBytes(keygen.KrlFromSpec("ed25519", "serial: 5"));
        byte[] range = Blobs.Build(w =>
        {
            w.WriteUInt64(20);
            w.WriteUInt64(10);
        });

        Assert.Equal("unknown KRL certificate subsection type 36",
            RefusalOf(WithSubsections(krl, subsections => [.. subsections, (0x24, [])])));
        Assert.Equal("KRL certificate section has critical extension frob@example.com, which this server does not support",
            RefusalOf(WithSubsections(krl, subsections =>
                [.. subsections, (KrlSections.CertificateExtension, KrlSections.ExtensionData("frob@example.com", critical: true))])));
        Assert.Equal("KRL serial range 20-10 is reversed", RefusalOf(WithSubsections(krl, _ => [(KrlSections.SerialRange, range)])));
        Assert.Equal("KRL certificate subsection 33 has trailing data",
            RefusalOf(WithSubsections(krl, _ => [(KrlSections.SerialRange, [.. range[8..], .. range[..8], 0])])));
        Assert.StartsWith("malformed KRL",
            RefusalOf(WithSubsections(krl, _ => [(KrlSections.SerialList, [0, 0, 0, 0, 0, 0, 0, 5, 1])])), StringComparison.Ordinal);
        Assert.Equal("empty key id section", RefusalOf(WithSubsections(krl, _ => [(KrlSections.KeyIds, [])])));
        Assert.StartsWith("KRL names a CA key that cannot be read", RefusalOf(WithCaKey(krl, [0, 0, 0, 3, (byte)'f', (byte)'o', (byte)'o'])),
            StringComparison.Ordinal);

        var revoked = RevokedKeys.Parse(WithSubsections(krl, subsections =>
            [.. subsections, (KrlSections.CertificateExtension, KrlSections.ExtensionData("frob@example.com", critical: false))]));
        Assert.True(revoked.IsRevoked(KeygenCertificates.Parse(Certificate("ed25519", 5))));
    }

    [Fact]
    public void Every_truncation_is_refused_or_is_a_shorter_valid_krl()
    {
        byte[] krl = File.ReadAllBytes(keygen.KrlFromSpec("ed25519", CompositeSpec()));

        for (int length = 0; length < krl.Length; length++)
        {
            var error = Record.Exception(() => RevokedKeys.Parse(krl[..length]));
            Assert.True(error is null or FormatException, $"length {length}: {error}");
        }

        // Cut inside the last section: what it held cannot be read, so nothing is.
        Assert.StartsWith("malformed KRL", Assert.Throws<FormatException>(() => RevokedKeys.Parse(krl[..^1])).Message,
            StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RevokedKeys.Parse(krl[..12]));
    }

    [Fact]
    public void Any_changed_bit_gives_a_format_exception_or_a_usable_krl()
    {
        byte[] krl = File.ReadAllBytes(keygen.KrlFromSpec("ed25519", CompositeSpec()));
        var certificate = KeygenCertificates.Parse(Certificate("ed25519", 15, "laptop-2024"));
        var key = keygen.PublicKey("user-ecdsa");

        for (int i = 0; i < krl.Length; i++)
        {
            foreach (byte bit in new byte[] { 0x01, 0x80 })
            {
                byte[] changed = (byte[])krl.Clone();
                changed[i] ^= bit;
                var error = Record.Exception(() =>
                {
                    var revoked = RevokedKeys.Parse(changed);
                    revoked.IsRevoked(certificate);
                    revoked.IsRevoked(key);
                });

                Assert.True(error is null or FormatException, $"byte {i} ^ {bit:x2}: {error}");
            }
        }
    }

    private string[] CompositeSpec() =>
    [
        "serial: 5",
        "serial: 10-20",
        "serial: 100000",
        "serial: 200000-900000",
        "id: laptop-2024",
        $"key: {keygen.PublicLine("user-other")}",
        $"sha1: {keygen.PublicLine("user-ecdsa")}",
        $"sha256: {keygen.PublicLine("user-rsa")}",
    ];

    /// <summary>The ed25519 user key certified by ca-CA with this serial and key id.</summary>
    private string Certificate(string ca, ulong serial, string keyId = "keyid") =>
        keygen.CertificateFile(ca, "ed25519", keyId, "-z", serial.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Each file (key or certificate) is revoked or not, as expected, by ssh-keygen -Q and by RevokedKeys alike.</summary>
    private static void AssertRevocations(string krl, params (string File, bool Revoked)[] expected) =>
        AssertRevocations(krl, keygenToo: true, expected);

    private static void AssertRevocations(string krl, bool keygenToo, params (string File, bool Revoked)[] expected)
    {
        var revoked = RevokedKeys.Parse(File.ReadAllBytes(krl));
        foreach (var (file, expect) in expected)
        {
            string what = $"{File.ReadAllText(file).Split(' ')[0]} in {Path.GetFileName(file)}";
            Assert.True(!keygenToo || expect == KeygenCertificates.KeygenSaysRevoked(krl, file),
                $"ssh-keygen -Q disagrees with the test about {what}");
            Assert.True(expect == IsRevoked(revoked, file), $"RevokedKeys disagrees with ssh-keygen about {what}");
        }
    }

    private static bool IsRevoked(RevokedKeys revoked, string file)
    {
        string line = File.ReadAllText(file);
        return line.Split(' ')[0].EndsWith(CertificateAlgorithms.Suffix, StringComparison.Ordinal)
            ? revoked.IsRevoked(KeygenCertificates.Parse(file))
            : revoked.IsRevoked(AuthorizedKeys.ParseLine(line, SshPublicKey.DefaultMinimumRsaBits).Key);
    }

    private static string Refusal(KrlSections krl, (byte Type, byte[] Data) extra)
    {
        var changed = new KrlSections { Header = krl.Header, Sections = [.. krl.Sections, extra] };
        return RefusalOf(changed.ToArray());
    }

    private static string RefusalOf(byte[] krl) => Assert.Throws<FormatException>(() => RevokedKeys.Parse(krl)).Message;

    /// <summary>The KRL with the subsections of its (only) certificates section replaced.</summary>
    private static byte[] WithSubsections(byte[] krl, Func<List<(byte Type, byte[] Data)>, IEnumerable<(byte Type, byte[] Data)>> change)
    {
        var sections = KrlSections.Read(krl);
        int index = sections.Sections.FindIndex(s => s.Type == KrlSections.Certificates);
        var (caKey, subsections) = KrlSections.ReadCertificates(sections.Sections[index].Data);
        sections.Sections[index] = (KrlSections.Certificates, KrlSections.WriteCertificates(caKey, change(subsections)));
        return sections.ToArray();
    }

    private static byte[] WithCaKey(byte[] krl, byte[] caKey)
    {
        var sections = KrlSections.Read(krl);
        int index = sections.Sections.FindIndex(s => s.Type == KrlSections.Certificates);
        var (_, subsections) = KrlSections.ReadCertificates(sections.Sections[index].Data);
        sections.Sections[index] = (KrlSections.Certificates, KrlSections.WriteCertificates(caKey, subsections));
        return sections.ToArray();
    }
}
