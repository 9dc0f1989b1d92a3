using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using MultiXfer.Fuzz.Support;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// Key files and key blobs: host key files as HostKeyManager loads them (PrivateKeyFile.TryLoad: RFC 7468 armor,
/// OpenSSH PROTOCOL.key "openssh-key-v1", PKCS#1 RFC 8017 A.1.2, SEC 1 RFC 5915, PKCS#8 RFC 5958 with RSA, EC and
/// Ed25519 RFC 8410), and public key blobs with signatures (RFC 4253 §6.6, RFC 5656 §3, RFC 8332, RFC 8709) as
/// user authentication checks them. The input's shape picks the entry point, so seeds can be the files themselves
/// or their decoded contents, and mutations of the binary structure need not survive base64:
/// <list type="bullet">
/// <item>text with "-----BEGIN": the whole file through PrivateKeyFile.TryLoad (returns a problem, never throws);</item>
/// <item>"openssh-key-v1\0...": OpenSshKeyFormat.Read on the binary;</item>
/// <item>0x30 (a DER SEQUENCE): PemKeyFormat.Read under each PEM label;</item>
/// <item>anything else: an SSH public key blob for SshPublicKey.TryParse, or uint32 length, blob, signature blob for
/// SshPublicKey.Verify (both documented never to throw).</item>
/// </list>
/// FormatException, SshProtocolException, CryptographicException and AsnContentException are the rejections these
/// readers use (PrivateKeyFile.TryLoad catches exactly those); anything else is a crash.
/// </summary>
internal static class KeyFilesTarget
{
    private static readonly HashSet<string> AllSignatures = [.. SshAlgorithms.SignatureAlgorithms];

    public static void Run(byte[] data)
    {
        var span = data.AsSpan();
        if (span.IndexOf("-----BEGIN"u8) >= 0)
        {
            string text = Encoding.UTF8.GetString(data);
            if (PrivateKeyFile.TryLoad(text, out var key, out string problem, 1024))
            {
                using (key)
                {
                    _ = PrivateKeyFile.PublicKeyLine(key.PublicKey, "c");
                    _ = PrivateKeyFile.Write(key, "round trip");
                }
            }
            else if (problem.Length == 0)
            {
                throw new FuzzInvariantException("TryLoad failed without a problem");
            }

            return;
        }

        if (span.StartsWith("openssh-key-v1\0"u8))
        {
            Rejecting(() => OpenSshKeyFormat.Read(data));
            return;
        }

        if (span.Length > 0 && span[0] == 0x30)
        {
            foreach (string label in new[] { "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY" })
            {
                Rejecting(() => PemKeyFormat.Read(label, data));
            }

            return;
        }

        PublicBlob(span);
    }

    private static void PublicBlob(ReadOnlySpan<byte> span)
    {
        if (SshPublicKey.TryParse(span, out var key, out string problem, 1024))
        {
            _ = key.Fingerprint;
            return;
        }

        if (problem.Length == 0)
        {
            throw new FuzzInvariantException("TryParse failed without a problem");
        }

        // uint32 blob length, blob, then a signature blob (string algorithm, string signature) over a fixed message.
        if (span.Length < 4)
        {
            return;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (length > span.Length - 4)
        {
            return;
        }

        if (SshPublicKey.TryParse(span.Slice(4, (int)length), out key, out _, 1024))
        {
            _ = key.Verify("MultiXfer fuzz signed data"u8, span[(4 + (int)length)..], AllSignatures);
        }
    }

    private static void Rejecting(Func<SshHostKey> read)
    {
        try
        {
            using var key = read();
            _ = key.PublicKey.Blob;
        }
        catch (Exception e) when (e is FormatException or SshProtocolException or CryptographicException or AsnContentException)
        {
            // The documented rejections (what PrivateKeyFile.TryLoad turns into a problem).
        }
    }
}
