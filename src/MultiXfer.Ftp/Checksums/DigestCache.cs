using MultiXfer.Fsio;

namespace MultiXfer.Ftp.Checksums;

/// <summary>
/// Digests computed lately, answered again while their file is unchanged, as ProFTPD's DigestCache does (10,000
/// entries for 30 s by default), but shared by the server's sessions. An entry is keyed by what the file is (device
/// and inode) and by what would show any change to it: size, mtime and ctime. ctime is the guard that counts, since
/// no client can set it back: any write or SITE UTIME moves it to the present. A session only looks here after it
/// opened the file through its own file system, so a cached digest is never an answer it could not have computed.
/// </summary>
internal sealed class DigestCache(FtpDigestCacheOptions options, TimeProvider clock)
{
    /// <summary>
    /// A file changed this recently may change again within the same timestamp tick (ext4 takes the kernel's coarse
    /// clock): its ctime would then stay the same and the entry would hide the change. Such a digest is not kept, as
    /// git treats a file modified in the second of its index write as "racily clean".
    /// </summary>
    private static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<DigestKey, Entry> _entries = [];
    private readonly LinkedList<DigestKey> _oldestFirst = [];

    public bool Enabled => options.MaxEntries > 0 && options.MaxAgeSeconds > 0;

    /// <summary>The moment a digest's reads begin, to pass to <see cref="Add"/> when it is done.</summary>
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The digest of <paramref name="key"/> if one was computed within the age limit; null otherwise.</summary>
    public byte[]? Find(DigestKey key)
    {
        if (!Enabled || !key.Identifies)
        {
            return null;
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return null;
            }

            if (clock.GetUtcNow() - entry.StoredAt <= TimeSpan.FromSeconds(options.MaxAgeSeconds))
            {
                return entry.Digest;
            }

            Remove(key, entry);
            return null;
        }
    }

    /// <summary>
    /// Keeps <paramref name="digest"/> of <paramref name="key"/>, whose reads began at <paramref name="readFrom"/>,
    /// unless the file had changed too shortly before for a later change to show in its ctime. The oldest entry makes
    /// room when the cache is full.
    /// </summary>
    public void Add(DigestKey key, byte[] digest, DateTimeOffset readFrom)
    {
        if (!Enabled || !key.Identifies || readFrom.UtcDateTime - key.ChangedUtc < SettledAfter)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.Remove(key, out var previous))
            {
                _oldestFirst.Remove(previous.Node);
            }

            while (_entries.Count >= options.MaxEntries && _oldestFirst.First is { } oldest)
            {
                Remove(oldest.Value, _entries[oldest.Value]);
            }

            _entries[key] = new Entry(digest, clock.GetUtcNow(), _oldestFirst.AddLast(key));
        }
    }

    private void Remove(DigestKey key, Entry entry)
    {
        _entries.Remove(key);
        _oldestFirst.Remove(entry.Node);
    }

    private sealed record Entry(byte[] Digest, DateTimeOffset StoredAt, LinkedListNode<DigestKey> Node);
}

/// <summary>One digest of one state of a file: which file, as it was then, which algorithm, which bytes.</summary>
internal readonly record struct DigestKey(
    ulong Device, ulong Inode, long Size, DateTime ModifiedUtc, DateTime ChangedUtc, ChecksumAlgorithm Algorithm, long Start, long End)
{
    public static DigestKey Of(FileStatus status, ChecksumAlgorithm algorithm, long start, long end) =>
        new(status.Device, status.Inode, status.Size, status.ModifiedUtc, status.ChangedUtc, algorithm, start, end);

    /// <summary>
    /// A file system that reports no device, inode or ctime cannot say whether the file is the one digested (the
    /// in-memory storage numbers inodes per tree, all on device 0).
    /// </summary>
    public bool Identifies => Device != 0 && Inode != 0 && ChangedUtc != default;
}
