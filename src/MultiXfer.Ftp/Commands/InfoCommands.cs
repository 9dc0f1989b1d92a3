using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Listing;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>SYST, HELP, NOOP, STAT (RFC 959); FEAT and OPTS (RFC 2389); OPTS UTF8 (RFC 2640); CLNT.</summary>
internal static partial class InfoCommands
{
    /// <summary>RFC 2389 section 3.2: one feature per line, each indented by a space.</summary>
    private static IEnumerable<string> FeatureLines(FtpSession session) =>
    [
        // RFC 4217 section 6: testssl.sh and nmap look for these to recognise FTPS.
        "AUTH TLS",
        "AUTH SSL",
        "PBSZ",
        "PROT",
        .. session.Server.Ftp.AllowCcc ? ["CCC"] : Array.Empty<string>(),
        "AVBL",
        "CLNT",
        "EPRT",
        "EPSV",
        HashFeature(session),
        "HOST",
        "MD5",
        "MDTM",
        "MFMT",
        session.Facts.FeatureLine,
        .. session.Server.Ftp.ModeZ.Enabled ? ["MODE Z"] : Array.Empty<string>(),
        "PASV",
        "RANG STREAM",
        "REST STREAM",
        "SITE MKDIR",
        "SITE RMDIR",
        "SITE SYMLINK",
        "SITE UTIME",
        "SIZE",
        "TVFS",
        "UTF8",
        "XCRC",
        "XMD5",
        "XSHA1",
        "XSHA256",
        "XSHA512",
    ];

    /// <summary>draft-bryan-ftpext-hash-02 §3.3: every algorithm, the one in use marked with '*'.</summary>
    private static string HashFeature(FtpSession session) => "HASH " + string.Join(';',
        Checksums.ChecksumAlgorithms.All.Select(a => Checksums.ChecksumAlgorithms.NameOf(a) + (a == session.HashAlgorithm ? "*" : "")));

    public static ValueTask System(FtpSession session, string argument) => session.ReplyAsync(215, "UNIX Type: L8");

    public static ValueTask NoOperation(FtpSession session, string argument) => session.ReplyAsync(200, "NOOP ok.");

    public static ValueTask Features(FtpSession session, string argument) =>
        session.ReplyMultilineAsync(211, "Features:", FeatureLines(session), "End");

    public static async ValueTask Help(FtpSession session, string argument)
    {
        if (argument.Length > 0)
        {
            string verb = argument.Trim().ToUpperInvariant();
            if (verb == "SITE")
            {
                await SiteCommands.HelpAsync(session);
            }
            else if (CommandTable.TryGet(verb, out var descriptor))
            {
                await session.ReplyAsync(214, $"Syntax: {descriptor.Syntax}");
            }
            else
            {
                await session.ReplyAsync(502, "Unknown command.");
            }

            return;
        }

        var verbs = CommandTable.All.Select(c => c.Verb.PadRight(5)).Chunk(8).Select(row => string.Join(' ', row));
        await session.ReplyMultilineAsync(214, "The following commands are recognized.", verbs, "Help OK.");
    }

    public static async ValueTask Options(FtpSession session, string argument)
    {
        int space = argument.IndexOf(' ');
        string name = (space < 0 ? argument : argument[..space]).ToUpperInvariant();
        string value = space < 0 ? "" : argument[(space + 1)..].Trim();
        switch (name)
        {
            case "UTF8" or "UTF-8":
                // RFC 2640: names are always UTF-8 here, so ON is accepted and OFF cannot be honoured.
                await session.ReplyAsync(value.Equals("OFF", StringComparison.OrdinalIgnoreCase)
                    ? new FtpReply(504, "UTF8 cannot be turned off.")
                    : new FtpReply(200, "Always in UTF8 mode."));
                break;
            case "MLST":
                session.Facts = MlstFacts.Parse(value);
                await session.ReplyAsync(200, $"MLST OPTS {session.Facts.SelectedList}");
                break;
            case "HASH":
                await ChecksumCommands.SelectAsync(session, value);
                break;
            case "MODE":
                await ParameterCommands.ModeOptionsAsync(session, value);
                break;
            default:
                await session.ReplyAsync(501, "Option not understood.");
                break;
        }
    }

    public static async ValueTask Client(FtpSession session, string argument)
    {
        LogClient(session.Logger, LogText.Clean(argument));
        await session.ReplyAsync(200, "Noted.");
    }

    /// <summary>
    /// STAT: during a transfer, its progress; with a path, a listing over the control connection; otherwise the
    /// session's status (RFC 959 section 4.1.3).
    /// </summary>
    public static async ValueTask Status(FtpSession session, string argument)
    {
        if (session.IsTransferRunning && session.CurrentTransfer is { } transfer && argument.Length == 0)
        {
            await session.ReplyAsync(213, $"Status: {transfer.Verb} {transfer.Bytes} bytes transferred.");
            return;
        }

        if (argument.Length > 0)
        {
            await session.WaitForTransferAsync();
            await ListingCommands.StatusOfPath(session, argument);
            return;
        }

        await session.ReplyMultilineAsync(211, "FTP server status:",
        [
            $"Connected to {session.Connection.LocalAddress}",
            $"Logged in as {session.User!.Name}",
            $"TYPE: {(session.AsciiMode ? "ASCII" : "BINARY")}, STRUcture: File, MODE: " +
            (session.DeflateMode ? $"Deflate (level {session.DeflateLevel})" : "Stream"),
            $"Session timeout in seconds is {session.Server.Server.IdleTimeoutSeconds}",
            session.ControlTls is { } tls ? $"Control connection is {tls.Describe()}" : "Control connection is plain text",
            session.DataProtected ? "Data connections will be TLS-protected (PROT P)" : "Data connections will be plain text",
        ], "End of status.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "client says it is {Client}")]
    private static partial void LogClient(ILogger logger, string client);
}
