using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Tests.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// A certificate taken apart field by field (PROTOCOL.certkeys), so that a test can change one field of a real
/// ssh-keygen certificate and sign it again with the same CA: whatever the parser then refuses, it refuses for that
/// field alone. ssh-keygen will not write some of these (more than 256 principals, a certificate as CA key).
/// </summary>
internal sealed class CertificateFields
{
    public required string Type { get; set; }

    public required byte[] Nonce { get; set; }

    /// <summary>The certified key's own fields: one string for Ed25519, curve and point for ECDSA, e and n for RSA.</summary>
    public required List<byte[]> KeyParts { get; init; }

    public ulong Serial { get; set; }

    public uint Kind { get; set; }

    public required string KeyId { get; set; }

    public required List<string> Principals { get; set; }

    public ulong ValidAfter { get; set; }

    public ulong ValidBefore { get; set; }

    /// <summary>Critical options: name and raw data (for valued options, the data is itself a string).</summary>
    public required List<(string Name, byte[] Data)> Critical { get; set; }

    public required byte[] Extensions { get; set; }

    public required byte[] Reserved { get; set; }

    public required byte[] CaKey { get; set; }

    public required byte[] Signature { get; set; }

    public static CertificateFields Read(byte[] blob)
    {
        var reader = new SshReader(blob);
        string type = Encoding.ASCII.GetString(reader.ReadString());
        byte[] nonce = reader.ReadString().ToArray();
        int keyParts = type.StartsWith("ssh-ed25519", StringComparison.Ordinal) ? 1 : 2;
        var parts = new List<byte[]>();
        for (int i = 0; i < keyParts; i++)
        {
            parts.Add(reader.ReadString().ToArray());
        }

        ulong serial = reader.ReadUInt64();
        uint kind = reader.ReadUInt32();
        string keyId = Encoding.UTF8.GetString(reader.ReadString());
        var principals = new List<string>();
        var principalReader = new SshReader(reader.ReadString());
        while (!principalReader.IsAtEnd)
        {
            principals.Add(Encoding.UTF8.GetString(principalReader.ReadString()));
        }

        ulong validAfter = reader.ReadUInt64();
        ulong validBefore = reader.ReadUInt64();
        var critical = new List<(string, byte[])>();
        var criticalReader = new SshReader(reader.ReadString());
        while (!criticalReader.IsAtEnd)
        {
            critical.Add((Encoding.ASCII.GetString(criticalReader.ReadString()), criticalReader.ReadString().ToArray()));
        }

        var fields = new CertificateFields
        {
            Type = type,
            Nonce = nonce,
            KeyParts = parts,
            Serial = serial,
            Kind = kind,
            KeyId = keyId,
            Principals = principals,
            ValidAfter = validAfter,
            ValidBefore = validBefore,
            Critical = critical,
            Extensions = reader.ReadString().ToArray(),
            Reserved = reader.ReadString().ToArray(),
            CaKey = reader.ReadString().ToArray(),
            Signature = reader.ReadString().ToArray(),
        };
        Assert.True(reader.IsAtEnd);
        return fields;
    }

    /// <summary>A critical option's data for a valued option: the value as a string inside the data string.</summary>
    public static byte[] Value(string text) => Blobs.Build(w => w.WriteString(text));

    /// <summary>Everything the CA signs: all fields up to and including the CA key.</summary>
    public byte[] Body() => Blobs.Build(w =>
    {
        w.WriteString(Type);
        w.WriteString(Nonce);
        foreach (byte[] part in KeyParts)
        {
            w.WriteString(part);
        }

        w.WriteUInt64(Serial);
        w.WriteUInt32(Kind);
        w.WriteString(KeyId);
        w.WriteString(Blobs.Build(p => Principals.ForEach(p.WriteString)));
        w.WriteUInt64(ValidAfter);
        w.WriteUInt64(ValidBefore);
        w.WriteString(Blobs.Build(c =>
        {
            foreach (var (name, data) in Critical)
            {
                c.WriteString(name);
                c.WriteString(data);
            }
        }));
        w.WriteString(Extensions);
        w.WriteString(Reserved);
        w.WriteString(CaKey);
    });

    /// <summary>The fields as they stand with the signature they were read with (valid only if nothing changed).</summary>
    public byte[] WithOldSignature()
    {
        byte[] body = Body();
        return Blobs.Build(w =>
        {
            w.WriteBytes(body);
            w.WriteString(Signature);
        });
    }

    /// <summary>The fields as they stand, signed afresh by <paramref name="ca"/>.</summary>
    public byte[] SignedBy(SshHostKey ca, string algorithm)
    {
        byte[] body = Body();
        return Blobs.Build(w =>
        {
            w.WriteBytes(body);
            w.WriteString(ca.Sign(algorithm, body));
        });
    }
}
