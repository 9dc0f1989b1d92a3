using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Certificates;

/// <summary>
/// An OpenSSH certificate (PROTOCOL.certkeys): a public key with what a CA says about it, signed by the CA. Parsing
/// checks the structure and limits only; whether the certificate is signed by a trusted CA, valid now and fit for a
/// login or a host is decided by whoever uses it (<see cref="UserCertificateCheck"/>, host key loading).
/// </summary>
internal sealed class SshCertificate
{
    public const uint UserCertificate = 1;
    public const uint HostCertificate = 2;

    /// <summary>OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS.</summary>
    public const int MaxPrincipals = 256;

    private const int MaxOptions = 64;
    private const int MaxNonceBytes = 256;

    private readonly int _signedLength;

    private SshCertificate(byte[] blob, string type, SshPublicKey key, ulong serial, uint kind, string keyId, string[] principals,
        ulong validAfter, ulong validBefore, CertificateOptions options, SshPublicKey signatureKey, byte[] signature, int signedLength)
    {
        Blob = blob;
        CertificateType = type;
        Key = key;
        Serial = serial;
        Kind = kind;
        KeyId = keyId;
        Principals = principals;
        ValidAfter = validAfter;
        ValidBefore = validBefore;
        Options = options;
        SignatureKey = signatureKey;
        Signature = signature;
        _signedLength = signedLength;
    }

    /// <summary>The whole certificate as sent on the wire; shared, so callers must not change it.</summary>
    public byte[] Blob { get; }

    /// <summary>"ssh-ed25519-cert-v01@openssh.com" and so on.</summary>
    public string CertificateType { get; }

    /// <summary>The certified key: the one that signs logins or key exchanges.</summary>
    public SshPublicKey Key { get; }

    public ulong Serial { get; }

    /// <summary><see cref="UserCertificate"/> or <see cref="HostCertificate"/> (any other value is kept and refused by users).</summary>
    public uint Kind { get; }

    /// <summary>Free text the CA chose, for logs and revocation by key id.</summary>
    public string KeyId { get; }

    /// <summary>User or host names the certificate is valid for; empty means any (PROTOCOL.certkeys).</summary>
    public IReadOnlyList<string> Principals { get; }

    /// <summary>Seconds since the epoch; the certificate is valid from this second on.</summary>
    public ulong ValidAfter { get; }

    /// <summary>Seconds since the epoch; the certificate is no longer valid at this second (ulong.MaxValue: forever).</summary>
    public ulong ValidBefore { get; }

    public CertificateOptions Options { get; }

    /// <summary>The CA key; always a plain key, never a certificate.</summary>
    public SshPublicKey SignatureKey { get; }

