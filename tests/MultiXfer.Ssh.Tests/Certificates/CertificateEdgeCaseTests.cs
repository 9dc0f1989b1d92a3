using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Tests.Keys;
using MultiXfer.Ssh.UserAuth;

namespace MultiXfer.Ssh.Tests.Certificates;

[Collection(KeygenCertificatesCollection.Name)]
/// <summary>Cases a review found the first version getting wrong: each failed before its fix.</summary>
public sealed class CertificateEdgeCaseTests(KeygenCertificates keygen)
{
    [Theory]
    [InlineData("rsa-sha2-256-cert-v01@openssh.com")]
    [InlineData("rsa-sha2-512-cert-v01@openssh.com")]
    public void A_certificate_whose_type_is_an_rsa_sha2_algorithm_name_is_refused_not_thrown(string type)
    {
        // rsa-sha2-*-cert-v01 are algorithm names only; an RSA certificate blob always says ssh-rsa-cert-v01
        // (PROTOCOL.certkeys). A client chooses the type string, so it must be refused like any unknown type.
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.CertificateFile("ed25519", "ecdsa", "keyid", "-n", "alice")));
        fields.Type = type;
        byte[] blob = fields.WithOldSignature();

        var error = Record.Exception(() => SshCertificate.TryParse(blob, out _, out _));
        Assert.Null(error);
        Assert.False(SshCertificate.TryParse(blob, out _, out string problem));
        Assert.Equal($"unsupported certificate type {type}", problem);
        // The same blob as a client offers it in SSH_MSG_USERAUTH_REQUEST, before any authentication.
        Assert.Null(Record.Exception(() => OfferedKey.From(type, blob, 2048, out _)));
    }

    [Fact]
    public void A_cert_authority_line_with_principals_refuses_a_certificate_without_principals()
    {
        // sshd's auth_check_authkey_line: with principals= on the line, match_principals_option must find one of the
        // certificate's principals in the list; a certificate with none matches nothing and is refused
        // ("Certificate does not contain an authorized principal"). Only a line without principals= takes it.
        var policy = new UserKeyPolicy(new SshOptions(), TimeProvider.System, NullLogger.Instance);
        var account = new UserAccount
        {
            Name = "alice",
            Home = VirtualPath.Root,
            Protocols = new HashSet<string> { Protocols.Sftp },
            Permissions = new PermissionRules([], readOnly: false),
            AuthorizedKeys = [$"cert-authority,principals=\"ops\" {keygen.PublicLine("ca-ecdsa")}"],
        };
        var noPrincipals = KeygenCertificates.Parse(keygen.CertificateFile("ecdsa", "ed25519", "keyid"));
        var client = IPAddress.Parse("192.0.2.10");

        Assert.Null(policy.RefusalOf(noPrincipals, client));
        Assert.Null(policy.Grant(account, noPrincipals, client, out _));
    }

    [Fact]
    public void A_1024_bit_rsa_ca_is_usable_when_the_configured_minimum_allows_1024_bits()
    {
        // Ssh:MinimumRsaKeyBits = 1024 accepts the CA in TrustedUserCAKeys and in cert-authority lines, but the CA key
        // inside each certificate is still read with the 2048-bit default.
        string ca = keygen.NewPath("ca-rsa-1024");
        Tool.SshKeygen("-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", ca);
        string user = keygen.NewPath("user") + ".pub";
        File.Copy(keygen.Path("user-ed25519.pub"), user);
        Tool.SshKeygen("-q", "-s", ca, "-I", "keyid", "-n", "alice", user);
        byte[] blob = KeygenCertificates.Blob(user[..^4] + "-cert.pub");

        Assert.True(SshCertificate.TryParse(blob, out _, out string problem, minimumRsaBits: 1024), problem);
    }
}
