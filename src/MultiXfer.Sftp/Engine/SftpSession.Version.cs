using System.Globalization;
using Microsoft.Extensions.Logging;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>SSH_FXP_VERSION and its extension announcements; version-select (draft -13 §5.5).</summary>
internal sealed partial class SftpSession
{
    private const string VendorName = "MultiXfer";
    private const string ProductVersion = "1.0";
    private const ulong BuildNumber = 1;

    /// <summary>The hash algorithms of check-file, in the order this server prefers when a client lists several.</summary>
    internal static readonly IReadOnlyList<string> CheckFileAlgorithms = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

    private bool Enabled(string extension) => _policy.Extensions.Contains(extension);

    private void WriteVersion()
    {
        _output.BeginPacket(SftpMessageType.Version);
        _output.WriteUInt32((uint)Codec.Version);
        foreach (string name in new[] { SftpExtensions.PosixRename, SftpExtensions.Hardlink, SftpExtensions.Fsync, SftpExtensions.Lsetstat,
                     SftpExtensions.Limits, SftpExtensions.ExpandPath, SftpExtensions.CopyData, SftpExtensions.HomeDirectory,
                     SftpExtensions.UsersGroupsById, SftpExtensions.CopyFile, SftpExtensions.SpaceAvailable })
        {
            AnnounceSimple(name, "1");
        }

        // OpenSSH's statvfs reply layout is version "2" (PROTOCOL §4.4).
        AnnounceSimple(SftpExtensions.Statvfs, "2");
        AnnounceSimple(SftpExtensions.Fstatvfs, "2");
        AnnounceSimple(SftpExtensions.CheckFile, string.Join(',', CheckFileAlgorithms));
        if (Enabled(SftpExtensions.Versions))
        {
            var versions = Enumerable.Range(SftpPolicy.MinVersion, _policy.MaxVersion - SftpPolicy.MinVersion + 1);
            AnnounceSimple(SftpExtensions.Versions, string.Join(',', versions.Select(v => v.ToString(CultureInfo.InvariantCulture))));
        }

        // newline: this server's text files end lines with LF, so text mode needs no conversion on this side.
        if (Codec.Version >= 4)
        {
            AnnounceSimple(SftpExtensions.Newline, "\n");
        }

        if (Enabled(SftpExtensions.VendorId))
        {
            _output.WriteString(SftpExtensions.VendorId);
            using var data = new SftpWriter();
            data.WriteString(VendorName);
            data.WriteString(VendorName);
            data.WriteString(ProductVersion);
            data.WriteUInt64(BuildNumber);
            WriteNested(data);
        }

        if (Codec.Version >= 5 && Enabled(SftpExtensions.Supported))
        {
            _output.WriteString(SftpExtensions.Supported);
            using var block = SupportedBlock(version2: false);
            WriteNested(block);
        }

        if (Codec.Version >= 6 && Enabled(SftpExtensions.Supported2))
        {
            _output.WriteString(SftpExtensions.Supported2);
            using var block = SupportedBlock(version2: true);
            WriteNested(block);
        }

        _output.EndPacket();
    }

    private void AnnounceSimple(string name, string data)
    {
        if (Enabled(name))
        {
            _output.WriteString(name);
            _output.WriteString(data);
        }
    }

    /// <summary>Copies a separately built structure in as one string.</summary>
    private void WriteNested(SftpWriter data)
    {
        var bytes = data.WrittenSpan;
        _output.WriteString(bytes);
    }

    /// <summary>"supported" (draft -05 §4.4) and "supported2" (draft -13 §5.4).</summary>
    private SftpWriter SupportedBlock(bool version2)
    {
        var data = new SftpWriter();
        data.WriteUInt32((uint)Codec.SupportedAttributes);
        data.WriteUInt32(0x4 | 0x8); // attribute bits this server can state: HIDDEN, CASE_INSENSITIVE
        data.WriteUInt32((uint)(SftpOpenFlags.AccessDispositionMask | SftpOpenFlags.AppendData | SftpOpenFlags.AppendDataAtomic |
                                SftpOpenFlags.TextMode | SftpOpenFlags.NoFollow | SftpOpenFlags.DeleteOnClose |
                                (version2 ? SftpOpenFlags.BlockRead | SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete |
                                            SftpOpenFlags.BlockAdvisory : 0)));
        data.WriteUInt32((uint)(AceMask.ReadData | AceMask.WriteData | AceMask.AppendData | AceMask.ReadAttributes |
                                AceMask.WriteAttributes | AceMask.Delete | AceMask.ReadAcl | AceMask.Synchronize));
        data.WriteUInt32(MaxReadLength);
        var requests = ExtendedRequestNames().ToList();
        if (version2)
        {
            // Every combination of the four block bits is accepted, both at OPEN and by BLOCK.
            data.WriteUInt16(0xFFFF);
            data.WriteUInt16(0xFFFF);
            data.WriteUInt32(0); // attribute extensions: none
            data.WriteUInt32((uint)requests.Count);
        }

        foreach (string name in requests)
        {
            data.WriteString(name);
        }

        return data;
    }

    /// <summary>The EXTENDED request names enabled for this session.</summary>
    private IEnumerable<string> ExtendedRequestNames()
    {
        foreach (string name in SftpExtensions.All)
        {
            if (!Enabled(name))
            {
                continue;
            }

            switch (name)
            {
                case SftpExtensions.CheckFile:
                    yield return "check-file-handle";
                    yield return "check-file-name";
                    break;
                case SftpExtensions.Versions:
                    yield return "version-select";
                    break;
                case SftpExtensions.VendorId or SftpExtensions.Supported or SftpExtensions.Supported2 or SftpExtensions.Newline:
                    break; // announcements, not requests
                default:
                    yield return name;
                    break;
            }
        }
    }

    /// <summary>
    /// version-select: only as the first request after VERSION; any later use ends the session, as the draft
    /// requires, because requests already answered were encoded for the old version.
    /// </summary>
    private void VersionSelect(uint id, ReadOnlySpan<byte> arguments, bool firstRequest)
    {
        if (!firstRequest)
        {
            throw new SftpFatalProtocolException("version-select after other requests");
        }

        var reader = new SftpReader(arguments);
        string requested = reader.ReadUtf8();
        if (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out int version) ||
            version < SftpPolicy.MinVersion || version > _policy.MaxVersion)
        {
            throw new SftpFatalProtocolException($"version-select of unsupported version '{requested}'");
        }

        _codec = CodecFor(version);
        _logger.LogInformation("SFTP version {Version} selected by version-select", version);
        WriteOk(id);
    }
}