    /// <summary>The CA's signature blob (string algorithm, string signature).</summary>
    public byte[] Signature { get; }

    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(Blob)).TrimEnd('=');

    /// <summary>OpenSSH's sshkey_cert_check_authority: valid_after ≤ now &lt; valid_before.</summary>
    public bool IsValidAt(DateTimeOffset now)
    {
        long seconds = now.ToUnixTimeSeconds();
        return seconds >= 0 && (ulong)seconds >= ValidAfter && (ulong)seconds < ValidBefore;
    }

    /// <summary>Whether the CA signature over everything before it verifies with one of <paramref name="allowedAlgorithms"/>.</summary>
    public bool SignatureVerifies(IReadOnlySet<string> allowedAlgorithms) =>
        SignatureKey.Verify(Blob.AsSpan(0, _signedLength), Signature, allowedAlgorithms);

    /// <summary>For logs: the key id is the CA's free text, so control characters are masked (no forged log lines).</summary>
    public override string ToString() =>
        $"{CertificateType} id \"{MultiXfer.Connections.LogText.Clean(KeyId)}\" serial {Serial} key {Key.Fingerprint} CA {SignatureKey.Fingerprint}";

    /// <summary>
    /// Parses a certificate blob completely: unknown types, a certificate as CA key, trailing bytes, malformed options
    /// and too many principals are refused with a reason fit for a log line. Never throws for bad input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out SshCertificate? certificate, out string problem,
        int minimumRsaBits = SshPublicKey.DefaultMinimumRsaBits)
    {
        certificate = null;
        if (blob.Length > WireLimits.MaxKeyBlob)
        {
            problem = $"certificate longer than {WireLimits.MaxKeyBlob} bytes";
            return false;
        }

        try
        {
            certificate = Read(blob, minimumRsaBits);
            problem = "";
            return true;
        }
        catch (Exception e) when (e is SshProtocolException or FormatException or CryptographicException)
        {
            problem = e.Message;
            return false;
        }
    }

    private static SshCertificate Read(ReadOnlySpan<byte> blob, int minimumRsaBits)
    {
        var reader = new SshReader(blob);
        string type = reader.ReadAscii(KeyTypeNames.MaxNameLength, "certificate type");
        string plainType = CertificateAlgorithms.PlainKeyType(type) ?? throw new FormatException($"unsupported certificate type {type}");
        reader.ReadString(MaxNonceBytes, "certificate nonce");
        SshPublicKey key = plainType switch
        {
            KeyTypeNames.Ed25519 => Ed25519PublicKey.Read(ref reader),
            KeyTypeNames.Rsa => RsaPublicKey.Read(ref reader, minimumRsaBits),
            _ => EcdsaPublicKey.Read(ref reader, EcdsaCurve.FromKeyType(plainType)!),
        };
        ulong serial = reader.ReadUInt64();
        uint kind = reader.ReadUInt32();
        string keyId = reader.ReadUtf8(WireLimits.MaxShortString * 4, "certificate key id");
        var principals = ReadPrincipals(reader.ReadString(WireLimits.MaxKeyBlob, "certificate principals"));
        ulong validAfter = reader.ReadUInt64();
        ulong validBefore = reader.ReadUInt64();
        var critical = ReadPairs(reader.ReadString(WireLimits.MaxKeyBlob, "critical options"), "critical option");
        ReadPairs(reader.ReadString(WireLimits.MaxKeyBlob, "certificate extensions"), "extension");
        reader.ReadString(WireLimits.MaxKeyBlob, "reserved field");
        var caBlob = reader.ReadString(WireLimits.MaxKeyBlob, "CA key");
        int signedLength = reader.Position;
        var signature = reader.ReadString(WireLimits.MaxKeyBlob, "CA signature").ToArray();
        if (!reader.IsAtEnd)
        {
            throw new FormatException($"{type} has trailing data");
        }

        if (!SshPublicKey.TryParse(caBlob, out var caKey, out string caProblem, minimumRsaBits))
        {
            // A CA key that is itself a certificate lands here too: PROTOCOL.certkeys forbids chains.
            throw new FormatException($"certificate's CA key is not usable: {caProblem}");
        }

        return new SshCertificate(blob.ToArray(), type, key, serial, kind, keyId, principals, validAfter, validBefore,
            CertificateOptions.From(critical), caKey, signature, signedLength);
    }

    private static string[] ReadPrincipals(ReadOnlySpan<byte> field)
    {
        var reader = new SshReader(field);
        var principals = new List<string>();
        while (!reader.IsAtEnd)
        {
            if (principals.Count == MaxPrincipals)
            {
                throw new FormatException($"certificate names more than {MaxPrincipals} principals");
            }

            principals.Add(reader.ReadUtf8(WireLimits.MaxShortString, "principal"));
        }

        return [.. principals];
    }

    /// <summary>
    /// PROTOCOL.certkeys: a sequence of (string name, string data), each name at most once. Extensions are read for
    /// their structure and then ignored, since every one OpenSSH defines grants something this server never offers.
    /// </summary>
    private static List<(string Name, byte[] Data)> ReadPairs(ReadOnlySpan<byte> field, string what)
    {
        var reader = new SshReader(field);
        var pairs = new List<(string Name, byte[] Data)>();
        while (!reader.IsAtEnd)
        {
            string name = reader.ReadAscii(WireLimits.MaxShortString, what + " name");
            var data = reader.ReadString(WireLimits.MaxKeyBlob, what + " data").ToArray();
            if (pairs.Count == MaxOptions || pairs.Exists(p => p.Name == name))
            {
                throw new FormatException(pairs.Count == MaxOptions ? $"more than {MaxOptions} {what}s" : $"{what} {name} appears twice");
            }

            pairs.Add((name, data));
        }

        return pairs;
    }
}
