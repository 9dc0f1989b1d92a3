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
                // A RANG counts stored octets, which TYPE A does not send one for one (RANG itself refuses TYPE A).
                session.AsciiMode = true;
                session.Range = null;
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

    /// <summary>MODE S, and MODE Z (draft-preston-ftpext-deflate §3) where the configuration offers it.</summary>
    public static ValueTask Mode(FtpSession session, string argument)
    {
        switch (argument.ToUpperInvariant())
        {
            case "S":
                session.DeflateMode = false;
                return session.ReplyAsync(200, "Mode set to S.");
            case "Z" when session.Server.Ftp.ModeZ.Enabled:
                session.DeflateMode = true;
                return session.ReplyAsync(200, "Mode set to Z.");
            case "B" or "C" or "Z":
                return session.ReplyAsync(Replies.NotImplementedParameter);
            default:
                return session.ReplyAsync(Replies.SyntaxErrorInArguments);
        }
    }

    /// <summary>OPTS MODE Z LEVEL n (draft-preston-ftpext-deflate §4): zlib's level 0-9 for what the server compresses.</summary>
    public static async ValueTask ModeOptionsAsync(FtpSession session, string value)
    {
        string[] words = value.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!session.Server.Ftp.ModeZ.Enabled || words is not ["Z", ..])
        {
            await session.ReplyAsync(501, "Option not understood.");
            return;
        }

        if (words is not ["Z", "LEVEL", var level] || level.Length != 1 || !char.IsAsciiDigit(level[0]))
        {
            await session.ReplyAsync(501, "Usage: OPTS MODE Z LEVEL <0-9>.");
            return;
        }

        session.DeflateLevel = level[0] - '0';
        await session.ReplyAsync(200, $"MODE Z LEVEL set to {session.DeflateLevel}.");
    }
}
