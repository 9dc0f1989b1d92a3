using System.Buffers.Binary;
using System.IO.Pipelines;

namespace MultiXfer.Sftp.Tests.Client;

/// <summary>
/// A raw SFTP client over an in-memory stream pair: it frames what it is told to, and parses replies without
/// trusting them. <see cref="Session"/> is the server's RunAsync.
/// </summary>
internal sealed class SftpTestClient : IAsyncDisposable
{
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly Pipe _toServer;
    private readonly Stream _out;
    private readonly Stream _in;
    private uint _nextId = 1000;
    private bool _outputClosed;

    public SftpTestClient(Pipe toServer, Pipe fromServer, Task<int> session)
    {
        _toServer = toServer;
        _out = toServer.Writer.AsStream();
        _in = fromServer.Reader.AsStream();
        Session = session;
    }

    /// <summary>The server session: its result is RunAsync's exit status; it faults if the session crashed.</summary>
    public Task<int> Session { get; }

    /// <summary>The negotiated version (set by <see cref="InitAsync"/> or by the test after version-select).</summary>
    public int Version { get; set; }

    public Reply? VersionReply { get; private set; }

    public uint NextId() => _nextId++;

    public async Task<Reply> InitAsync(uint version)
    {
        await SendPacketAsync(new PacketBuilder().Byte(Fxp.Init).UInt32(version).ToArray());
        var reply = await ReceiveAsync() ?? throw new InvalidOperationException("session closed instead of VERSION");
        Assert.Equal(Fxp.Version, reply.Type);
        Version = (int)reply.Id;
        VersionReply = reply;
        return reply;
    }

    /// <summary>The extension pairs of the VERSION reply.</summary>
    public List<(string Name, byte[] Data)> Extensions()
    {
        var r = VersionReply!.Body();
        var list = new List<(string, byte[])>();
        while (!r.AtEnd)
        {
            list.Add((r.Utf8(), r.String()));
        }

        return list;
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _out.WriteAsync(bytes);
        await _out.FlushAsync();
    }

