using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;

namespace MultiXfer.Sftp.Engine;

/// <summary>Identifies one file for locking: device and inode, or the path where storage has no inodes.</summary>
internal readonly record struct LockKey(ulong Device, ulong Inode, string? Path)
{
    public static LockKey For(VirtualPath path, FileStatus status) =>
        status.Inode != 0 ? new LockKey(status.Device, status.Inode, null) : new LockKey(0, 0, path.Value);
}

/// <summary>
/// Version 6 byte-range locks (draft -13 §8.4, SSH_FXP_BLOCK/UNBLOCK and the OPEN block flags), shared by every
/// session of the process so that two clients see each other's locks. Locks belong to a handle; overlapping
/// locks of different handles conflict. BLOCK_READ/WRITE/DELETE are enforced on other handles' reads, writes
/// and on removal; BLOCK_ADVISORY locks only conflict with other locks.
/// </summary>
internal sealed class ByteRangeLocks
{
    public static readonly ByteRangeLocks Shared = new();

    /// <summary>A bound per file: a client cannot grow this table without limit.</summary>
    private const int MaxLocksPerFile = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<LockKey, List<RangeLock>> _locks = [];
    private int _lockedFiles;

    /// <param name="owner">The handle the lock belongs to.</param>
    /// <param name="session">The handle's session: its requests by path are not blocked by its own locks.</param>
    public void Acquire(LockKey key, object owner, object session, ulong offset, ulong length, SftpOpenFlags mask)
    {
        ulong end = End(offset, length);
        lock (_lock)
        {
            if (!_locks.TryGetValue(key, out var list))
            {
                _locks[key] = list = [];
                Volatile.Write(ref _lockedFiles, _locks.Count);
            }

            foreach (var existing in list)
            {
                if (existing.Owner != owner && existing.Offset < end && offset < existing.End)
                {
                    throw new SftpStatusException(SftpStatusCode.ByteRangeLockConflict);
                }
            }

            if (list.Count >= MaxLocksPerFile)
            {
                throw new SftpStatusException(SftpStatusCode.ByteRangeLockRefused, "too many locks on this file");
            }

            list.Add(new RangeLock(owner, session, offset, end, length, mask));
        }
    }

    public void Release(LockKey key, object owner, ulong offset, ulong length)
    {
        lock (_lock)
        {
            if (_locks.TryGetValue(key, out var list) &&
                list.FindIndex(l => l.Owner == owner && l.Offset == offset && l.Length == length) is >= 0 and var index)
            {
                list.RemoveAt(index);
                if (list.Count == 0)
                {
                    _locks.Remove(key);
                    Volatile.Write(ref _lockedFiles, _locks.Count);
                }

                return;
            }
        }

        throw new SftpStatusException(SftpStatusCode.NoMatchingByteRangeLock);
    }

    public void ReleaseAll(LockKey key, object owner)
    {
        lock (_lock)
        {
            if (_locks.TryGetValue(key, out var list) && list.RemoveAll(l => l.Owner == owner) > 0 && list.Count == 0)
            {
                _locks.Remove(key);
                Volatile.Write(ref _lockedFiles, _locks.Count);
            }
        }
    }

    /// <summary>
    /// Throws when a lock with <paramref name="blocked"/> over any byte of the range belongs to neither
    /// <paramref name="accessor"/> (a handle, or a session acting by path) nor, when the accessor is a session, to
    /// one of its handles.
    /// </summary>
    public void CheckAccess(LockKey key, object accessor, ulong offset, ulong length, SftpOpenFlags blocked)
    {
        ulong end = End(offset, Math.Max(length, 1)); // ulong.MaxValue: the whole file
        lock (_lock)
        {
            if (!_locks.TryGetValue(key, out var list))
            {
                return;
            }

            foreach (var existing in list)
            {
                if (existing.Owner != accessor && existing.Session != accessor && (existing.Mask & blocked) != 0 && existing.Offset < end && offset < existing.End)
                {
                    throw new SftpStatusException(SftpStatusCode.LockConflict);
                }
            }
        }
    }

    /// <summary>
    /// No lock anywhere: READ and WRITE ask this on every request, so it reads a count kept under the lock instead
    /// of taking the lock (a lock taken meanwhile is seen by the next request; none was granted before this one).
    /// </summary>
    public bool IsEmpty => Volatile.Read(ref _lockedFiles) == 0;

    /// <summary>Length 0 locks to the end of the file, however far it grows (draft -13 §8.4).</summary>
    private static ulong End(ulong offset, ulong length) =>
        length == 0 || length > ulong.MaxValue - offset ? ulong.MaxValue : offset + length;

    private sealed record RangeLock(object Owner, object Session, ulong Offset, ulong End, ulong Length, SftpOpenFlags Mask);
}
