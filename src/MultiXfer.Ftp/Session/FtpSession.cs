using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Commands;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Listing;

namespace MultiXfer.Ftp.Session;

/// <summary>
/// One FTP control connection: reads commands, enforces the rules that hold for every command (login first,
/// limits, timeouts, one transfer at a time), and dispatches through <see cref="CommandTable"/>. Transfers run
/// in the background so that ABOR and STAT are answered while data flows (RFC 959 section 4.1.3).
/// </summary>
internal sealed partial class FtpSession
{
    private readonly ILogger _logger;
    private long _loginClockStart;
    private readonly Lock _readTimerGate = new();
    private CancellationTokenSource? _readTimer;
    private int _badCommands;

    /// <summary>
    /// The verb (the command table's, or <see cref="FtpMetrics.UnknownVerb"/>) of the command being handled while its
    /// final reply is still to come; null otherwise. Only the command loop uses it: a transfer running in the
    /// background answers for its own verb (<see cref="ReplyToTransferAsync"/>).
    /// </summary>
    private string? _answering;

    public FtpSession(FtpServerContext server, FtpListenerPolicy policy, ConnectionContext connection)
    {
        Server = server;
        Policy = policy;
        Connection = connection;
        Control = new ControlChannel(connection.Transport);
        _logger = server.Logger;
        ResetLoginState();
    }

    internal FtpServerContext Server { get; }

    internal ConnectionContext Connection { get; }

    internal ControlChannel Control { get; }

    internal ILogger Logger => _logger;

    /// <summary>The logged-in user; null before login.</summary>
    internal UserAccount? User { get; private set; }

    /// <summary>The user's storage view; set exactly when <see cref="User"/> is.</summary>
    internal IFileSystem? Files { get; private set; }

    internal IFileSystem FilesOrThrow => Files ?? throw new InvalidOperationException("not logged in");

    internal VirtualPath CurrentDirectory { get; set; }

    /// <summary>The name HOST gave (RFC 7151); it picks the certificate when the client sends no SNI.</summary>
    internal string? RequestedHostName { get; set; }

    /// <summary>Set by USER, consumed by PASS.</summary>
    internal string? PendingUser { get; set; }

    /// <summary>RFC 959 section 3.1.1: the default representation type is ASCII.</summary>
    internal bool AsciiMode { get; set; }

    /// <summary>The REST offset for the next RETR, STOR or APPE.</summary>
    internal long RestartOffset { get; set; }

    /// <summary>The octet range RANG set for the next RETR or HASH; null: none (draft-bryan-ftp-range-08).</summary>
    internal Commands.ByteRange? Range { get; set; }

    /// <summary>The algorithm HASH uses, chosen by OPTS HASH (draft-bryan-ftpext-hash-02 §3.2).</summary>
    internal Checksums.ChecksumAlgorithm HashAlgorithm { get; set; }

    /// <summary>MODE Z (draft-preston-ftpext-deflate): data connections carry zlib streams.</summary>
    internal bool DeflateMode { get; set; }

    /// <summary>The zlib level of MODE Z downloads and listings (OPTS MODE Z LEVEL).</summary>
    internal int DeflateLevel { get; set; }

    /// <summary>The size the client announced with ALLO for its next upload (RFC 959 §4.1.3); null: none.</summary>
    internal long? AllocatedBytes { get; set; }

    /// <summary>The source named by RNFR; valid only for the command right after it.</summary>
    internal VirtualPath? RenameFrom { get; set; }

    /// <summary>After EPSV ALL only EPSV may set up data connections (RFC 2428 section 4).</summary>
    internal bool EpsvAllOnly { get; set; }

    internal MlstFacts Facts { get; set; }

    /// <summary>Set by QUIT, REIN-free endings, and fatal conditions: the loop ends after the current reply.</summary>
    internal bool Closing { get; set; }

    /// <summary>"ftps" once TLS protects the control connection, else "ftp" (users may be limited to either).</summary>
    internal string Protocol => ControlTls is null ? Auth.Protocols.Ftp : Auth.Protocols.Ftps;

