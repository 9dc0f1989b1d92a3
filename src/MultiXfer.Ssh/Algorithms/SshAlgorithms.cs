using System.Security.Cryptography;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// Every algorithm this server implements, and the default selection. The defaults leave out what ssh-audit
/// flags as a failure (NIST-curve ECDH and ECDSA, 2048-bit fixed groups, SHA-1), but every entry here works
/// when configured.
/// </summary>
internal static class SshAlgorithms
{
    public const string NoCompression = "none";
    public const string DelayedZlib = "zlib@openssh.com";

    /// <summary>Names only offered, never chosen: strict key exchange (OpenSSH PROTOCOL §1.10).</summary>
    public const string StrictKexServer = "kex-strict-s-v00@openssh.com";
    public const string StrictKexClient = "kex-strict-c-v00@openssh.com";

    /// <summary>RFC 8308 §2.1: a client that can receive SSH_MSG_EXT_INFO says so with this pseudo-algorithm.</summary>
    public const string ExtInfoClient = "ext-info-c";

    /// <summary>
    /// Signature algorithms accepted for publickey user authentication, announced as server-sig-algs (RFC 8308
    /// §3.1). SHA-1 RSA signatures are not accepted from users (OpenSSH dropped them from its defaults in 8.8).
    /// </summary>
    public static IReadOnlyList<string> UserSignatureAlgorithms { get; } =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"];

    public static IReadOnlyList<KeyExchangeMethod> KeyExchanges { get; } = BuildKeyExchanges();

    /// <summary>
    /// OpenSSH 10.0's defaults: the post-quantum hybrids first, then X25519. Finite-field Diffie-Hellman stays
    /// available by configuration but leaves the defaults, as in OpenSSH 10.0: a client may make the server compute
    /// an 8192-bit exponentiation (about 90 ms of CPU here) for a few bytes of its own (DHEat, CVE-2002-20001).
    /// </summary>
    public static IReadOnlyList<string> DefaultKeyExchanges { get; } =
    [
        "mlkem768x25519-sha256",
        "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
    ];

    /// <summary>Every signature algorithm a key of ours can make or check: the user ones and SHA-1 "ssh-rsa".</summary>
    public static IReadOnlyList<string> SignatureAlgorithms { get; } = [.. UserSignatureAlgorithms, KeyTypeNames.Rsa];

    /// <summary>
    /// Plain host keys, and OpenSSH host certificates of the same keys (PROTOCOL.certkeys: the plain name with the
    /// certificate suffix). A certificate algorithm is offered only while a certificate for a host key of its type is
    /// loaded (Ssh:HostCertificates).
    /// </summary>
    public static IReadOnlyList<HostKeyAlgorithm> HostKeys { get; } = BuildHostKeys();

    /// <summary>OpenSSH's order: certificates first (offered only when loaded), then Ed25519 and RSA with SHA-2.</summary>
    public static IReadOnlyList<string> DefaultHostKeys { get; } =
    [
        "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
        "ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256",
    ];

    public static IReadOnlyList<CipherAlgorithm> Ciphers { get; } =
    [
        new ChaChaPolyAlgorithm(),
        new AesGcmAlgorithm("aes256-gcm@openssh.com", 32),
        new AesGcmAlgorithm("aes128-gcm@openssh.com", 16),
        new AesCtrAlgorithm("aes256-ctr", 32),
        new AesCtrAlgorithm("aes192-ctr", 24),
        new AesCtrAlgorithm("aes128-ctr", 16),
    ];

    public static IReadOnlyList<string> DefaultCiphers { get; } = [.. Ciphers.Select(c => c.Name)];

    public static IReadOnlyList<MacAlgorithm> Macs { get; } =
    [
        new("hmac-sha2-256-etm@openssh.com", HashAlgorithmName.SHA256, 32, EncryptThenMac: true),
        new("hmac-sha2-512-etm@openssh.com", HashAlgorithmName.SHA512, 64, EncryptThenMac: true),
        new("hmac-sha2-256", HashAlgorithmName.SHA256, 32, EncryptThenMac: false),
        new("hmac-sha2-512", HashAlgorithmName.SHA512, 64, EncryptThenMac: false),
        new("hmac-sha1-etm@openssh.com", HashAlgorithmName.SHA1, 20, EncryptThenMac: true),
        new("hmac-sha1", HashAlgorithmName.SHA1, 20, EncryptThenMac: false),
    ];

    public static IReadOnlyList<string> DefaultMacs { get; } =
        ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"];

    public static IReadOnlyList<string> Compressions { get; } = [NoCompression, DelayedZlib];

    private static List<HostKeyAlgorithm> BuildHostKeys()
    {
        string[] plain = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
        return
        [
            .. plain.Select(name => new HostKeyAlgorithm(name, KeyTypeNames.KeyTypeOf(name), name)),
            .. plain.Select(name => new HostKeyAlgorithm(name + CertificateAlgorithms.Suffix, KeyTypeNames.KeyTypeOf(name), name, Certified: true)),
        ];
    }

    private static List<KeyExchangeMethod> BuildKeyExchanges()
    {
        var sntrup761 = new Sntrup761();
        var methods = new List<KeyExchangeMethod>
        {
            new HybridKeyExchange("mlkem768x25519-sha256", HashAlgorithmName.SHA256, new MlKem768()),
            new HybridKeyExchange("sntrup761x25519-sha512", HashAlgorithmName.SHA512, sntrup761),
            new HybridKeyExchange("sntrup761x25519-sha512@openssh.com", HashAlgorithmName.SHA512, sntrup761),
        };
        methods.AddRange(
        [
            new Curve25519KeyExchange("curve25519-sha256"),
            new Curve25519KeyExchange("curve25519-sha256@libssh.org"),
            new EcdhKeyExchange(EcdsaCurve.NistP256),
            new EcdhKeyExchange(EcdsaCurve.NistP384),
            new EcdhKeyExchange(EcdsaCurve.NistP521),
            new GroupExchangeKeyExchange(),
            new FixedGroupKeyExchange("diffie-hellman-group16-sha512", DhGroup.Group16, HashAlgorithmName.SHA512),
            new FixedGroupKeyExchange("diffie-hellman-group18-sha512", DhGroup.Group18, HashAlgorithmName.SHA512),
            new FixedGroupKeyExchange("diffie-hellman-group14-sha256", DhGroup.Group14, HashAlgorithmName.SHA256),
        ]);
        return methods;
    }
}
