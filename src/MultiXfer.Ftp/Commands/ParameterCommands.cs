using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>RFC 959 section 3.1 and 4.1.2 transfer parameters: TYPE, STRU, MODE.</summary>
internal static class ParameterCommands
{
    public static async ValueTask Type(FtpSession session, string argument)
    {
        string[] words = argument.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words)
        {
            // ASCII with the default (non-print) format control; Telnet and carriage-control formats are not offered.
            case ["A"] or ["A", "N"]:
                session.AsciiMode = true;
                await session.ReplyAsync(200, "Switching to ASCII mode.");
                break;
            case ["I"] or ["L", "8"] or ["L8"]:
                session.AsciiMode = false;
                await session.ReplyAsync(200, "Switching to Binary mode.");
                break;
            case ["A" or "E", ..] or ["E"] or ["L", ..]:
                await session.ReplyAsync(Replies.NotImplementedParameter);
                break;
            default:
                await session.ReplyAsync(Replies.SyntaxErrorInArguments);
                break;
        }
    }

    public static ValueTask Structure(FtpSession session, string argument) => argument.ToUpperInvariant() switch
    {
        "F" => session.ReplyAsync(200, "Structure set to F."),
        "R" or "P" => session.ReplyAsync(Replies.NotImplementedParameter),
        _ => session.ReplyAsync(Replies.SyntaxErrorInArguments),
    };

    public static ValueTask Mode(FtpSession session, string argument) => argument.ToUpperInvariant() switch
    {
        "S" => session.ReplyAsync(200, "Mode set to S."),
        "B" or "C" or "Z" => session.ReplyAsync(Replies.NotImplementedParameter),
        _ => session.ReplyAsync(Replies.SyntaxErrorInArguments),
    };
}
