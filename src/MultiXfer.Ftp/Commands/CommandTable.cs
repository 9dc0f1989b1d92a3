using System.Collections.Frozen;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

internal delegate ValueTask CommandHandler(FtpSession session, string argument);

[Flags]
internal enum CommandFlags
{
    None = 0,
    /// <summary>Allowed before login (RFC 959 login sequence plus discovery commands).</summary>
    AllowedBeforeLogin = 1,
    /// <summary>Replied with 501 when the argument is missing.</summary>
    NeedsArgument = 2,
    /// <summary>Answered at once while a data transfer runs (ABOR, STAT, NOOP); others wait for the transfer to end.</summary>
    AnswersDuringTransfer = 4,
    /// <summary>
    /// Answered at once while a background service command (a checksum) runs: only RFC 959 §4.1.3's interrupting
    /// commands, ABOR and STAT. Such a command sends no 1xx first, so a NOOP answered early would reach a pipelining
    /// client before the command's own reply.
    /// </summary>
    AnswersDuringServiceCommand = 8,
}

internal sealed record CommandDescriptor(string Verb, CommandHandler Handler, CommandFlags Flags, string Syntax);

/// <summary>
/// Every verb the server understands, with its handler, flags and HELP syntax. Adding a command is one handler
/// and one row here.
/// </summary>
internal static class CommandTable
{
    private const CommandFlags PreLogin = CommandFlags.AllowedBeforeLogin;
    private const CommandFlags Arg = CommandFlags.NeedsArgument;
    private const CommandFlags DuringTransfer = CommandFlags.AnswersDuringTransfer;
    private const CommandFlags Interrupts = CommandFlags.AnswersDuringTransfer | CommandFlags.AnswersDuringServiceCommand;

