using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>
/// One SFTP session over a byte stream (an SSH channel or stdio). Requests are read in batches: every complete
/// packet that has arrived is handled in order, the replies collect in one buffer and leave in one write, then the
/// next batch is read. Clients keep many requests outstanding (OpenSSH 64, lftp and rclone more), so a batch
/// usually holds many, while reading stops whenever replies cannot be written (the back-pressure of the
/// channel's flow control reaches the client through its window).
/// </summary>
internal sealed partial class SftpSession
{
    /// <summary>Largest packet accepted, as OpenSSH's sftp-server (SFTP_MAX_MSG_LENGTH), announced by limits@openssh.com.</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>READ replies are clamped to this, and WRITE data may be this long (SFTP_MAX_READ_LENGTH).</summary>
    public const int MaxReadLength = MaxPacketLength - 1024;

    /// <summary>
    /// The input buffer a session starts with: enough for requests other than large WRITEs, and below the large
    /// object heap's threshold, so sessions that never upload never touch a 256 KiB buffer.
    /// </summary>
    private const int InitialInputSize = 64 * 1024;

    /// <summary>Replies pending above this are written before more requests are handled.</summary>
    private const int FlushThreshold = 256 * 1024;

    private readonly Stream _stream;

    /// <summary>The connection, told of each file transfer (session list, logs, metrics); none over stdio.</summary>
    private readonly MultiXfer.Connections.ConnectionContext? _connection;
    private readonly IFileSystem _files;
    private readonly SftpPolicy _policy;
    private readonly OwnerNames _owners;
    private readonly ILogger _logger;
    private readonly bool _waitWithoutBuffer;
    private readonly SftpWriter _output = new();
    private readonly SftpHandles _handles;
    private readonly TimeProvider _time;
    private SftpCodec? _codec;
    private bool _versionSelectAllowed;
    private readonly SftpMetrics? _metrics;

    /// <summary>The request being handled, as <see cref="SftpMetrics"/> names it.</summary>
    private string _request = "";

    /// <summary>The code of the last STATUS written, as chosen (before folding for the client's version).</summary>
    private SftpStatusCode _status;

    /// <param name="waitWithoutBuffer">
    /// The stream supports zero-byte reads that wait for data (an SSH channel does): an idle session then holds no
    /// input buffer at all.
    /// </param>
    /// <param name="metrics">Where requests are counted; null: nowhere (sftp-server on stdio, tests).</param>
    public SftpSession(Stream stream, IFileSystem files, SftpPolicy policy, OwnerNames owners, ILogger logger,
        bool waitWithoutBuffer, TimeProvider? time = null, MultiXfer.Connections.ConnectionContext? connection = null,
        SftpMetrics? metrics = null)
    {
        _connection = connection;
        _metrics = metrics;
        _stream = stream;
        _files = files;
        _policy = policy;
        _owners = owners;
        _logger = logger;
        _waitWithoutBuffer = waitWithoutBuffer;
        _handles = new SftpHandles(policy.MaxOpenHandles);
        _time = time ?? TimeProvider.System;
    }

    private SftpCodec Codec => _codec!;