    /// <summary>Sends one packet: uint32 length, then <paramref name="payload"/> (type byte first).</summary>
    public Task SendPacketAsync(byte[] payload)
    {
        var framed = new byte[payload.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)payload.Length);
        payload.CopyTo(framed, 4);
        return SendRawAsync(framed);
    }

    /// <summary>Builds type, id and body into one packet's payload.</summary>
    public static byte[] Payload(byte type, uint id, Action<PacketBuilder>? body)
    {
        var b = new PacketBuilder().Byte(type).UInt32(id);
        body?.Invoke(b);
        return b.ToArray();
    }

    public async Task<uint> SendAsync(byte type, Action<PacketBuilder>? body)
    {
        uint id = NextId();
        await SendPacketAsync(Payload(type, id, body));
        return id;
    }

    /// <summary>The next reply, or null when the server closed its side.</summary>
    public async Task<Reply?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? ReplyTimeout);
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(header, cts.Token))
        {
            return null;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        Assert.InRange(length, 1u, 1024u * 1024u);
        var body = new byte[length];
        Assert.True(await ReadExactlyOrEndAsync(body, cts.Token), "server closed inside a reply");
        return new Reply(body[0], body[1..]);
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n;
            try
            {
                n = await _in.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("no reply from the SFTP session in time");
            }

            if (n == 0)
            {
                Assert.True(filled == 0, "server closed inside a reply");
                return false;
            }

            filled += n;
        }

        return true;
    }

    /// <summary>Sends a request and returns its reply, checking that the reply's id is the request's.</summary>
    public async Task<Reply> RequestAsync(byte type, Action<PacketBuilder>? body)
    {
        uint id = await SendAsync(type, body);
        var reply = await ReceiveAsync() ?? throw new InvalidOperationException($"session closed instead of answering request type {type}");
        Assert.Equal(id, reply.Id);
        return reply;
    }

    public Task<Reply> ExtendedAsync(string name, Action<PacketBuilder>? arguments) =>
        RequestAsync(Fxp.Extended, b =>
        {
            b.String(name);
            arguments?.Invoke(b);
        });

    public async Task<uint> StatusAsync(byte type, Action<PacketBuilder>? body) => (await RequestAsync(type, body)).StatusCode;

    // ----- requests in the layout of the negotiated version -----

    /// <summary>OPEN with version 3/4 pflags.</summary>
    public Task<Reply> OpenPflagsAsync(string path, uint pflags, Action<PacketBuilder>? attrs = null) =>
        RequestAsync(Fxp.Open, b =>
        {
            b.String(path).UInt32(pflags);
            if (attrs is null)
            {
                ClientAttrs.WriteEmpty(b, Version);
            }
            else
            {
                attrs(b);
            }
        });

    /// <summary>OPEN with version 5/6 desired-access and flags.</summary>
    public Task<Reply> Open6Async(string path, uint access, uint flags, Action<PacketBuilder>? attrs = null) =>
        RequestAsync(Fxp.Open, b =>
        {
            b.String(path).UInt32(access).UInt32(flags);
            if (attrs is null)
            {
                ClientAttrs.WriteEmpty(b, Version);
            }
            else
            {
                attrs(b);
            }
        });

    /// <summary>Opens for reading in whatever layout the version uses, and returns the handle.</summary>
    public async Task<byte[]> OpenReadAsync(string path) => Version >= 5
        ? (await Open6Async(path, OpenFlags6.AceReadData, OpenFlags6.OpenExisting)).Handle
        : (await OpenPflagsAsync(path, Pflags.Read)).Handle;

    /// <summary>Opens for writing with create+truncate (a whole-file upload), and returns the handle.</summary>
    public async Task<byte[]> OpenUploadAsync(string path) => Version >= 5
        ? (await Open6Async(path, OpenFlags6.AceWriteData, OpenFlags6.CreateTruncate)).Handle
        : (await OpenPflagsAsync(path, Pflags.Write | Pflags.Creat | Pflags.Trunc)).Handle;

    /// <summary>Opens for read and write, creating but keeping content (resume).</summary>
    public async Task<byte[]> OpenModifyAsync(string path) => Version >= 5
        ? (await Open6Async(path, OpenFlags6.AceReadData | OpenFlags6.AceWriteData, OpenFlags6.OpenOrCreate)).Handle
        : (await OpenPflagsAsync(path, Pflags.Read | Pflags.Write | Pflags.Creat)).Handle;

    public Task<uint> CloseAsync(byte[] handle) => StatusAsync(Fxp.Close, b => b.String(handle));

    public Task<Reply> ReadAsync(byte[] handle, ulong offset, uint length) =>
        RequestAsync(Fxp.Read, b => b.String(handle).UInt64(offset).UInt32(length));

    public Task<uint> WriteAsync(byte[] handle, ulong offset, byte[] data) =>
        StatusAsync(Fxp.Write, b => b.String(handle).UInt64(offset).String(data));

    public Task<Reply> StatAsync(string path, byte type = Fxp.Stat, uint? flags = null) =>
        RequestAsync(type, b =>
        {
            b.String(path);
            if (Version >= 4)
            {
                b.UInt32(flags ?? 0xFFFFFFFF & ~ClientAttrs.Extended);
            }
        });

    public ClientAttrs Attrs(Reply reply)
    {
        Assert.True(reply.Type == Fxp.Attrs, $"expected ATTRS, got {reply}");
        var r = reply.Body();
        var attrs = ClientAttrs.Parse(r, Version);
        Assert.True(r.AtEnd, "ATTRS reply has trailing bytes");
        return attrs;
    }

    public Task<Reply> RealpathAsync(string path) => RequestAsync(Fxp.Realpath, b => b.String(path));

    public async Task<string> SingleNameAsync(Task<Reply> request)
    {
        var (entries, _) = NameReply.Parse(await request, Version);
        Assert.Single(entries);
        return entries[0].Name;
    }

    /// <summary>Reads a whole file through an open handle, READ by READ.</summary>
    public async Task<byte[]> ReadAllAsync(byte[] handle, uint chunk = 32768)
    {
        var result = new MemoryStream();
        while (true)
        {
            var reply = await ReadAsync(handle, (ulong)result.Length, chunk);
            if (reply.Type == Fxp.Status)
            {
                Assert.Equal(Fx.Eof, reply.StatusCode);
                return result.ToArray();
            }

            result.Write(reply.Data);
        }
    }

    /// <summary>Lists a directory: OPENDIR, READDIR until EOF, CLOSE. Returns every batch.</summary>
    public async Task<List<(List<NameEntry> Entries, bool? EndOfList)>> ListAsync(string path)
    {
        var handle = (await RequestAsync(Fxp.Opendir, b => b.String(path))).Handle;
        var batches = new List<(List<NameEntry>, bool?)>();
        while (true)
        {
            var reply = await RequestAsync(Fxp.Readdir, b => b.String(handle));
            if (reply.Type == Fxp.Status)
            {
                Assert.Equal(Fx.Eof, reply.StatusCode);
                break;
            }

            batches.Add(NameReply.Parse(reply, Version));
            Assert.True(batches.Count < 10_000, "READDIR never ends");
        }

        Assert.Equal(Fx.Ok, await CloseAsync(handle));
        return batches;
    }

    /// <summary>The session still answers: a STAT of the root gets ATTRS.</summary>
    public async Task AssertAliveAsync()
    {
        var reply = await StatAsync("/");
        Assert.Equal(Fxp.Attrs, reply.Type);
    }

    /// <summary>Ends the client's side of the stream (as a killed client or a closed channel does).</summary>
    public async Task CloseOutputAsync()
    {
        if (!_outputClosed)
        {
            _outputClosed = true;
            await _toServer.Writer.CompleteAsync();
        }
    }

    /// <summary>Waits for the session to end and returns RunAsync's result (rethrowing a crash).</summary>
    public async Task<int> WaitForEndAsync(TimeSpan? timeout = null) =>
        await Session.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));

    /// <summary>How the session ended, for failure messages: "returned N" or "threw Type: message".</summary>
    public async Task<string> HowEndedAsync()
    {
        try
        {
            return "RunAsync returned " + await WaitForEndAsync();
        }
        catch (TimeoutException)
        {
            return "RunAsync still running";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"RunAsync threw {e.GetType().FullName}: {e.Message}";
        }
    }

    /// <summary>Reads until the server closes its side; returns the replies that came before.</summary>
    public async Task<List<Reply>> DrainAsync()
    {
        var replies = new List<Reply>();
        while (await ReceiveAsync() is { } reply)
        {
            replies.Add(reply);
        }

        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseOutputAsync();
        try
        {
            await Session.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A crashed session is asserted by the tests that cause it; disposal only cleans up.
        }
    }
}
