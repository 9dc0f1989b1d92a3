using System.Text;

namespace MultiXfer.Ftp.Control;

/// <summary>A reply: a three-digit code (RFC 959 section 4.2) and one line of text.</summary>
internal readonly record struct FtpReply(int Code, string Text)
{
    public string Format() => $"{Code} {Clean(Text)}\r\n";

    /// <summary>
    /// A multi-line reply (RFC 959 section 4.2): "CODE-first", the body lines each indented by a space (so no body
    /// line can be mistaken for the end), then "CODE last".
    /// </summary>
    public static string FormatMultiline(int code, string first, IEnumerable<string> body, string last)
    {
        var text = new StringBuilder();
        text.Append(code).Append('-').Append(Clean(first)).Append("\r\n");
        foreach (string line in body)
        {
            text.Append(' ').Append(Clean(line)).Append("\r\n");
        }

        text.Append(code).Append(' ').Append(Clean(last)).Append("\r\n");
        return text.ToString();
    }

    /// <summary>A path in a 257 reply: quoted, with embedded quotes doubled (RFC 959 appendix II).</summary>
    public static string Quote(string path) => "\"" + path.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>No reply text may break the line structure, whatever a file name contains.</summary>
    private static string Clean(string text) =>
        text.AsSpan().IndexOfAny('\r', '\n') < 0 ? text : text.Replace('\r', ' ').Replace('\n', ' ');
}

/// <summary>Replies used in more than one place, by what they mean.</summary>
internal static class Replies
{
    public static readonly FtpReply LoginRequired = new(530, "Please login with USER and PASS.");
    public static readonly FtpReply Unrecognized = new(500, "Syntax error, command unrecognized.");
    public static readonly FtpReply LineTooLong = new(500, "Command line too long.");
    public static readonly FtpReply SyntaxErrorInArguments = new(501, "Syntax error in parameters or arguments.");
    public static readonly FtpReply NotImplementedParameter = new(504, "Command not implemented for that parameter.");
    public static readonly FtpReply UseDataCommandFirst = new(425, "Use PORT, EPRT, PASV or EPSV first.");
    public static readonly FtpReply DataConnectionFailed = new(425, "Cannot open data connection.");
    public static readonly FtpReply TransferAborted = new(426, "Connection closed; transfer aborted.");
    public static readonly FtpReply TransferAbortedByClient = new(426, "Transfer aborted.");
    public static readonly FtpReply TransferComplete = new(226, "Transfer complete.");
    public static readonly FtpReply EpsvAllInEffect = new(501, "EPSV ALL in effect; only EPSV may be used.");
    public static readonly FtpReply LocalError = new(451, "Requested action aborted: local error in processing.");
    public static readonly FtpReply TooManyBadCommands = new(421, "Too many bad commands, closing control connection.");
    public static readonly FtpReply Timeout = new(421, "Timeout, closing control connection.");
    public static readonly FtpReply ShuttingDown = new(421, "Server shutting down, closing control connection.");
    public static readonly FtpReply Goodbye = new(221, "Goodbye.");
    public static readonly FtpReply InvalidRestart = new(554, "Requested action not taken: invalid REST parameter.");

    // RFC 4217 (FTPS) and RFC 2228 security replies.
    public static readonly FtpReply TlsRequiredForLogin = new(534, "Policy requires TLS: send AUTH TLS first.");
    public static readonly FtpReply DataProtectionRequired = new(534, "Policy requires protected data connections: send PBSZ 0 and PROT P.");
    public static readonly FtpReply DataTlsFailed = new(425, "Cannot open data connection: TLS negotiation failed.");
}
