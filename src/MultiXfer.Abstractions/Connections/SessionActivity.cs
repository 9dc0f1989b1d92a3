using System.Runtime.CompilerServices;

namespace MultiXfer.Connections;

/// <summary>
/// What a connection is doing, for the admin API's session list: the protocol in use, bytes each way (the
/// connection's own stream plus FTP data connections), and the transfer in flight if the protocol has one.
/// </summary>
public sealed class SessionActivity
{
    private long _received;
    private long _sent;
    private TransferActivity? _current;

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>ftp, ftps, ssh, then sftp or scp once an SSH channel runs one; null before a login.</summary>
    public string? Protocol { get; set; }

    public DateTimeOffset? LoggedInAt { get; set; }

    /// <summary>The account logged in on this connection; null before a login.</summary>
    public MultiXfer.Auth.UserAccount? User { get; set; }

    /// <summary>The SHA256 fingerprint of the plain public key an SSH login used (not a certificate's); null otherwise.</summary>
    public string? KeyFingerprint { get; set; }

    public long BytesReceived => Interlocked.Read(ref _received) + (_current is { Upload: true, SeparateConnection: true } upload ? upload.Bytes() : 0);

    public long BytesSent => Interlocked.Read(ref _sent) + (_current is { Upload: false, SeparateConnection: true } download ? download.Bytes() : 0);

    public TransferActivity? CurrentTransfer => Volatile.Read(ref _current);

    public void AddReceived(long bytes) => Interlocked.Add(ref _received, bytes);

    public void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    public void BeginTransfer(TransferActivity transfer) => Volatile.Write(ref _current, transfer);

    /// <summary>The transfer is over; bytes it moved on a connection of its own join the totals.</summary>
    public void EndTransfer(TransferActivity transfer)
    {
        if (Interlocked.CompareExchange(ref _current, null, transfer) == transfer && transfer.SeparateConnection)
        {
            if (transfer.Upload)
            {
                AddReceived(transfer.Bytes());
            }
            else
            {
                AddSent(transfer.Bytes());
            }
        }
    }
}

/// <param name="Operation">The protocol's verb (RETR, STOR, LIST; SFTP read or write).</param>
/// <param name="Bytes">Bytes moved so far, read live.</param>
/// <param name="SeparateConnection">The bytes move outside the connection's stream (an FTP data connection), so the
/// session's totals add them; SFTP's cross the channel, counted already.</param>
public sealed record TransferActivity(string Operation, string Path, bool Upload, DateTimeOffset StartedAt, Func<long> Bytes,
    bool SeparateConnection)
{
    /// <summary>A directory listing (FTP LIST, NLST, MLSD): shown while it runs, not a file transfer in logs and metrics.</summary>
    public bool Listing { get; init; }

    /// <summary>FTP TYPE A: the bytes were converted (xferlog's transfer-type "a").</summary>
    public bool Ascii { get; init; }

    /// <summary>The SHA-256 of the bytes moved, when the server keeps digests (Logging:AuditSha256) and they came in order.</summary>
    public Func<string?> Sha256 { get; init; } = static () => null;

    /// <summary>Where the transfer began on the process's monotonic clock (Stopwatch), for its duration.</summary>
    public long StartedTimestamp { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
}

/// <summary>
/// Counts every byte read from and written to a connection's stream into its <see cref="SessionActivity"/>. It owns
/// the stream beneath: disposing it closes the connection, as disposing the socket's stream did.
/// </summary>
public sealed class CountingStream(Stream inner, SessionActivity activity) : RelayStream(inner)
{
    // Every read and write of every connection passes here: the pooled builders keep a read that has to wait from
    // allocating a state machine each time.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await base.ReadAsync(buffer, cancellationToken);
        activity.AddReceived(read);
        return read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken);
        activity.AddSent(buffer.Length);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        base.Write(buffer, offset, count);
        activity.AddSent(count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Input.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Input.DisposeAsync();
        await base.DisposeAsync();
    }
}
