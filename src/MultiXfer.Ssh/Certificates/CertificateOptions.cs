using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Certificates;

/// <summary>
/// The critical options of a certificate (PROTOCOL.certkeys): force-command and source-address are understood;
/// any other name is kept so that a login with it can be refused, as the protocol demands of unknown critical options.
/// </summary>
internal sealed class CertificateOptions
{
    private CertificateOptions(string? forceCommand, AddressPatternList? sourceAddress, IReadOnlyList<string> unknown)
    {
        ForceCommand = forceCommand;
        SourceAddress = sourceAddress;
        Unknown = unknown;
    }

    /// <summary>The only command the certificate may run; null when absent.</summary>
    public string? ForceCommand { get; }

    /// <summary>Client addresses (CIDR) the certificate may be used from; null when absent.</summary>
    public AddressPatternList? SourceAddress { get; }

    /// <summary>Critical options this server does not know (verify-required among them: it has no FIDO keys).</summary>
    public IReadOnlyList<string> Unknown { get; }

    /// <summary>Each option's data is itself a string holding the value (PROTOCOL.certkeys, "Critical options").</summary>
    public static CertificateOptions From(IReadOnlyList<(string Name, byte[] Data)> options)
    {
        string? forceCommand = null;
        AddressPatternList? sourceAddress = null;
        var unknown = new List<string>();
        foreach (var (name, data) in options)
        {
            switch (name)
            {
                case "force-command":
                    forceCommand = ReadValue(data, name);
                    break;
                case "source-address":
                    sourceAddress = AddressPatternList.ParseCidrList(ReadValue(data, name));
                    break;
                default:
                    unknown.Add(name);
                    break;
            }
        }

        return new CertificateOptions(forceCommand, sourceAddress, unknown);
    }

    private static string ReadValue(byte[] data, string name)
    {
        var reader = new SshReader(data);
        string value = reader.ReadUtf8(4096, name);
        return reader.IsAtEnd ? value : throw new FormatException($"critical option {name} has trailing data");
    }
}
