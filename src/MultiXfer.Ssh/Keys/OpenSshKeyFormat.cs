using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// OpenSSH's "openssh-key-v1" private key format (PROTOCOL.key), unencrypted only: the server starts unattended and
/// has nobody to ask for a passphrase.
/// </summary>
internal static class OpenSshKeyFormat
{
    public const string Label = "OPENSSH PRIVATE KEY";

    /// <summary>ssh-keygen wraps the base64 at 70 characters.</summary>
    private const int LineLength = 70;

    /// <summary>Cipher "none" pads the private section to 8 bytes (sshkey.c: cipher_blocksize of "none").</summary>
    private const int BlockSize = 8;

    /// <summary>The largest RSA number we read, any of n, d, p, q, iqmp: a 16384-bit modulus.</summary>
    private const int MaxRsaNumberBytes = RsaPublicKey.MaxModulusBits / 8;

    private static ReadOnlySpan<byte> Magic => "openssh-key-v1\0"u8;

    /// <summary>
    /// PROTOCOL.key: magic, string ciphername, string kdfname, string kdfoptions, uint32 N, N public key blobs,
    /// string private section. We accept exactly one key, and its private half must match the public blob.
    /// </summary>
    public static SshHostKey Read(ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith(Magic))
        {
            throw new FormatException("not an openssh-key-v1 key");
        }

        var reader = new SshReader(data[Magic.Length..]);
        string cipher = reader.ReadAscii(KeyTypeNames.MaxNameLength, "cipher name");
        string kdf = reader.ReadAscii(KeyTypeNames.MaxNameLength, "KDF name");
        var kdfOptions = reader.ReadString();
        if (cipher != "none")
        {
            throw new FormatException($"{PrivateKeyFile.EncryptedProblem} (cipher {cipher})");
        }

        if (kdf != "none" || !kdfOptions.IsEmpty)
        {
            throw new FormatException($"unencrypted key with KDF {kdf}: the file is corrupt");
        }

        uint count = reader.ReadUInt32();
        if (count != 1)
        {
            throw new FormatException($"the file holds {count} keys; exactly one is supported");
        }

        var publicBlob = reader.ReadString(WireLimits.MaxKeyBlob, "public key");
        var privateSection = reader.ReadString();
        if (!reader.IsAtEnd)
        {
            throw new FormatException("trailing data after the private key section");
        }

        var key = ReadPrivateSection(privateSection);
        if (!key.PublicKey.Blob.AsSpan().SequenceEqual(publicBlob))
        {
            key.Dispose();
            throw new FormatException("the private key does not match the public key stored with it");
        }