    public async Task RunAsync()
    {
        try
        {
            if (Connection.Site.Authenticator.IsThrottled(Connection.ClientAddress))
            {
                // Like ProFTPD's mod_ban: a banned address is told so at once and gets no session (on an implicit
                // FTPS port, not even a handshake: the closed connection is the answer).
                LogRefusedThrottled();
                if (!Policy.ImplicitTls)
                {
                    await ReplyAsync(LoginCommands.Refusal(RejectReason.AddressThrottled));
                }

                return;
            }

            // Implicit FTPS: TLS before the first byte of FTP; a client that does not speak it hears nothing.
            if (Policy.ImplicitTls)
            {
                if (!await StartControlTlsAsync())
                {
                    return;
                }

                DataProtected = true;
            }

            await ReplyAsync(220, Connection.Site.Banner);
            while (!Closing)
            {
                var input = await ReadNextAsync();
                if (input is not { } next)
                {
                    break;
                }

                await HandleAsync(next);
            }
        }
        finally
        {
            await EndAsync();
        }
    }

    /// <summary>
    /// Waits for the next command under the login or idle timeout (none while a transfer runs; the transfer's own
    /// stall timeout applies, and the idle timer is armed when it ends). Returns null when the session must end.
    /// </summary>
    private async ValueTask<ControlInput?> ReadNextAsync()
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(Connection.ConnectionClosed, Connection.ShutdownRequested);
        lock (_readTimerGate)
        {
            _readTimer = timer;
            if (!_transferActive)
            {
                timer.CancelAfter(CurrentReadTimeout());
            }
        }

