using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
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
            // Record-at-a-time underneath, so that CCC can later read the client's close_notify through TLS.
            // After HOST (RFC 7151 §3.2), a client that sends no SNI gets the certificate of the host it named.
            var session = await Server.Tls.AcceptAsync(new TlsRecordBoundaryStream(_plainControl), leaveInnerOpen: true,
                Policy.ImplicitTls ? TlsPurpose.Implicit : TlsPurpose.Control, Server.TlsHandshakeTimeout, Connection.ConnectionClosed,
                RequestedHostName);
            ControlTls = session;
            Control.Replace(session.Stream);
            Connection.Transport = session.Stream;
            Connection.TlsServerName = session.ServerName;
            LogControlTls(session.Describe(), session.ServerName ?? "-");
            if (!SelectSiteByServerName(session.ServerName))
            {
                // HOST named one site and the handshake another's certificate (RFC 7151 §3.3 expects them to agree).
                await ReplyAsync(421, "The TLS server name and HOST name different hosts.");
                Closing = true;
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException
                                       or System.Net.Sockets.SocketException)
        {
            LogHandshakeFailed("control", e.Message);
            Connection.RecordLoginFailure(LoginFailure.ProtocolError);
            Closing = true;
            return false;
        }
    }

    /// <summary>
    /// The TLS server name picks the virtual host (before login). After HOST it must name the same host, or none
    /// at all; false when it names another.
    /// </summary>
    private bool SelectSiteByServerName(string? serverName)
    {
        if (User is not null || Connection.VirtualHosts?.ForHostName(serverName) is not { } site || ReferenceEquals(site, Connection.VirtualHost))
        {
            return true;
        }

        if (RequestedHostName is not null)
        {
            return false;
        }

        Connection.VirtualHost = site;
        LogSiteSelected(site.ToString(), "TLS server name");
        return true;
    }

    /// <summary>
    /// CCC (RFC 4217 section 6): after the 200 reply, end TLS with close_notify, read through TLS up to the client's
    /// own close_notify (verified by TLS, and read record by record so the plaintext after it stays unread), and
    /// go on in plaintext over the same TCP connection.
    /// </summary>
    internal async ValueTask ClearControlChannelAsync()
    {
        if (ControlTls is not { } tls || _plainControl is null || Closing)
        {
            return;
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Connection.ConnectionClosed);
            deadline.CancelAfter(Server.TlsHandshakeTimeout);
            await tls.Stream.ShutdownAsync().WaitAsync(deadline.Token);

            // The client answers when it is ready; it may idle first, as long as any idle client may.
            deadline.CancelAfter(TimeSpan.FromSeconds(Server.Server.IdleTimeoutSeconds));
            byte[] drain = new byte[512];
            int dropped = 0;
            int n;
            while ((n = await tls.Stream.ReadAsync(drain, deadline.Token)) > 0)
            {
                dropped += n;
            }

            if (dropped > 0)
            {
                LogCccDataDropped(dropped);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            LogHandshakeFailed("CCC shutdown", e.Message);
            Closing = true;
            return;
        }

        Control.Replace(_plainControl);
        Connection.Transport = _plainControl;
        await tls.Stream.DisposeAsync();
        ControlTls = null;
        LogControlCleared();
    }

    /// <summary>Ends control-connection TLS politely (close_notify) when the session ends; best effort.</summary>
    private async ValueTask CloseControlTlsAsync()
    {
        if (ControlTls is not { } tls)
        {
            return;
        }

        try
        {
            await tls.Stream.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException or AuthenticationException
                                       or InvalidOperationException)
        {
            // The client is gone already.
        }
    }

    /// <summary>
    /// PROT P: the server side of a handshake on a data connection. A client that sends no SNI there gets the
    /// certificate of the control connection's name, so both connections present the same one.
    /// </summary>
    private Task ProtectDataAsync(DataConnection data, Transfer transfer) =>
        data.ProtectAsync(Server.Tls, Connection.TlsServerName, Server.TlsHandshakeTimeout, transfer.Token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Bytes} bytes of plaintext sent with AUTH TLS (command injection attempt?)")]
    private partial void LogInjectionDropped(int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Bytes} bytes sent after CCC before the client's close_notify")]
    private partial void LogCccDataDropped(int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "virtual host {Site} selected by {How}")]
    internal partial void LogSiteSelected(string site, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "control connection protected: {Tls}, SNI {ServerName}")]
    private partial void LogControlTls(string tls, string serverName);

    [LoggerMessage(Level = LogLevel.Information, Message = "control connection back to plaintext (CCC)")]
    private partial void LogControlCleared();

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS handshake on the {Channel} failed: {Detail}")]
    internal partial void LogHandshakeFailed(string channel, string detail);
}