        return key;
    }

    /// <summary>An unencrypted openssh-key-v1 file as ssh-keygen writes it (ciphername and kdfname "none", one key).</summary>
    public static string Write(SshHostKey key, string comment)
    {
        // Sized so the writer never grows: SshWriter returns an outgrown buffer to the pool without clearing it, and this
        // one holds the private key. RSA's n, e, d, iqmp, p, q come to about 3.5 times the public blob.
        using var section = new SshWriter((4 * key.PublicKey.Blob.Length) + Encoding.UTF8.GetByteCount(comment) + 256);
        // Two equal check-ints let a reader detect a wrong passphrase; with no encryption they are just random.
        uint check = BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));
        section.WriteUInt32(check);
        section.WriteUInt32(check);
        section.WriteString(key.KeyType);
        WritePrivateFields(section, key);
        section.WriteString(comment);
        for (byte pad = 1; section.Length % BlockSize != 0; pad++)
        {
            section.WriteByte(pad);
        }

        using var file = new SshWriter(section.Length + key.PublicKey.Blob.Length + 64);
        file.WriteBytes(Magic);
        file.WriteString("none");
        file.WriteString("none");
        file.WriteString(ReadOnlySpan<byte>.Empty);
        file.WriteUInt32(1);
        file.WriteString(key.PublicKey.Blob);
        file.WriteString(section.Written);
        return PemArmor.Encode(Label, file.Written, LineLength);
    }

    /// <summary>uint32 checkint twice, the key, string comment, then padding 1, 2, 3, ... to the block size.</summary>
    private static SshHostKey ReadPrivateSection(ReadOnlySpan<byte> section)
    {
        if (section.Length % BlockSize != 0)
        {
            throw new FormatException("private key section is not a whole number of blocks");
        }

        var reader = new SshReader(section);
        if (reader.ReadUInt32() != reader.ReadUInt32())
        {
            throw new FormatException("check-ints differ: the key file is corrupt");
        }

        var key = ReadPrivateKey(ref reader);
        try
        {
            reader.ReadUtf8(WireLimits.MaxKeyBlob, "key comment");
            var padding = reader.ReadRemaining();
            for (int i = 0; i < padding.Length; i++)
            {
                if (padding[i] != i + 1)
                {
                    throw new FormatException("bad padding after the private key: the key file is corrupt");
                }
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The per-type private fields of OpenSSH's sshkey_private_serialize.</summary>
    private static SshHostKey ReadPrivateKey(ref SshReader reader)
    {
        string type = reader.ReadAscii(KeyTypeNames.MaxNameLength, "key type");
        if (type == KeyTypeNames.Ed25519)
        {
            // string public key (32), string "secret key" (64: RFC 8032 seed || public key).
            var publicKey = Ed25519PublicKey.ReadKey(ref reader);
            var secret = reader.ReadString();
            if (secret.Length != Ed25519.PrivateKeySize + Ed25519.PublicKeySize ||
                !secret[Ed25519.PrivateKeySize..].SequenceEqual(publicKey))
            {
                throw new FormatException("ssh-ed25519 private key is not seed || public key");
            }

            return new Ed25519HostKey(secret[..Ed25519.PrivateKeySize].ToArray());
        }

        if (type == KeyTypeNames.Rsa)
        {
            // mpint n, e, d, iqmp, p, q: n before e, unlike the public blob.
            var n = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA n");
            var e = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA e");
            var d = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA d");
            var iqmp = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA iqmp");
            var p = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA p");
            var q = reader.ReadPositiveMpint(MaxRsaNumberBytes, "RSA q");
            return RsaHostKey.FromComponents(n, e, d, p, q, iqmp);
        }

        if (EcdsaCurve.FromKeyType(type) is { } curve)
        {
            // string curve identifier, string Q, mpint d.
            var q = EcdsaPublicKey.ReadPoint(ref reader, curve);
            var d = reader.ReadPositiveMpint(curve.FieldSize, "ECDSA private key");
            var parameters = new ECParameters { Curve = curve.Curve, Q = q, D = BigEndian.LeftPad(d, curve.FieldSize) };
            try
            {
                return new EcdsaHostKey(ECDsa.Create(parameters), curve);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }

        throw new FormatException($"unsupported key type {type}");
    }

    private static void WritePrivateFields(SshWriter writer, SshHostKey key)
    {
        switch (key)
        {
            case Ed25519HostKey ed25519:
                var publicKey = ((Ed25519PublicKey)ed25519.PublicKey).Key;
                byte[] secret = [.. ed25519.PrivateKey, .. publicKey];
                writer.WriteString(publicKey);
                writer.WriteString(secret);
                CryptographicOperations.ZeroMemory(secret);
                break;
            case EcdsaHostKey ecdsa:
                var ec = ecdsa.ExportParameters();
                writer.WriteString(ecdsa.Curve.Identifier);
                writer.WriteString(ecdsa.Curve.EncodePoint(ec.Q));
                writer.WriteMpint(ec.D);
                CryptographicOperations.ZeroMemory(ec.D);
                break;
            case RsaHostKey rsa:
                var r = rsa.ExportParameters();
                writer.WriteMpint(r.Modulus);
                writer.WriteMpint(r.Exponent);
                writer.WriteMpint(r.D);
                writer.WriteMpint(r.InverseQ);
                writer.WriteMpint(r.P);
                writer.WriteMpint(r.Q);
                RsaHostKey.Clear(r);
                break;
            default:
                throw new ArgumentException($"cannot write a {key.KeyType} key", nameof(key));
        }
    }
}
