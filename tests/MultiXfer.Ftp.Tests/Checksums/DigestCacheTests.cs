using MultiXfer.Fsio;
using MultiXfer.Ftp.Checksums;

namespace MultiXfer.Ftp.Tests.Checksums;

/// <summary>
/// The server's digest cache: a digest comes back only for the same file in the same state (size, mtime, ctime), the
/// same algorithm and the same bytes, within its age; a file changed within the last second is not kept.
/// </summary>
public sealed class DigestCacheTests
{
    private static readonly DateTime Changed = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);

    private static readonly byte[] Digest = [1, 2, 3, 4];

    private readonly WallClock _clock = new(new DateTimeOffset(Changed).AddMinutes(5));

    [Fact]
    public void A_digest_comes_back_for_the_same_file_state_algorithm_and_range()
    {
        var cache = Cache();
        var key = DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 0, 1000);
        Assert.Null(cache.Find(key));

        cache.Add(key, Digest, _clock.GetUtcNow());

        Assert.Equal(Digest, cache.Find(DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 0, 1000)));
    }

    /// <summary>Whatever differs (a write moves size, mtime or ctime; another file; another digest or range) misses.</summary>
    [Fact]
    public void Any_change_to_the_file_or_the_question_misses()
    {
        var cache = Cache();
        cache.Add(DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 0, 1000), Digest, _clock.GetUtcNow());

        Assert.Null(cache.Find(DigestKey.Of(Status(size: 1001), ChecksumAlgorithm.Sha256, 0, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(modified: Changed.AddTicks(1)), ChecksumAlgorithm.Sha256, 0, 1000)));
        // A same-size rewrite whose mtime was set back (SITE UTIME, touch -d) still moved the ctime.
        Assert.Null(cache.Find(DigestKey.Of(Status(changed: Changed.AddSeconds(90)), ChecksumAlgorithm.Sha256, 0, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(inode: 43), ChecksumAlgorithm.Sha256, 0, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(device: 9), ChecksumAlgorithm.Sha256, 0, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(), ChecksumAlgorithm.Sha512, 0, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 1, 1000)));
        Assert.Null(cache.Find(DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 0, 999)));
    }

    [Fact]
    public void A_digest_older_than_the_age_limit_is_computed_again()
    {
        var cache = Cache(maxAgeSeconds: 30);
        var key = DigestKey.Of(Status(), ChecksumAlgorithm.Md5, 0, 1000);
        cache.Add(key, Digest, _clock.GetUtcNow());

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Digest, cache.Find(key));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(cache.Find(key));
    }

    /// <summary>
    /// A file changed less than a second before its reads began could change again within the same timestamp tick,
    /// unseen by its ctime: its digest is answered but not kept.
    /// </summary>
    [Fact]
    public void A_file_changed_just_before_it_was_read_is_not_kept()
    {
        var cache = Cache();
        var fresh = Status(changed: _clock.GetUtcNow().UtcDateTime.AddMilliseconds(-999));
        var key = DigestKey.Of(fresh, ChecksumAlgorithm.Sha256, 0, 1000);

        cache.Add(key, Digest, _clock.GetUtcNow());

        Assert.Null(cache.Find(key));
    }

    [Fact]
    public void A_full_cache_gives_up_its_oldest_digest()
    {
        var cache = Cache(maxEntries: 2);
        var keys = Enumerable.Range(1, 3).Select(i => DigestKey.Of(Status(inode: (ulong)i), ChecksumAlgorithm.Crc32, 0, 1000)).ToList();
        cache.Add(keys[0], Digest, _clock.GetUtcNow());
        cache.Add(keys[1], Digest, _clock.GetUtcNow());
        cache.Add(keys[0], Digest, _clock.GetUtcNow());

        cache.Add(keys[2], Digest, _clock.GetUtcNow());

        // keys[0] was stored again after keys[1], so keys[1] is now the oldest.
        Assert.Null(cache.Find(keys[1]));
        Assert.Equal(Digest, cache.Find(keys[0]));
        Assert.Equal(Digest, cache.Find(keys[2]));
    }

    [Fact]
    public void Turned_off_or_on_a_file_system_without_devices_inodes_or_ctimes_nothing_is_kept()
    {
        var off = new DigestCache(new FtpDigestCacheOptions { MaxEntries = 0 }, _clock);
        var key = DigestKey.Of(Status(), ChecksumAlgorithm.Sha256, 0, 1000);
        off.Add(key, Digest, _clock.GetUtcNow());
        Assert.Null(off.Find(key));

        var cache = Cache();
        foreach (var status in new[] { Status(device: 0), Status(inode: 0), Status(changed: default(DateTime)) })
        {
            var unidentified = DigestKey.Of(status, ChecksumAlgorithm.Sha256, 0, 1000);
            cache.Add(unidentified, Digest, _clock.GetUtcNow());
            Assert.Null(cache.Find(unidentified));
        }
    }

    private DigestCache Cache(int maxEntries = 100, int maxAgeSeconds = 30) =>
        new(new FtpDigestCacheOptions { MaxEntries = maxEntries, MaxAgeSeconds = maxAgeSeconds }, _clock);

    private static FileStatus Status(long size = 1000, DateTime? modified = null, DateTime? changed = null, ulong inode = 42, ulong device = 8) => new()
    {
        Type = FileType.Regular,
        Size = size,
        Permissions = 0x1a4,
        ModifiedUtc = modified ?? Changed,
        AccessedUtc = Changed,
        ChangedUtc = changed ?? Changed,
        Device = device,
        Inode = inode,
    };

    private sealed class WallClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