    private static readonly CommandDescriptor[] Rows =
    [
        // RFC 959 access control
        new("USER", LoginCommands.User, PreLogin | Arg, "USER <sp> username"),
        new("PASS", LoginCommands.Pass, PreLogin, "PASS <sp> password"),
        new("ACCT", LoginCommands.Account, Arg, "ACCT <sp> account"),
        new("REIN", LoginCommands.Reinitialize, CommandFlags.None, "REIN"),
        new("HOST", HostCommand.Host, PreLogin | Arg, "HOST <sp> host-name"),
        new("QUIT", LoginCommands.Quit, PreLogin, "QUIT"),
        new("CWD", NavigationCommands.ChangeDirectory, Arg, "CWD <sp> pathname"),
        new("XCWD", NavigationCommands.ChangeDirectory, Arg, "XCWD <sp> pathname"),
        new("CDUP", NavigationCommands.ChangeToParent, CommandFlags.None, "CDUP"),
        new("XCUP", NavigationCommands.ChangeToParent, CommandFlags.None, "XCUP"),
        new("PWD", NavigationCommands.PrintDirectory, CommandFlags.None, "PWD"),
        new("XPWD", NavigationCommands.PrintDirectory, CommandFlags.None, "XPWD"),
        new("SMNT", NavigationCommands.StructureMount, Arg, "SMNT <sp> pathname"),

        // RFC 959 transfer parameters, RFC 2428 extended ones
        new("TYPE", ParameterCommands.Type, Arg, "TYPE <sp> A | I | L 8"),
        new("STRU", ParameterCommands.Structure, Arg, "STRU <sp> F"),
        new("MODE", ParameterCommands.Mode, Arg, "MODE <sp> S | Z"),
        new("PORT", DataChannelCommands.Port, Arg, "PORT <sp> h1,h2,h3,h4,p1,p2"),
        new("EPRT", DataChannelCommands.ExtendedPort, Arg, "EPRT <sp> |proto|address|port|"),
        new("PASV", DataChannelCommands.Passive, CommandFlags.None, "PASV"),
        new("EPSV", DataChannelCommands.ExtendedPassive, CommandFlags.None, "EPSV [<sp> 1 | 2 | ALL]"),

        // RFC 959 service commands, RFC 3659 REST STREAM
        new("RETR", TransferCommands.Retrieve, Arg, "RETR <sp> pathname"),
        new("STOR", TransferCommands.Store, Arg, "STOR <sp> pathname"),
        new("STOU", TransferCommands.StoreUnique, CommandFlags.None, "STOU [<sp> name]"),
        new("APPE", TransferCommands.Append, Arg, "APPE <sp> pathname"),
        new("ALLO", TransferCommands.Allocate, Arg, "ALLO <sp> bytes"),
        new("REST", TransferCommands.Restart, Arg, "REST <sp> offset"),
        new("ABOR", TransferCommands.Abort, Interrupts, "ABOR"),
        new("RNFR", FileCommands.RenameFrom, Arg, "RNFR <sp> pathname"),
        new("RNTO", FileCommands.RenameTo, Arg, "RNTO <sp> pathname"),
        new("DELE", FileCommands.Delete, Arg, "DELE <sp> pathname"),
        new("RMD", FileCommands.RemoveDirectory, Arg, "RMD <sp> pathname"),
        new("XRMD", FileCommands.RemoveDirectory, Arg, "XRMD <sp> pathname"),
        new("MKD", FileCommands.MakeDirectory, Arg, "MKD <sp> pathname"),
        new("XMKD", FileCommands.MakeDirectory, Arg, "XMKD <sp> pathname"),
        new("LIST", ListingCommands.List, CommandFlags.None, "LIST [<sp> [-a] pathname]"),
        new("NLST", ListingCommands.NameList, CommandFlags.None, "NLST [<sp> pathname]"),
        new("MLSD", ListingCommands.MachineListDirectory, CommandFlags.None, "MLSD [<sp> pathname]"),
        new("MLST", ListingCommands.MachineListEntry, CommandFlags.None, "MLST [<sp> pathname]"),
        new("STAT", InfoCommands.Status, Interrupts, "STAT [<sp> pathname]"),
        new("SIZE", FileCommands.Size, Arg, "SIZE <sp> pathname"),
        new("MDTM", FileCommands.ModificationTime, Arg, "MDTM <sp> pathname"),
        new("MFMT", FileCommands.SetModificationTime, Arg, "MFMT <sp> YYYYMMDDHHMMSS pathname"),
        new("SITE", SiteCommands.Site, Arg, "SITE <sp> CHMOD | MKDIR | RMDIR | SYMLINK | UTIME | QUOTA | HELP"),
        new("AVBL", FileCommands.Available, CommandFlags.None, "AVBL [<sp> pathname]"),
        new("SYST", InfoCommands.System, PreLogin, "SYST"),
        new("HELP", InfoCommands.Help, PreLogin, "HELP [<sp> command]"),
        new("NOOP", InfoCommands.NoOperation, PreLogin | DuringTransfer, "NOOP"),

        // Checksums: draft-bryan-ftpext-hash-02 HASH, draft-bryan-ftp-range-08 RANG, and the older X* commands
        new("HASH", ChecksumCommands.Hash, Arg, "HASH <sp> pathname"),
        new("RANG", ChecksumCommands.Range, Arg, "RANG <sp> start <sp> end"),
        new("XCRC", ChecksumCommands.Crc, Arg, "XCRC <sp> pathname [<sp> start <sp> end]"),
        new("XMD5", ChecksumCommands.Md5, Arg, "XMD5 <sp> pathname [<sp> start <sp> end]"),
        new("XSHA", ChecksumCommands.Sha1, Arg, "XSHA <sp> pathname [<sp> start <sp> end]"),
        new("XSHA1", ChecksumCommands.Sha1, Arg, "XSHA1 <sp> pathname [<sp> start <sp> end]"),
        new("XSHA256", ChecksumCommands.Sha256, Arg, "XSHA256 <sp> pathname [<sp> start <sp> end]"),
        new("XSHA512", ChecksumCommands.Sha512, Arg, "XSHA512 <sp> pathname [<sp> start <sp> end]"),
        new("MD5", ChecksumCommands.WholeFileMd5, Arg, "MD5 <sp> pathname"),

        // RFC 2228 / RFC 4217 security (FTPS)
        new("AUTH", SecurityCommands.Authenticate, PreLogin | Arg, "AUTH <sp> TLS"),
        new("PBSZ", SecurityCommands.ProtectionBufferSize, PreLogin | Arg, "PBSZ <sp> 0"),
        new("PROT", SecurityCommands.DataChannelProtection, PreLogin | Arg, "PROT <sp> C | P"),
        new("CCC", SecurityCommands.ClearCommandChannel, CommandFlags.None, "CCC"),

        // RFC 2389 feature negotiation, RFC 2640 UTF8, CLNT
        new("FEAT", InfoCommands.Features, PreLogin, "FEAT"),
        new("OPTS", InfoCommands.Options, PreLogin | Arg, "OPTS <sp> UTF8 ON | MLST facts | HASH [algorithm] | MODE Z LEVEL n"),
        new("CLNT", InfoCommands.Client, Arg, "CLNT <sp> client name"),
    ];

    private static readonly FrozenDictionary<string, CommandDescriptor> ByVerb =
        Rows.ToFrozenDictionary(r => r.Verb, StringComparer.Ordinal);

    public static IEnumerable<CommandDescriptor> All => Rows;

    public static bool TryGet(string verb, out CommandDescriptor descriptor) => ByVerb.TryGetValue(verb, out descriptor!);
}
