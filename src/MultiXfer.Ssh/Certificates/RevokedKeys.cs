using System.Security.Cryptography;
using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Certificates;

/// <summary>
/// Ssh:RevokedKeysFile's content, as sshd's RevokedKeys reads it: an OpenSSH key revocation list (PROTOCOL.krl, made by
/// <c>ssh-keygen -k</c>) or a text file of public keys, one per line. Anything this parser does not understand is an
/// error, never skipped: a revocation silently dropped would let the key in.
/// </summary>
internal sealed class RevokedKeys
{
    private static readonly byte[] KrlMagic = "SSHKRL\n\0"u8.ToArray();
    private const uint KrlFormatVersion = 1;

    private const byte CertificatesSection = 1;
    private const byte ExplicitKeySection = 2;
    private const byte Sha1Section = 3;
    private const byte SignatureSection = 4;
    private const byte Sha256Section = 5;
    private const byte ExtensionSection = 255;

    private const byte SerialListSubsection = 0x20;
    private const byte SerialRangeSubsection = 0x21;
    private const byte SerialBitmapSubsection = 0x22;
    private const byte KeyIdSubsection = 0x23;
    private const byte CertificateExtensionSubsection = 0x39;

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sha1 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sha256 = new(StringComparer.Ordinal);
    private readonly List<AuthorityRevocations> _authorities = [];

    private RevokedKeys()
    {
    }

    /// <summary>Everything revoked: KRL or text; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static RevokedKeys Parse(byte[] content)
    {
        var revoked = new RevokedKeys();
        try
        {
            if (content.AsSpan().StartsWith(KrlMagic))
            {
                revoked.ReadKrl(content);
            }
            else
            {
                revoked.ReadText(content);
            }
        }
        catch (SshProtocolException e)
        {
            throw new FormatException($"malformed KRL: {e.Message}", e);
        }

        return revoked;
    }

    /// <summary>A plain key listed explicitly or by its SHA-1 or SHA-256 fingerprint.</summary>
    public bool IsRevoked(SshPublicKey key) =>
        _keys.Contains(Convert.ToHexString(key.Blob))
        || _sha1.Contains(Convert.ToHexString(SHA1.HashData(key.Blob)))
        || _sha256.Contains(Convert.ToHexString(SHA256.HashData(key.Blob)));

    /// <summary>
    /// A certificate whose serial or key id its CA (or any CA) revoked, or whose certified key or CA key is revoked as a
    /// plain key. Serial 0 means the CA used no serials and is never matched by serial (OpenSSH's is_cert_revoked).
    /// </summary>
    public bool IsRevoked(SshCertificate certificate) =>
        IsRevoked(certificate.Key) || IsRevoked(certificate.SignatureKey)
        || _authorities.Exists(a => (a.CaKey is null || a.CaKey.Equals(certificate.SignatureKey)) && a.Revokes(certificate));

    private void ReadText(byte[] content)
    {
        var parsed = AuthorizedKeys.Parse(Encoding.UTF8.GetString(content), SshPublicKey.LowestMinimumRsaBits);
        if (parsed.Problems.Count > 0)
        {
            throw new FormatException($"line {parsed.Problems[0].Line}: {parsed.Problems[0].Reason}");
        }

        foreach (var entry in parsed.Keys)
        {
            _keys.Add(Convert.ToHexString(entry.Key.Blob));
        }
    }

    private void ReadKrl(ReadOnlySpan<byte> content)
    {
        var reader = new SshReader(content);
        reader.ReadBytes(KrlMagic.Length);
        uint format = reader.ReadUInt32();
        if (format != KrlFormatVersion)
        {
            throw new FormatException($"KRL format version {format} is not {KrlFormatVersion}");
        }

        reader.ReadUInt64(); // krl_version
        reader.ReadUInt64(); // generated_date
        reader.ReadUInt64(); // flags: none defined
        reader.ReadString(); // reserved
        reader.ReadString(); // comment
        while (!reader.IsAtEnd)
        {
            byte type = reader.ReadByte();
            var data = reader.ReadString();
            switch (type)
            {
                case CertificatesSection:
                    _authorities.Add(AuthorityRevocations.Read(data));
                    break;
                case ExplicitKeySection:
                    ReadStrings(data, "revoked key", blob => _keys.Add(Convert.ToHexString(blob)));
                    break;
                case Sha1Section:
                    ReadStrings(data, "SHA-1 fingerprint", hash => _sha1.Add(Convert.ToHexString(hash)));
                    break;
                case Sha256Section:
                    ReadStrings(data, "SHA-256 fingerprint", hash => _sha256.Add(Convert.ToHexString(hash)));
                    break;
                case ExtensionSection:
                    RequireNonCritical(data, "KRL");
                    break;
                case SignatureSection:
                    // PROTOCOL.krl §6: OpenSSH 9.4 and later refuse signed KRLs too.
                    throw new FormatException("signed KRLs are not supported (OpenSSH refuses them as well)");
                default:
                    throw new FormatException($"unknown KRL section type {type}");
            }
        }
    }