        try
        {
            var input = await Control.ReadAsync(timer.Token);
            return input.Kind == ControlInputKind.EndOfStream ? null : input;
        }
        catch (OperationCanceledException) when (!Connection.ConnectionClosed.IsCancellationRequested)
        {
            if (Connection.ShutdownRequested.IsCancellationRequested)
            {
                await WaitForTransferAsync();
                await ReplyAsync(Replies.ShuttingDown);
                return null;
            }

            LogTimedOut(User is null ? "login" : "idle");
            Connection.RecordLoginFailure(LoginFailure.GraceExceeded);
            await ReplyAsync(Replies.Timeout);
            return null;
        }
        finally
        {
            lock (_readTimerGate)
            {
                _readTimer = null;
            }
        }
    }

    private TimeSpan CurrentReadTimeout()
    {
        var idle = TimeSpan.FromSeconds(Server.Server.IdleTimeoutSeconds);
        if (User is not null)
        {
            return idle;
        }

        var left = TimeSpan.FromSeconds(Server.Server.LoginTimeoutSeconds) - Stopwatch.GetElapsedTime(_loginClockStart);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left < idle ? left : idle;
    }

    /// <summary>
    /// The last step of a transfer: from now on commands are no longer queued behind it, and the read that has
    /// been waiting since it started gets its idle timeout. One lock covers both, so a read that starts just as
    /// the transfer ends cannot miss its timer.
    /// </summary>
    private void EndTransfer()
    {
        lock (_readTimerGate)
        {
            _transferActive = false;
            try
            {
                _readTimer?.CancelAfter(CurrentReadTimeout());
            }
            catch (ObjectDisposedException)
            {
                // That read already finished.
            }
        }
    }

    private async ValueTask HandleAsync(ControlInput input)
    {
        _answering = input.Kind == ControlInputKind.Command && CommandTable.TryGet(input.Command.Verb, out var known)
            ? known.Verb
            : FtpMetrics.UnknownVerb;
        try
        {
            await HandleCommandAsync(input);
        }
        finally
        {
            _answering = null;
        }
    }

    private async ValueTask HandleCommandAsync(ControlInput input)
    {
        switch (input.Kind)
        {
            case ControlInputKind.TooLong:
                await ReplyAsync(Replies.LineTooLong);
                await CountBadCommandAsync();
                return;
            case ControlInputKind.Unparseable:
                await ReplyAsync(Replies.Unrecognized);
                await CountBadCommandAsync();
                return;
            case ControlInputKind.TlsHandshake:
                // A TLS client on a plaintext port: nothing it could read, so nothing is said (no echo).
                LogHandshakeFailed("plaintext control connection", "a TLS ClientHello arrived; closing without a reply");
                Closing = true;
                return;
        }

        var command = input.Command;
        LogCommand(command.Verb);
        if (!CommandTable.TryGet(command.Verb, out var descriptor))
        {
            // Never echo the unknown text back (ALPACA-style reflection, log injection).
            await ReplyAsync(Replies.Unrecognized);
            await CountBadCommandAsync();
            return;
        }

        if (IsTransferRunning)
        {
            var answersNow = _transfer is { HasDataConnection: false }
                ? CommandFlags.AnswersDuringServiceCommand
                : CommandFlags.AnswersDuringTransfer;
            if (descriptor.Flags.HasFlag(answersNow) && !command.HasArgument)
            {
                await DispatchAsync(descriptor, command);
                return;
            }

            // Anything else is taken in order: after the transfer it follows has finished.
            await WaitForTransferAsync();
        }

        if (User is null && !descriptor.Flags.HasFlag(CommandFlags.AllowedBeforeLogin))
        {
            await ReplyAsync(Replies.LoginRequired);
            await CountBadCommandAsync();
            return;
        }

        if (descriptor.Flags.HasFlag(CommandFlags.NeedsArgument) && !command.HasArgument)
        {
            await ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        if (command.Verb != "RNTO")
        {
            RenameFrom = null;
        }

        await DispatchAsync(descriptor, command);
    }

    /// <summary>Runs a handler; a storage failure becomes its reply and the session goes on.</summary>
    private async ValueTask DispatchAsync(CommandDescriptor descriptor, FtpCommand command)
    {
        try
        {
            await descriptor.Handler(this, command.Argument);
        }
        catch (FsException e)
        {
            LogRefusedOperation(command.Verb, e.Kind.ToString(), e.Message);
            await ReplyAsync(FsErrorReplies.For(e.Kind));
        }
    }

    private async ValueTask CountBadCommandAsync()
    {
        if (User is null && ++_badCommands >= Server.Ftp.MaxBadCommandsBeforeLogin)
        {
            LogTooManyBadCommands(_badCommands);
            Connection.RecordLoginFailure(LoginFailure.ProtocolError);
            await ReplyAsync(Replies.TooManyBadCommands);
            Closing = true;
        }
    }

    internal async ValueTask LogInAsync(UserAccount user)
    {
        var files = await Server.Files.OpenAsync(user, Connection.ConnectionClosed);
        User = user;
        Files = files;
        CurrentDirectory = VirtualPath.Root;
        Connection.LogScope.User = user.Name;
        Connection.Activity.Protocol = Protocol;
        Connection.LogScope.Protocol = Protocol;
        Connection.Activity.User = user;
        Connection.Activity.LoggedInAt = DateTimeOffset.UtcNow;
        Connection.MarkAuthenticated();
    }

    /// <summary>REIN (RFC 959 section 4.1.1): back to the state right after the greeting.</summary>
    internal async ValueTask LogOutAsync()
    {
        await WaitForTransferAsync();
        await CloseDataEndpointAsync();
        if (Files is not null)
        {
            await Files.DisposeAsync();
        }

        ResetLoginState();
    }

    /// <summary>The state of a fresh connection: no user, defaults per RFC 959, a new login clock.</summary>
    private void ResetLoginState()
    {
        User = null;
        Files = null;
        ReleaseSessionLimits();
        PendingUser = null;
        CurrentDirectory = VirtualPath.Root;
        AsciiMode = true;
        RestartOffset = 0;
        Range = null;
        HashAlgorithm = Checksums.ChecksumAlgorithm.Sha256;
        DeflateMode = false;
        DeflateLevel = Server.Ftp.ModeZ.DefaultLevel;
        AllocatedBytes = null;
        RenameFrom = null;
        EpsvAllOnly = false;
        Facts = MlstFacts.Default;
        _badCommands = 0;
        _loginClockStart = Stopwatch.GetTimestamp();
        Connection.LogScope.User = "-";
        Connection.Activity.User = null;
        Connection.Activity.Protocol = null;
    }

    private async ValueTask EndAsync()
    {
        try
        {
            await AbortTransferAsync(reply: false);
            await CloseDataEndpointAsync();
            await CloseControlTlsAsync();
        }
        finally
        {
            if (Files is not null)
            {
                await Files.DisposeAsync();
                Files = null;
            }
        }
    }

    internal ValueTask ReplyAsync(int code, string text)
    {
        CountAnswer(code);
        return WriteControlAsync(new FtpReply(code, text).Format());
    }

    internal ValueTask ReplyAsync(FtpReply reply)
    {
        CountAnswer(reply.Code);
        return WriteControlAsync(reply.Format());
    }

    internal ValueTask ReplyMultilineAsync(int code, string first, IEnumerable<string> body, string last)
    {
        CountAnswer(code);
        return WriteControlAsync(FtpReply.FormatMultiline(code, first, body, last));
    }

    /// <summary>
    /// The first reply of the command being handled that is not preliminary (1xx) is its final one; later replies
    /// (a 421 closing after a 500) and replies outside any command (greeting, timeouts) are not counted.
    /// </summary>
    private void CountAnswer(int code)
    {
        if (code >= 200 && _answering is { } verb)
        {
            _answering = null;
            Server.Metrics?.Answered(verb, code);
        }
    }

    /// <summary>A transfer has started: its background task sends the final reply of the command that started it.</summary>
    private void HandOverAnswer() => _answering = null;

    private async ValueTask WriteControlAsync(string text)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Connection.ConnectionClosed);
        deadline.CancelAfter(TimeSpan.FromSeconds(Server.Ftp.ReplyTimeoutSeconds));
        try
        {
            await Control.WriteAsync(text, deadline.Token);
        }
        catch (OperationCanceledException) when (!Connection.ConnectionClosed.IsCancellationRequested)
        {
            LogReplyNotRead(Server.Ftp.ReplyTimeoutSeconds);
            Closing = true;
            Connection.Abort();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone; the read loop notices and ends the session.
            Closing = true;
        }
    }

    /// <summary>
    /// A client path resolved against the current directory (the one normalisation, in FSIO). A line break cannot be part of one: the control connection ends
    /// a command at LF (RFC 959 §4.1.3, and RFC 2640's CR NUL escape is not supported), so names holding CR or LF are
    /// also left out of listings (<see cref="CanCarry"/>); SFTP reaches them.
    /// </summary>
    internal VirtualPath Resolve(string argument) => argument.AsSpan().IndexOfAny('\r', '\n') < 0
        ? VirtualPath.Resolve(CurrentDirectory, argument)
        : throw new FsException(FsErrorKind.InvalidName, "a line break cannot be part of an FTP path");

    /// <summary>True when an FTP client can name <paramref name="name"/> in a command, so a listing may show it.</summary>
    internal static bool CanCarry(string name) => VirtualPath.IsValidName(name) && name.AsSpan().IndexOfAny('\r', '\n') < 0;

    [LoggerMessage(Level = LogLevel.Debug, Message = "command {Verb}")]
    private partial void LogCommand(string verb);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb} refused: {Kind} ({Detail})")]
    internal partial void LogRefusedOperation(string verb, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "closing after {Count} bad commands before login")]
    private partial void LogTooManyBadCommands(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused: address is throttled after repeated login failures")]
    private partial void LogRefusedThrottled();

    [LoggerMessage(Level = LogLevel.Error, Message = "home directory unavailable at login: {Kind} ({Detail})")]
    internal partial void LogHomeUnavailable(string kind, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "login refused: {Reason}")]
    internal partial void LogSessionRefused(string reason);

    /// <summary>The account's session slot goes back (REIN, or a login that could not open its home).</summary>
    internal void ReleaseSessionLimits()
    {
        Connection.Limits?.Dispose();
        Connection.Limits = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "client did not read a reply for {Seconds} s; connection dropped")]
    private partial void LogReplyNotRead(int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Which} timeout; closing")]
    private partial void LogTimedOut(string which);
}
