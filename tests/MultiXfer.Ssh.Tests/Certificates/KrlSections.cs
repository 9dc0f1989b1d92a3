using MultiXfer.Ssh.Tests.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// A KRL taken apart into its header and sections (PROTOCOL.krl), to see which encoding ssh-keygen chose (it picks
/// the smallest of serial list, range and bitmap) and to change one part of a real KRL.
/// </summary>
internal sealed class KrlSections
{
    public const byte Certificates = 1;
    public const byte ExplicitKeys = 2;
    public const byte Sha1 = 3;
    public const byte Signature = 4;
    public const byte Sha256 = 5;
    public const byte Extension = 255;

    public const byte SerialList = 0x20;
    public const byte SerialRange = 0x21;
    public const byte SerialBitmap = 0x22;
    public const byte KeyIds = 0x23;
    public const byte CertificateExtension = 0x39;

    /// <summary>Magic, format version, krl_version, generated_date, flags, reserved and comment, as they were.</summary>
    public required byte[] Header { get; init; }

    public required List<(byte Type, byte[] Data)> Sections { get; init; }

    public static KrlSections Read(byte[] krl)
    {
        var reader = new SshReader(krl);
        reader.ReadBytes(8 + 4 + 8 + 8 + 8);
        reader.ReadString();
        reader.ReadString();
        var header = krl[..reader.Position];
        var sections = new List<(byte, byte[])>();
        while (!reader.IsAtEnd)
        {
            sections.Add((reader.ReadByte(), reader.ReadString().ToArray()));
        }

        return new KrlSections { Header = header, Sections = sections };
    }

    /// <summary>A certificates section's CA key blob (empty: any CA) and subsections.</summary>
    public static (byte[] CaKey, List<(byte Type, byte[] Data)> Subsections) ReadCertificates(byte[] section)
    {
        var reader = new SshReader(section);
        byte[] caKey = reader.ReadString().ToArray();
        reader.ReadString();
        var subsections = new List<(byte, byte[])>();
        while (!reader.IsAtEnd)
        {
            subsections.Add((reader.ReadByte(), reader.ReadString().ToArray()));
        }

        return (caKey, subsections);
    }

    public static byte[] WriteCertificates(byte[] caKey, IEnumerable<(byte Type, byte[] Data)> subsections) => Blobs.Build(w =>
    {
        w.WriteString(caKey);
        w.WriteString(""u8);
        foreach (var (type, data) in subsections)
        {
            w.WriteByte(type);
            w.WriteString(data);
        }
    });

    /// <summary>PROTOCOL.krl extension data: string name, boolean critical, string contents.</summary>
    public static byte[] ExtensionData(string name, bool critical) => Blobs.Build(w =>
    {
        w.WriteString(name);
        w.WriteBoolean(critical);
        w.WriteString(""u8);
    });

    /// <summary>The subsection types of every certificates section, in order.</summary>
    public List<byte> CertificateSubsectionTypes() =>
        Sections.Where(s => s.Type == Certificates).SelectMany(s => ReadCertificates(s.Data).Subsections.Select(sub => sub.Type)).ToList();

    public byte[] ToArray() => Blobs.Build(w =>
    {
        w.WriteBytes(Header);
        foreach (var (type, data) in Sections)
        {
            w.WriteByte(type);
            w.WriteString(data);
        }
    });
}