    /// <summary>A section of one or more strings; an empty section is malformed (PROTOCOL.krl §3, §4).</summary>
    private static void ReadStrings(ReadOnlySpan<byte> data, string what, Action<byte[]> add)
    {
        var reader = new SshReader(data);
        if (reader.IsAtEnd)
        {
            throw new FormatException($"empty {what} section");
        }

        while (!reader.IsAtEnd)
        {
            add(reader.ReadString(WireLimits.MaxKeyBlob, what).ToArray());
        }
    }

    /// <summary>PROTOCOL.krl §2.5, §5: string name, boolean critical, string contents; a critical one we cannot honour fails the file.</summary>
    private static void RequireNonCritical(ReadOnlySpan<byte> data, string where)
    {
        var reader = new SshReader(data);
        string name = reader.ReadAscii(WireLimits.MaxShortString, "extension name");
        if (reader.ReadBoolean())
        {
            throw new FormatException($"{where} has critical extension {name}, which this server does not support");
        }
    }

    /// <summary>One certificates section (PROTOCOL.krl §2): a CA (null: every CA) and what it revoked.</summary>
    private sealed class AuthorityRevocations
    {
        private readonly HashSet<ulong> _serials = [];
        private readonly List<(ulong Low, ulong High)> _ranges = [];
        private readonly List<(ulong Offset, byte[] Bitmap)> _bitmaps = [];
        private readonly HashSet<string> _keyIds = new(StringComparer.Ordinal);

        public SshPublicKey? CaKey { get; private init; }

        public bool Revokes(SshCertificate certificate) =>
            _keyIds.Contains(certificate.KeyId) || (certificate.Serial != 0 && RevokesSerial(certificate.Serial));

        public static AuthorityRevocations Read(ReadOnlySpan<byte> data)
        {
            var reader = new SshReader(data);
            var caBlob = reader.ReadString(WireLimits.MaxKeyBlob, "CA key");
            SshPublicKey? caKey = null;
            if (!caBlob.IsEmpty && !SshPublicKey.TryParse(caBlob, out caKey, out string problem, SshPublicKey.LowestMinimumRsaBits))
            {
                throw new FormatException($"KRL names a CA key that cannot be read: {problem}");
            }

            var section = new AuthorityRevocations { CaKey = caKey };
            reader.ReadString(); // reserved
            while (!reader.IsAtEnd)
            {
                byte type = reader.ReadByte();
                section.ReadSubsection(type, reader.ReadString());
            }

            return section;
        }

        private void ReadSubsection(byte type, ReadOnlySpan<byte> data)
        {
            var reader = new SshReader(data);
            switch (type)
            {
                case SerialListSubsection:
                    while (!reader.IsAtEnd)
                    {
                        _serials.Add(reader.ReadUInt64());
                    }

                    break;
                case SerialRangeSubsection:
                    ulong low = reader.ReadUInt64(), high = reader.ReadUInt64();
                    _ranges.Add(low <= high ? (low, high) : throw new FormatException($"KRL serial range {low}-{high} is reversed"));
                    break;
                case SerialBitmapSubsection:
                    ulong offset = reader.ReadUInt64();
                    _bitmaps.Add((offset, reader.ReadPositiveMpint(reader.Remaining, "KRL serial bitmap").ToArray()));
                    break;
                case KeyIdSubsection:
                    ReadStrings(data, "key id", id => _keyIds.Add(Encoding.UTF8.GetString(id)));
                    return;
                case CertificateExtensionSubsection:
                    RequireNonCritical(data, "KRL certificate section");
                    return;
                default:
                    throw new FormatException($"unknown KRL certificate subsection type {type}");
            }

            if (!reader.IsAtEnd)
            {
                throw new FormatException($"KRL certificate subsection {type} has trailing data");
            }
        }

        /// <summary>PROTOCOL.krl §2.3: bit N of the bitmap (counted from its least significant end) revokes serial offset + N.</summary>
        private bool RevokesSerial(ulong serial) =>
            _serials.Contains(serial)
            || _ranges.Exists(r => serial >= r.Low && serial <= r.High)
            || _bitmaps.Exists(b => serial >= b.Offset && (serial - b.Offset) / 8 < (ulong)b.Bitmap.Length
                && (b.Bitmap[b.Bitmap.Length - 1 - (int)((serial - b.Offset) / 8)] & (1 << (int)((serial - b.Offset) % 8))) != 0);
    }
}
