using System.IO.Compression;
using MultiXfer.Connections;
using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp.Data.ModeZ;

/// <summary>
/// A MODE Z upload (draft-preston-ftpext-deflate §3): the zlib stream (RFC 1950) the client sends, inflated. What a
/// complete, well-formed stream would not be is refused before the upload commits (a STOR's old file stays; an APPE
/// keeps what it appended before, as an APPE cut short in MODE S does):
/// <list type="bullet">
/// <item>a stream cut short: .NET's inflater just stops at the end of its input, so the stream's Adler-32 trailer is
/// checked against the inflated data here (a cut stream ends in other bytes);</item>
/// <item>bytes after the stream's end;</item>
/// <item>corrupt data;</item>
/// <item>data that inflates past <see cref="FtpModeZOptions.MaxRatio"/> times its size or past
/// <see cref="FtpModeZOptions.MaxInflatedBytes"/> (a decompression bomb), with 552.</item>
/// </list>
/// An upload of no bytes at all is an empty file, as in MODE S.
/// </summary>
internal sealed class InflatingStream : RelayStream
{
    /// <summary>Inflated bytes before the ratio is judged: a small file of zeros may legitimately compress 1,000 times.</summary>
    private const long RatioGrace = 1024 * 1024;

    /// <summary>Bytes read past the zlib stream's end before the upload is refused without reading on.</summary>
    private const int MaxTrailingBytes = 64 * 1024;

    private readonly CountingTailStream _compressed;
    private readonly ZLibStream _zlib;
    private readonly FtpModeZOptions _limits;
    private Adler32 _adler = new();
    private long _inflated;
    private bool _ended;

    public InflatingStream(Stream carrier, FtpModeZOptions limits)
        : this(new CountingTailStream(carrier), limits)
    {
    }

    private InflatingStream(CountingTailStream compressed, FtpModeZOptions limits)
        : base(compressed)
    {
        _compressed = compressed;
        _zlib = new ZLibStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        _limits = limits;
    }

    public override bool CanWrite => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended || buffer.Length == 0)
        {
            return 0;
        }

        int n;
        try
        {
            n = await _zlib.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && !_compressed.Failed))
        {
            // Corrupt data (InvalidDataException), or zlib refusing it otherwise (a preset dictionary comes as an
            // IOException): the inflater's fault, not the connection's, which CountingTailStream would have marked.
            throw new ModeZException(new FtpReply(451, "MODE Z data is not a valid zlib stream; upload refused."));
        }

        if (n > 0)
        {
            _inflated += n;
            _adler.Append(buffer.Span[..n]);
            CheckLimits();
            return n;
        }

        _ended = true;
        await ReadTrailingAsync(cancellationToken);
        if (_compressed.Count > 0 && _compressed.Tail != _adler.Value)
        {
            throw new ModeZException(new FtpReply(451,
                "MODE Z upload ended before its zlib stream did, or carried data after it; upload refused."));
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _zlib.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The client closes the data connection after the stream; anything it sends first is counted into the tail.</summary>
    private async ValueTask ReadTrailingAsync(CancellationToken cancellationToken)
    {
        byte[] scratch = new byte[256];
        long before = _compressed.Count;
        while (await _compressed.ReadAsync(scratch, cancellationToken) > 0)
        {
            if (_compressed.Count - before > MaxTrailingBytes)
            {
                return;
            }
        }
    }

    private void CheckLimits()
    {
        if (_limits.MaxInflatedBytes > 0 && _inflated > _limits.MaxInflatedBytes)
        {
            throw new ModeZException(new FtpReply(552,
                $"Exceeded storage allocation: a MODE Z upload may inflate to {_limits.MaxInflatedBytes} bytes at most; upload refused."));
        }

        if (_limits.MaxRatio > 0 && _inflated > RatioGrace && _inflated / Math.Max(1, _compressed.Count) > _limits.MaxRatio)
        {
            throw new ModeZException(new FtpReply(552,
                $"Exceeded storage allocation: the MODE Z data inflates more than {_limits.MaxRatio} times; upload refused."));
        }
    }

    /// <summary>The compressed side: how many bytes came, and the last four of them (the zlib trailer, at the end).</summary>
    private sealed class CountingTailStream(Stream inner) : RelayStream(inner)
    {
        private uint _tail;

        public long Count { get; private set; }

        /// <summary>A read of the connection itself failed (reset, TLS error, cancellation).</summary>
        public bool Failed { get; private set; }

        /// <summary>The last four bytes read, big-endian, as RFC 1950 stores ADLER32.</summary>
        public uint Tail => _tail;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n;
            try
            {
                n = await Input.ReadAsync(buffer, cancellationToken);
            }
            catch
            {
                Failed = true;
                throw;
            }

            Count += n;
            foreach (byte value in buffer.Span[Math.Max(0, n - 4)..n])
            {
                _tail = (_tail << 8) | value;
            }

            return n;
        }
    }
}
