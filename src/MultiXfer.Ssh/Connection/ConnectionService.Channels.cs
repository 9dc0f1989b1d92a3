using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Connection;

internal sealed partial class ConnectionService
{
    /// <summary>RFC 4254 §5.1 reason codes for SSH_MSG_CHANNEL_OPEN_FAILURE.</summary>
    private const uint AdministrativelyProhibited = 1;
    private const uint UnknownChannelType = 3;
    private const uint ResourceShortage = 4;

    /// <summary>A client allowing less than this per packet would make us send absurdly small packets.</summary>
    private const uint MinimumRemoteMaxPacket = 512;

    private const string ShellRefusal = "This server offers file transfer only (SFTP and SCP); there is no shell or command execution.\r\n";

    private void HandleChannelOpen(ref SshReader reader)
    {
        string type = reader.ReadAscii(WireLimits.MaxShortString, "channel type");
        uint remoteId = reader.ReadUInt32();
        uint window = reader.ReadUInt32();
        uint maxPacket = reader.ReadUInt32();
        if (type != "session")
        {
            bool forwarding = type is "direct-tcpip" or "forwarded-tcpip" or "x11" or "auth-agent@openssh.com"
                or "direct-streamlocal@openssh.com" or "forwarded-streamlocal@openssh.com" or "tun@openssh.com";
            RefuseOpen(remoteId, forwarding ? AdministrativelyProhibited : UnknownChannelType,
                forwarding ? "forwarding is disabled on this server" : $"unknown channel type '{type}'");
            return;
        }

        if (_noMoreSessions || _channels.Count >= options.MaxChannelsPerConnection || maxPacket < MinimumRemoteMaxPacket)
        {
            RefuseOpen(remoteId, _noMoreSessions ? AdministrativelyProhibited : ResourceShortage,
                maxPacket < MinimumRemoteMaxPacket ? "maximum packet size too small" : "too many channels");
            return;
        }

        uint localId = 0;
        while (_channels.ContainsKey(localId))
        {
            localId++;
        }

        _channels[localId] = new SessionChannel(transport, localId, remoteId, window, maxPacket, connection.ConnectionClosed);
        using var confirm = SshWriter.ForPayload(MessageNumbers.ChannelOpenConfirmation, 32);
        confirm.WriteUInt32(remoteId);
        confirm.WriteUInt32(localId);
        confirm.WriteUInt32(SessionChannel.InitialWindow);
        confirm.WriteUInt32(SessionChannel.MaxPacket);
        transport.Post(confirm.ToPacket());
    }

    private void RefuseOpen(uint remoteId, uint reason, string description)
    {
        LogOpenRefused(description);
        using var failure = SshWriter.ForPayload(MessageNumbers.ChannelOpenFailure, 64 + description.Length);
        failure.WriteUInt32(remoteId);
        failure.WriteUInt32(reason);
        failure.WriteString(description);
        failure.WriteString("");
        transport.Post(failure.ToPacket());
    }

    /// <summary>
    /// RFC 4254 §6: subsystem and exec start a registered application, shell gets a one-line refusal and ends;
    /// pty-req, x11-req, env, agent forwarding, signals and everything else are declined when a reply is wanted.
    /// </summary>
    private void HandleChannelRequest(ref SshReader reader)
    {
        var channel = Find(reader.ReadUInt32());
        string request = reader.ReadAscii(WireLimits.MaxShortString, "request type");
        bool wantReply = reader.ReadBoolean();
        Func<Task>? run = null;
        if (!channel.Started)
        {
            switch (request)
            {
                case "subsystem":
                {
                    string name = reader.ReadAscii(WireLimits.MaxShortString, "subsystem name");
                    run = Prepare(channel, applications.FindSubsystem(name), name);
                    break;
                }

                case "exec":
                {
                    string command = reader.ReadUtf8(4096, "command");
                    var found = applications.FindCommand(command);
                    run = found is not null ? Prepare(channel, found, command) : PrepareRefusal(channel, command, 127);
                    break;
                }

                case "shell":
                    run = PrepareRefusal(channel, "shell", 1);
                    break;
            }
        }

        // The reply is queued before the application starts, so the client learns the request succeeded before
        // any of its output, exit status or CLOSE (Go's x/crypto/ssh fails a request whose channel closes first).
        if (wantReply)
        {
            transport.Post(ChannelReply(channel.RemoteId, run is not null ? MessageNumbers.ChannelSuccess : MessageNumbers.ChannelFailure));
        }

        if (run is not null)
        {
            channel.Application = Task.Run(run);
        }
    }

    /// <summary>What runs the application on the channel, or null when it may not start.</summary>
    private Func<Task>? Prepare(SessionChannel channel, RegisteredApplication? registered, string command)
    {
        if (registered is null || !user.MayUse(registered.Protocol))
        {
            LogApplicationRefused(LogText.Clean(command), registered is null ? "not offered" : $"user may not use {registered.Protocol}");
            return null;
        }

        channel.Started = true;
        connection.Activity.Protocol = registered.Protocol;
        connection.LogScope.Protocol = registered.Protocol;
        var session = new ChannelSession
        {
            // File data and SFTP requests share the channel, so the session's rates hold at the channel (seams §5).
            Stream = connection.Limits is { } limits
                ? new MultiXfer.Limits.PacedStream(new ChannelStream(channel, extendedType: null), limits)
                : new ChannelStream(channel, extendedType: null),
            ErrorStream = new ChannelStream(channel, extendedType: 1),
            User = user,
            Connection = connection,
            Command = command,
            Cancellation = channel.Closed,
        };
        LogApplicationStarted(LogText.Clean(command), channel.LocalId);
        return () => RunApplicationAsync(channel, registered.Application, session);
    }

    /// <summary>The exit status goes to the client, then EOF and CLOSE; a failing application ends its channel, not the connection.</summary>
    private async Task RunApplicationAsync(SessionChannel channel, IChannelApplication application, ChannelSession session)
    {
        int status;
        try
        {
            status = await application.RunAsync(session);
        }
        catch (Exception e) when (channel.Closed.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            return;
        }
        catch (Exception e)
        {
            LogApplicationFailed(e, LogText.Clean(session.Command));
            status = 1;
        }

        channel.Finish(status);
    }

    /// <summary>
    /// A shell or an unknown command: the request succeeds so the client shows our one-line explanation (on
    /// standard error), then the channel ends with a non-zero exit status.
    /// </summary>
    private Func<Task> PrepareRefusal(SessionChannel channel, string what, int exitStatus)
    {
        LogApplicationRefused(LogText.Clean(what), "no shell or command execution");
        channel.Started = true;
        return async () =>
        {
            try
            {
                await channel.WriteAsync(System.Text.Encoding.UTF8.GetBytes(ShellRefusal), extendedType: 1, channel.Closed);
                channel.Finish(exitStatus);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The client closed first.
            }
        };
    }

    private static Wire.OutgoingPacket ChannelReply(uint remoteId, byte number)
    {
        using var reply = SshWriter.ForPayload(number, 8);
        reply.WriteUInt32(remoteId);
        return reply.ToPacket();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "channel open refused: {Reason}")]
    private partial void LogOpenRefused(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "started {Command} on channel {Channel}")]
    private partial void LogApplicationStarted(string command, uint channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "refused {Command}: {Reason}")]
    private partial void LogApplicationRefused(string command, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Command} failed")]
    private partial void LogApplicationFailed(Exception exception, string command);
}
