using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Connection;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.UserAuth;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh;

/// <summary>
/// One SSH connection from accept to close: identification and key exchange, authentication within the login
/// grace time, then the connection service until the client leaves or stays idle too long. Every protocol error
/// ends here as SSH_MSG_DISCONNECT with its reason code.
/// </summary>
internal sealed partial class SshSession(SshServer server, AlgorithmPolicy policy, HostKeyStore hostKeys, ConnectionContext connection)
{
    private readonly ILogger _logger = server.SessionLogger;
    private readonly SshOptions _options = server.Options;

    public async Task RunAsync()
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        grace.CancelAfter(TimeSpan.FromSeconds(_options.LoginGraceSeconds));
        using var transport = new SshTransport(connection.Transport, _options, policy, hostKeys.Current, server.Time, _logger,
            server.Metrics);
        ConnectionService? service = null;
        string phase = "identification";
        try
        {
            using (var identification = CancellationTokenSource.CreateLinkedTokenSource(grace.Token))
            {
                identification.CancelAfter(TimeSpan.FromSeconds(_options.IdentificationTimeoutSeconds));
                await transport.ExchangeIdentificationAsync(identification.Token);
            }

            if (connection.Site.Authenticator.IsThrottled(connection.ClientAddress))
            {
                throw new SshProtocolException(DisconnectReason.HostNotAllowedToConnect, "too many failed logins from your address; try again later");
            }

            phase = "authentication";
            transport.Start(connection.ConnectionClosed);
            _ = transport.WriterCompletion.ContinueWith(_ => connection.Abort(), CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            var auth = new UserAuthService(transport, server.KeyPolicy, _options, connection, _logger);
            var user = await auth.AuthenticateAsync(grace.Token);
            connection.MarkAuthenticated();

            phase = "session";
            service = new ConnectionService(transport, server.Applications, hostKeys, _options, connection, user, _logger);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            var idleTimeout = TimeSpan.FromSeconds(server.IdleTimeoutSeconds);
            await service.RunAsync(() =>
            {
                idle.CancelAfter(idleTimeout);
                return idle.Token;
            });
        }
        catch (SshProtocolException e)
        {
            connection.RecordLoginFailure(e switch
            {
                { Reason: DisconnectReason.NoMoreAuthMethodsAvailable } => LoginFailure.AuthenticationFailed,
                // No algorithm in common is a well-formed conversation that ends, as each of ssh-keyscan's per-key-type
                // probes does: OpenSSH's sshd counts it as a session that never authenticated (PerSourcePenalties noauth),
                // not as a protocol violation, so a monitoring probe does not lock its source out.
                NoCommonAlgorithmException => LoginFailure.NoAuthentication,
                _ => LoginFailure.ProtocolError,
            });
            LogProtocolError(phase, e.Reason, e.Message);
            await transport.DisconnectAsync(e.Reason, e.Message);
        }
        catch (PeerDisconnectedException e)
        {
            LogPeerDisconnected(phase, e.Message);
        }
        catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested)
        {
            string why = phase == "session" ? "idle timeout" : phase == "identification" && !grace.IsCancellationRequested
                ? "no identification in time" : "login grace time exceeded";
            connection.RecordLoginFailure(LoginFailure.GraceExceeded);
            LogTimedOut(phase, why);
            await transport.DisconnectAsync(DisconnectReason.ByApplication, why);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectionLost(phase, e.Message);
        }
        finally
        {
            // Stops applications and the writer; the transport is disposed only once neither can touch it.
            connection.Abort();
            await EndApplicationsAsync(service);
            await transport.WaitForWriterAsync();
        }
    }

    /// <summary>Our identification and a DISCONNECT in the clear, for connections refused before any session starts.</summary>
    public static async Task RefuseAsync(ConnectionContext connection, (DisconnectReason Reason, string Description) refusal,
        SshMetrics? metrics)
    {
        metrics?.Disconnected(refusal.Reason);
        using var message = SshWriter.ForPayload(MessageNumbers.Disconnect, 64);
        message.WriteUInt32((uint)refusal.Reason);
        message.WriteString(refusal.Description);
        message.WriteString("");
        var payload = message.Written;

        // RFC 4253 §6 framing without encryption: at least 4 bytes of padding, total a multiple of 8.
        int padding = 8 - ((5 + payload.Length) % 8);
        padding += padding < 4 ? 8 : 0;
        var frame = new byte[SshTransport.ServerIdentification.Length + 2 + 5 + payload.Length + padding];
        SshTransport.ServerIdentification.CopyTo(frame, 0);
        int offset = SshTransport.ServerIdentification.Length;
        frame[offset] = (byte)'\r';
        frame[offset + 1] = (byte)'\n';
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(offset + 2), (uint)(1 + payload.Length + padding));
        frame[offset + 6] = (byte)padding;
        payload.CopyTo(frame.AsSpan(offset + 7));
        try
        {
            await connection.Transport.WriteAsync(frame, connection.ConnectionClosed).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // The client is gone already.
        }
    }

    /// <summary>Applications stop with the connection; their channels' memory is returned once they have.</summary>
    private async Task EndApplicationsAsync(ConnectionService? service)
    {
        if (service is null)
        {
            return;
        }

        try
        {
            await Task.WhenAll(service.RunningApplications).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
        {
            LogApplicationsLingering(e.Message);
        }

        service.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSH {Phase}: disconnecting ({Reason}): {Message}")]
    private partial void LogProtocolError(string phase, DisconnectReason reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH {Phase}: client disconnected: {Message}")]
    private partial void LogPeerDisconnected(string phase, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH {Phase}: {Why}; disconnecting")]
    private partial void LogTimedOut(string phase, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH {Phase}: connection lost: {Message}")]
    private partial void LogConnectionLost(string phase, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "applications did not stop in time: {Message}")]
    private partial void LogApplicationsLingering(string message);
}
