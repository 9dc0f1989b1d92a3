using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;

namespace MultiXfer.Scp.Tests;

/// <summary>
/// Runs <see cref="ScpApplication"/> as the SSH listener would, but over a scripted in-memory stream: everything the
/// client sends is given up front (the server reads it in order, then sees EOF), everything the server sends is
/// captured. Storage is the real local FSIO backend in a temporary directory laid out as
/// <c>Top/sentinel.txt</c>, <c>Top/data/</c> (the data root) and <c>Top/data/alice/</c> (alice's root): whatever
/// is outside alice's root can be snapshotted to prove that nothing was written there.
/// </summary>
internal sealed class ScpHarness : IDisposable
{
    private readonly FileSystemProvider _provider;

    public ScpHarness()
    {
        Top = Directory.CreateTempSubdirectory("mx-scp-unit-").FullName;
        File.WriteAllText(Path.Combine(Top, "sentinel.txt"), "outside every root");
        Directory.CreateDirectory(Home);
        _provider = new FileSystemProvider(new ServerOptions { DataRoot = DataRoot }, NullLoggerFactory.Instance);
        Application = new ScpApplication(_provider, NullLoggerFactory.Instance);
    }

    /// <summary>The temporary directory holding the data root: the parent of the parent of alice's root.</summary>
    public string Top { get; }

    public string DataRoot => Path.Combine(Top, "data");

    /// <summary>alice's root on disk (her "/").</summary>
    public string Home => Path.Combine(DataRoot, "alice");

    public ScpApplication Application { get; }

    public static UserAccount User(bool readOnly = false) => new()
    {
        Name = "alice",
        Home = VirtualPath.Resolve(VirtualPath.Root, "/alice"),
        ReadOnly = readOnly,
        Protocols = new HashSet<string> { Protocols.Scp },
        Permissions = new PermissionRules([], readOnly),
    };

    public string OnDisk(string relative) => Path.Combine(Home, relative);

    /// <summary>Runs one exec line with the given client bytes; returns the exit status and what the server sent.</summary>
    public async Task<ScpRun> RunAsync(string command, byte[] input, UserAccount? user = null)
    {
        var stream = new ScriptedStream(input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var endPoint = new IPEndPoint(IPAddress.Loopback, 22);
        var session = new ChannelSession
        {
            Stream = stream,
            ErrorStream = Stream.Null,
            User = user ?? User(),
            Connection = new ConnectionContext("test-1", "ssh", endPoint, new IPEndPoint(IPAddress.Loopback, 50000), Stream.Null, CancellationToken.None),
            Command = command,
            Cancellation = timeout.Token,
        };
        int status = await Application.RunAsync(session);
        return new ScpRun(status, stream.Written, stream.Consumed);
    }

    public Task<ScpRun> RunAsync(string command, string input, UserAccount? user = null) =>
        RunAsync(command, Encoding.UTF8.GetBytes(input), user);

    /// <summary>Every file, directory and link under <paramref name="directory"/> except alice's root, with sizes and times.</summary>
    public static SortedDictionary<string, string> Snapshot(string directory, string? except = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions
                 {
                     RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true,
                 }))
        {
            if (except is not null && (entry.FullName == except || entry.FullName.StartsWith(except + "/", StringComparison.Ordinal)))
            {
                continue;
            }

            result[entry.FullName] = entry is FileInfo file ? $"file {file.Length} {file.LastWriteTimeUtc.Ticks}" : $"dir {entry.LastWriteTimeUtc.Ticks}";
        }

        return result;
    }

    /// <summary>What is outside alice's root, in the harness's own directory.</summary>
    public SortedDictionary<string, string> Outside() => Snapshot(Top, except: Home);

    /// <summary>Everything in alice's root, relative, including hidden upload temporaries.</summary>
    public List<string> Inside() => Snapshot(Home).Keys.Select(k => Path.GetRelativePath(Home, k)).ToList();

    public void Dispose()
    {
        _provider.Dispose();
        try
        {
            Directory.Delete(Top, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The exit status, what the server wrote, and how much of the client's script it read.</summary>
internal sealed record ScpRun(int Status, byte[] Output, int Consumed)
{
    /// <summary>
    /// The server's output read as sink replies: "OK" for each 0 byte, "WARN text" / "FATAL text" for 1 and 2 with their
    /// message line, anything else as "?b".
    /// </summary>
    public List<string> Replies()
    {
        var replies = new List<string>();
        for (int i = 0; i < Output.Length; i++)
        {
            switch (Output[i])
            {
                case 0:
                    replies.Add("OK");
                    break;
                case 1 or 2:
                    int end = Array.IndexOf(Output, (byte)'\n', i);
                    end = end < 0 ? Output.Length : end;
                    replies.Add((Output[i] == 1 ? "WARN " : "FATAL ") + Encoding.UTF8.GetString(Output, i + 1, end - i - 1));
                    i = end;
                    break;
                default:
                    replies.Add("?" + Output[i]);
                    break;
            }
        }

        return replies;
    }

    public string Text => Encoding.UTF8.GetString(Output);

    public override string ToString() => $"status {Status}, consumed {Consumed}, output: {string.Join(" | ", Replies())}";
}

/// <summary>A duplex stream for one scripted exchange: reads come from the script (then EOF), writes are recorded.</summary>
internal sealed class ScriptedStream(byte[] input) : Stream
{
    private readonly MemoryStream _output = new();
    private int _position;

    public byte[] Written => _output.ToArray();

    public int Consumed => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Small reads, so the server's buffering is exercised across read boundaries too.
        int count = Math.Min(Math.Min(buffer.Length, input.Length - _position), 7001);
        input.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _output.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _output.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Builds client scripts: control lines, raw data, acknowledgements.</summary>
internal sealed class Script
{
    private readonly MemoryStream _bytes = new();

    public Script Line(string line)
    {
        _bytes.Write(Encoding.UTF8.GetBytes(line + "\n"));
        return this;
    }

    public Script Data(byte[] data)
    {
        _bytes.Write(data);
        return this;
    }

    public Script Data(string data) => Data(Encoding.UTF8.GetBytes(data));

    public Script Ok(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            _bytes.WriteByte(0);
        }

        return this;
    }

    public Script Error(string message)
    {
        _bytes.WriteByte(1);
        return Line("scp: " + message);
    }

    /// <summary>A whole file as a source sends it: C line, data, its own 0 status.</summary>
    public Script File(string name, string content, string mode = "0644") =>
        Line($"C{mode} {Encoding.UTF8.GetByteCount(content)} {name}").Data(content).Ok();

    public byte[] ToArray() => _bytes.ToArray();

    public static implicit operator byte[](Script script) => script.ToArray();
}
