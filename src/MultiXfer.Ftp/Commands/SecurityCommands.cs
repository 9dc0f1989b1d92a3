using System.Globalization;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>AUTH, PBSZ, PROT and CCC (RFC 2228, RFC 4217).</summary>
internal static class SecurityCommands
{
    public static async ValueTask Authenticate(FtpSession session, string argument)
    {
        string mechanism = argument.Trim().ToUpperInvariant();
        if (mechanism is not ("TLS" or "TLS-C" or "SSL" or "TLS-P"))
        {
            await session.ReplyAsync(504, "AUTH mechanism not supported; use AUTH TLS.");
            return;
        }

        if (session.ControlTls is not null)
        {
            await session.ReplyAsync(503, "TLS is already in use.");
            return;
        }

        if (!session.Server.Tls.HasCertificates)
        {
            await session.ReplyAsync(431, "No certificate is available; TLS cannot be offered.");
            return;
        }

        await session.ReplyAsync(234, $"AUTH {mechanism} successful; start the TLS handshake.");
        if (session.Closing || !await session.StartControlTlsAsync())
        {
            return;
        }

        // RFC 2228 section 3: a new security context resets the session, as REIN does: USER and PASS again, and
        // nothing carried over from the plaintext phase (a pending USER, options, the login clock).
        await session.LogOutAsync();
        session.ProtectionBufferSet = false;

        // The pre-RFC 4217 draft defined AUTH SSL and TLS-P with protected data by default; clients that use them
        // may never send PROT P.
        session.DataProtected = mechanism is "SSL" or "TLS-P";
    }

    /// <summary>RFC 4217 section 8: PBSZ must follow the handshake; TLS has no buffer, so the answer is always 0.</summary>
    public static async ValueTask ProtectionBufferSize(FtpSession session, string argument)
    {
        if (session.ControlTls is null)
        {
            await session.ReplyAsync(503, "PBSZ needs AUTH TLS first.");
            return;
        }

        if (!ulong.TryParse(argument.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        session.ProtectionBufferSet = true;
        await session.ReplyAsync(200, "PBSZ=0");
    }

    /// <summary>RFC 4217 section 9: C (clear) or P (private); S and E have no TLS meaning.</summary>
    public static async ValueTask DataChannelProtection(FtpSession session, string argument)
    {
        if (session.ControlTls is null || !session.ProtectionBufferSet)
        {
            await session.ReplyAsync(503, "PROT needs AUTH TLS and PBSZ first.");
            return;
        }

        switch (argument.Trim().ToUpperInvariant())
        {
            case "P":
                session.DataProtected = true;
                await session.ReplyAsync(200, "Protection level set to Private.");
                break;
            case "C" when session.Policy.RequireTlsForData:
                await session.ReplyAsync(Replies.DataProtectionRequired);
                break;
            case "C":
                session.DataProtected = false;
                await session.ReplyAsync(200, "Protection level set to Clear.");
                break;
            case "S" or "E":
                await session.ReplyAsync(536, "Requested PROT level not supported by TLS.");
                break;
            default:
                await session.ReplyAsync(504, "PROT takes C or P.");
                break;
        }
    }

    /// <summary>RFC 4217 section 6: back to a plaintext control connection, only where the operator allows it.</summary>
    public static async ValueTask ClearCommandChannel(FtpSession session, string argument)
    {
        if (!session.Server.Ftp.AllowCcc || session.Policy.RequireTlsForLogin)
        {
            await session.ReplyAsync(534, "CCC is not allowed by policy.");
            return;
        }

        if (session.ControlTls is null)
        {
            await session.ReplyAsync(533, "The control connection is not protected.");
            return;
        }

        await session.ReplyAsync(200, "CCC successful; the control connection is plaintext from here.");
        await session.ClearControlChannelAsync();
    }
}
