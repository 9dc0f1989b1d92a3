using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Data;
using MultiXfer.Transport.Data;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Ftp.Session;

/// <summary>FTPS (RFC 4217): TLS on the control connection (AUTH TLS or implicit) and on data connections (PROT P).</summary>
internal sealed partial class FtpSession
{
    private Stream? _plainControl;

    /// <summary>The control connection's TLS session; null while it is plaintext.</summary>
    internal TlsSession? ControlTls { get; private set; }

    /// <summary>PBSZ was given after the handshake (RFC 4217 section 8: required before PROT).</summary>
    internal bool ProtectionBufferSet { get; set; }

    /// <summary>PROT P: data connections are TLS too.</summary>
    internal bool DataProtected { get; set; }

    internal FtpListenerPolicy Policy { get; }

    /// <summary>
    /// Runs the server handshake on the control connection. Whatever the client sent after the command that
    /// started it (AUTH TLS) and before the handshake was plaintext that must never run as if protected, so it is
    /// dropped here (STARTTLS command injection, CVE-2011-1575). Returns false, having closed the session, when the
    /// handshake fails.
    /// </summary>
    internal async ValueTask<bool> StartControlTlsAsync()
    {
        int injected = Control.BufferedInputLength;
        if (injected > 0)
        {
            LogInjectionDropped(injected);
        }

        _plainControl = Connection.Transport;
        try
        {
            var session = await Server.Tls.AcceptAsync(_plainControl, leaveInnerOpen: true, Server.TlsHandshakeTimeout,
                Connection.ConnectionClosed);
            ControlTls = session;
            Control.Replace(session.Stream);
            Connection.Transport = session.Stream;
            Connection.TlsServerName = session.ServerName;
            LogControlTls(session.Describe(), session.ServerName ?? "-");
            return true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            LogHandshakeFailed("control", e.Message);
            Closing = true;
            return false;
        }
    }

    /// <summary>
    /// CCC (RFC 4217 section 6): after the 200 reply, close TLS with close_notify and go on in plaintext over the
    /// same TCP connection. The client's own close_notify is skipped on the raw stream as one whole TLS record:
    /// reading it through the TLS stream could pull the plaintext command that follows into TLS buffers.
    /// </summary>
    internal async ValueTask ClearControlChannelAsync()
    {
        if (ControlTls is not { } tls || _plainControl is null)
        {
            return;
        }

        byte[] leftover;
        try
        {
            await tls.Stream.ShutdownAsync();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Connection.ConnectionClosed);
            deadline.CancelAfter(Server.TlsHandshakeTimeout);
            leftover = await TlsRecords.SkipOneAsync(_plainControl, deadline.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or AuthenticationException)
        {
            LogHandshakeFailed("CCC shutdown", e.Message);
            Closing = true;
            return;
        }

        Control.Replace(_plainControl, leftover);
        Connection.Transport = _plainControl;
        await tls.Stream.DisposeAsync();
        ControlTls = null;
        LogControlCleared();
    }

    /// <summary>PROT P: the server side of a handshake on a data connection, with the control connection's SNI name.</summary>
    private async Task ProtectDataAsync(DataConnection data, Transfer transfer)
    {
        var session = await Server.Tls.AcceptAsync(data.Stream, leaveInnerOpen: false, Server.TlsHandshakeTimeout, transfer.Token);
        data.Protect(session.Stream);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Bytes} bytes of plaintext sent with AUTH TLS (command injection attempt?)")]
    private partial void LogInjectionDropped(int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "control connection protected: {Tls}, SNI {ServerName}")]
    private partial void LogControlTls(string tls, string serverName);

    [LoggerMessage(Level = LogLevel.Information, Message = "control connection back to plaintext (CCC)")]
    private partial void LogControlCleared();

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS handshake on the {Channel} failed: {Detail}")]
    internal partial void LogHandshakeFailed(string channel, string detail);
}