    /// <summary>Serves until the client closes its side; returns the exit status for the channel.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                if (start == end)
                {
                    start = end = 0;
                    if (_waitWithoutBuffer)
                    {
                        ReturnBuffer(ref buffer);
                        // A zero-byte read returns when data has arrived, consuming none of it.
                        _ = await _stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
                    }
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(InitialInputSize);
                int needed = end - start >= 4 ? PacketSize(buffer, start) : 4;
                if (needed > buffer.Length)
                {
                    // Only a packet larger than the small buffer (a 255 KiB WRITE) earns the large one.
                    var larger = ArrayPool<byte>.Shared.Rent(MaxPacketLength + 4);
                    buffer.AsSpan(start, end - start).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    end -= start;
                    start = 0;
                }
                else if (buffer.Length - start < needed || buffer.Length == end)
                {
                    // Move the partial packet to the front so that a whole one fits.
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                int read = await _stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (read == 0)
                {
                    if (end > start)
                    {
                        _logger.LogInformation("SFTP client ended the stream inside a packet ({Bytes} bytes pending)", end - start);
                    }

                    return 0;
                }

                end += read;
                while (end - start >= 4)
                {
                    int size = PacketSize(buffer, start);
                    if (end - start < size)
                    {
                        break;
                    }

                    await HandlePacketAsync(buffer.AsMemory(start + 4, size - 4), cancellationToken);
                    start += size;
                    if (_output.Length >= FlushThreshold)
                    {
                        await _output.FlushAsync(_stream, cancellationToken);
                    }
                }

                await _output.FlushAsync(_stream, cancellationToken);
            }
        }
        catch (SftpFatalProtocolException e)
        {
            _logger.LogWarning("SFTP session closed: {Reason}", e.Message);
            return 2;
        }
        finally
        {
            ReturnBuffer(ref buffer);
            _output.Dispose();
            await CloseAllHandlesAsync();
        }
    }

    /// <summary>The whole packet (length field included); a length over the limit or under 5 ends the session.</summary>
    private static int PacketSize(byte[] buffer, int start)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(start));
        if (length > MaxPacketLength)
        {
            throw new SftpFatalProtocolException($"packet of {length} bytes is over the {MaxPacketLength}-byte limit");
        }

        if (length < 5)
        {
            // A type byte and a request id at least (draft -13 §4).
            throw new SftpFatalProtocolException($"packet of {length} bytes is too short");
        }

        return (int)length + 4;
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    private async ValueTask HandlePacketAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        var type = (SftpMessageType)packet.Span[0];
        if (_codec is null)
        {
            HandleInit(type, packet[1..]);
            return;
        }

        if (type == SftpMessageType.Init)
        {
            throw new SftpFatalProtocolException("second INIT");
        }

        uint id = BinaryPrimitives.ReadUInt32BigEndian(packet.Span[1..]);
        var body = packet[5..];
        bool wasFirstRequest = _versionSelectAllowed;
        _versionSelectAllowed = false;
        _request = RequestTag(type);
        try
        {
            await DispatchAsync(type, id, body, wasFirstRequest, cancellationToken);
        }
        catch (SftpBadMessageException e)
        {
            _output.AbandonPacket();
            _logger.LogDebug("SFTP request {Type} {Id}: bad message: {Reason}", type, id, e.Message);
            WriteStatus(id, SftpStatusCode.BadMessage, e.Message);
        }
        catch (SftpStatusException e)
        {
            _output.AbandonPacket();
            WriteStatus(id, e.Code, e.Detail);
        }
        catch (FsException e)
        {
            _output.AbandonPacket();
            if (e.Kind == FsErrorKind.IoError)
            {
                _logger.LogWarning("SFTP request {Type}: {Detail}", type, e.Message);
            }

            // The status code a version knows may be vaguer than the failure (FAILURE for a full disk in version 3):
            // then the message carries the reason.
            var code = StatusMapping.From(e.Kind);
            WriteStatus(id, code, code == SftpStatusCode.Failure || Codec.FoldStatus(code) != code ? FsException.Describe(e.Kind) : null);
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or SftpFatalProtocolException))
        {
            // A fault of this server's, not the client's: the request fails, the session and the process live on.
            _output.AbandonPacket();
            _logger.LogError(e, "SFTP request {Type} failed", type);
            WriteStatus(id, SftpStatusCode.Failure);
        }

        _metrics?.Answered(_request, _output.LastPacketType == SftpMessageType.Status
            ? SftpMetrics.StatusName(_status)
            : SftpMetrics.ReplyName(_output.LastPacketType));
    }

    /// <summary>
    /// SSH_FXP_INIT (draft -13 §4.3): the version is the lower of the client's and ours. Versions below 3 have
    /// other packet layouts this server does not speak: such a client is disconnected.
    /// </summary>
    private void HandleInit(SftpMessageType type, ReadOnlyMemory<byte> body)
    {
        if (type != SftpMessageType.Init)
        {
            throw new SftpFatalProtocolException($"request type {(byte)type} before INIT");
        }

        if (body.Length < 4)
        {
            throw new SftpFatalProtocolException("INIT without a version");
        }

        uint clientVersion = BinaryPrimitives.ReadUInt32BigEndian(body.Span);
        if (clientVersion < SftpPolicy.MinVersion)
        {
            throw new SftpFatalProtocolException($"client version {clientVersion} is below 3");
        }

        int version = (int)Math.Min(clientVersion, (uint)_policy.MaxVersion);
        _codec = CodecFor(version);
        _versionSelectAllowed = _policy.Extensions.Contains(SftpExtensions.Versions);
        _logger.LogInformation("SFTP session started: version {Version} (client offered {ClientVersion})", version, clientVersion);
        WriteVersion();
    }

    internal static SftpCodec CodecFor(int version) => version switch
    {
        3 => new SftpCodecV3(),
        4 => new SftpCodecV4(),
        5 => new SftpCodecV5(),
        _ => new SftpCodecV6(),
    };

    private async ValueTask DispatchAsync(SftpMessageType type, uint id, ReadOnlyMemory<byte> body, bool firstRequest,
        CancellationToken cancellationToken)
    {
        if (!Codec.Defines(type))
        {
            WriteStatus(id, SftpStatusCode.OpUnsupported, $"request type {(byte)type} is not part of version {Codec.Version}");
            return;
        }

        if (type != SftpMessageType.Extended && RequestName(type) is var name && !_policy.IsPermitted(name))
        {
            WriteStatus(id, SftpStatusCode.PermissionDenied, $"{name} is not permitted");
            return;
        }

        switch (type)
        {
            case SftpMessageType.Open: await OpenAsync(id, body, cancellationToken); break;
            case SftpMessageType.Close: await CloseAsync(id, body, cancellationToken); break;
            case SftpMessageType.Read: await ReadAsync(id, body, cancellationToken); break;
            case SftpMessageType.Write: await WriteAsync(id, body, cancellationToken); break;
            case SftpMessageType.Lstat: await StatAsync(id, body, followLinks: false, cancellationToken); break;
            case SftpMessageType.Stat: await StatAsync(id, body, followLinks: true, cancellationToken); break;
            case SftpMessageType.Fstat: await FstatAsync(id, body, cancellationToken); break;
            case SftpMessageType.Setstat: await SetstatAsync(id, body, followLinks: true, cancellationToken); break;
            case SftpMessageType.Fsetstat: await FsetstatAsync(id, body, cancellationToken); break;
            case SftpMessageType.Opendir: await OpendirAsync(id, body, cancellationToken); break;
            case SftpMessageType.Readdir: await ReaddirAsync(id, body, cancellationToken); break;
            case SftpMessageType.Remove: await RemoveAsync(id, body, cancellationToken); break;
            case SftpMessageType.Mkdir: await MkdirAsync(id, body, cancellationToken); break;
            case SftpMessageType.Rmdir: await RmdirAsync(id, body, cancellationToken); break;
            case SftpMessageType.Realpath: await RealpathAsync(id, body, cancellationToken); break;
            case SftpMessageType.Rename: await RenameAsync(id, body, cancellationToken); break;
            case SftpMessageType.Readlink: await ReadlinkAsync(id, body, cancellationToken); break;
            case SftpMessageType.Symlink: await SymlinkAsync(id, body, cancellationToken); break;
            case SftpMessageType.Link: await LinkAsync(id, body, cancellationToken); break;
            case SftpMessageType.Block: await BlockAsync(id, body, cancellationToken); break;
            case SftpMessageType.Unblock: await UnblockAsync(id, body, cancellationToken); break;
            case SftpMessageType.Extended: await ExtendedAsync(id, body, firstRequest, cancellationToken); break;
            default:
                WriteStatus(id, SftpStatusCode.OpUnsupported, $"request type {(byte)type} is not a request");
                break;
        }
    }

    /// <summary>Request names as OpenSSH's sftp-server -Q requests lists them (used by -p/-P and logs).</summary>
    internal static string RequestName(SftpMessageType type) => type switch
    {
        SftpMessageType.Open => "open",
        SftpMessageType.Close => "close",
        SftpMessageType.Read => "read",
        SftpMessageType.Write => "write",
        SftpMessageType.Lstat => "lstat",
        SftpMessageType.Fstat => "fstat",
        SftpMessageType.Setstat => "setstat",
        SftpMessageType.Fsetstat => "fsetstat",
        SftpMessageType.Opendir => "opendir",
        SftpMessageType.Readdir => "readdir",
        SftpMessageType.Remove => "remove",
        SftpMessageType.Mkdir => "mkdir",
        SftpMessageType.Rmdir => "rmdir",
        SftpMessageType.Realpath => "realpath",
        SftpMessageType.Stat => "stat",
        SftpMessageType.Rename => "rename",
        SftpMessageType.Readlink => "readlink",
        SftpMessageType.Symlink => "symlink",
        SftpMessageType.Link => "link",
        SftpMessageType.Block => "block",
        SftpMessageType.Unblock => "unblock",
        _ => "extended",
    };

    /// <summary>
    /// A request's name for metrics: its own for the types of draft -13, "other" for any other type byte. EXTENDED
    /// requests are "extended_other" until <see cref="ExtendedAsync"/> finds a name this server implements.
    /// </summary>
    private static string RequestTag(SftpMessageType type) => type switch
    {
        >= SftpMessageType.Open and <= SftpMessageType.Unblock => RequestName(type),
        SftpMessageType.Extended => "extended_other",
        _ => "other",
    };

    internal static readonly IReadOnlyList<string> RequestNames =
    [
        "open", "close", "read", "write", "lstat", "fstat", "setstat", "fsetstat", "opendir", "readdir", "remove", "mkdir",
        "rmdir", "realpath", "stat", "rename", "readlink", "symlink", "link", "block", "unblock",
    ];

    /// <summary>A STATUS reply; without a message of its own, the text names the code the client actually receives.</summary>
    private void WriteStatus(uint id, SftpStatusCode code, string? message = null)
    {
        var folded = Codec.FoldStatus(code);
        _status = code;
        _output.BeginPacket(SftpMessageType.Status);
        _output.WriteUInt32(id);
        _output.WriteUInt32((uint)folded);
        _output.WriteString(message ?? StatusMapping.Message(folded));
        _output.WriteString("en");
        _output.EndPacket();
    }

    private void WriteOk(uint id) => WriteStatus(id, SftpStatusCode.Ok);

    /// <summary>
    /// A client path as FSIO names it: relative paths start at the start directory. Without "..", resolution is
    /// textual. A ".." is applied where the kernel applies it, to the directory reached so far with its links
    /// followed ("link/.." is the link target's parent, "file/.." is not a directory), as OpenSSH's sftp-server
    /// gets from the kernel; FSIO keeps the result inside the root either way.
    /// </summary>
    private ValueTask<VirtualPath> ResolvePathAsync(string input, CancellationToken cancellationToken)
    {
        if (input.Length == 0)
        {
            input = ".";
        }

        if (!HasDotDotSegment(input))
        {
            return ValueTask.FromResult(VirtualPath.TryResolve(_policy.StartDirectory, input, out var path, out _)
                ? path
                : throw new SftpStatusException(SftpStatusCode.InvalidFilename));
        }

        return ResolveThroughLinksAsync(input, cancellationToken);
    }

    /// <summary>The body of the many requests whose only argument is one path.</summary>
    private static string SinglePathArgument(ReadOnlyMemory<byte> body)
    {
        var reader = new SftpReader(body.Span);
        return reader.ReadUtf8();
    }

    /// <summary>Whether any '/'-separated segment is "..", without splitting: this runs for every path a request names.</summary>
    private static bool HasDotDotSegment(string input)
    {
        for (int at = input.IndexOf("..", StringComparison.Ordinal); at >= 0; at = input.IndexOf("..", at + 1, StringComparison.Ordinal))
        {
            if ((at == 0 || input[at - 1] == '/') && (at + 2 == input.Length || input[at + 2] == '/'))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<VirtualPath> ResolveThroughLinksAsync(string input, CancellationToken cancellationToken)
    {
        var current = input.StartsWith('/') ? VirtualPath.Root : _policy.StartDirectory;
        foreach (string segment in input.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (current.IsRoot)
                {
                    continue;
                }

                var real = await _files.GetRealPathAsync(current, cancellationToken);
                if (!(await _files.GetStatusAsync(real, followLinks: true, cancellationToken)).IsDirectory)
                {
                    throw new SftpStatusException(SftpStatusCode.NotADirectory);
                }

                current = real.Parent;
                continue;
            }

            if (!VirtualPath.TryResolve(current, segment, out current, out _))
            {
                throw new SftpStatusException(SftpStatusCode.InvalidFilename);
            }
        }

        return current;
    }

    private async ValueTask CloseAllHandlesAsync()
    {
        foreach (var handle in _handles.All.ToList())
        {
            try
            {
                await ReleaseAsync(handle, commit: false, CancellationToken.None);
            }
            catch (Exception e) when (e is FsException or IOException)
            {
                _logger.LogDebug("SFTP handle {Path} at session end: {Reason}", handle.Path, e.Message);
            }
        }

        _handles.Clear();
    }
}
