using System.Runtime.CompilerServices;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Limits;

/// <summary>
/// The length the quota knows for each file an account has open for writing, one entry per inode, shared by every
/// handle on it and by operations by name. Without it a handle would charge its writes against a length it saw at
/// open: truncating the file by name under it would let the same bytes be written (and freed) again and again, and
/// writes to a file deleted under its handle would stay charged after the space came back.
/// </summary>
internal sealed class OpenInodes
{
    private static readonly ConditionalWeakTable<AccountUsage, OpenInodes> ByAccount = new();

    private readonly Dictionary<(ulong Device, ulong Inode), TrackedInode> _open = new();

    /// <summary>The table of <paramref name="usage"/>'s account (all its sessions share it, as they share the usage).</summary>
    public static OpenInodes Of(AccountUsage usage) => ByAccount.GetValue(usage, static _ => new OpenInodes());

    /// <summary>
    /// A handle opens <paramref name="status"/>'s inode: its tracked length, created from <paramref name="length"/> if
    /// no other handle has it open. Storage without inode numbers gets an entry of the handle's own.
    /// </summary>
    public TrackedInode Open(FileStatus status, long length, bool inFlight)
    {
        if (status.Inode == 0)
        {
            return new TrackedInode(default, length, inFlight);
        }

        lock (_open)
        {
            var key = (status.Device, status.Inode);
            if (!_open.TryGetValue(key, out var tracked))
            {
                tracked = new TrackedInode(key, length, inFlight);
                _open[key] = tracked;
            }

            tracked.Handles++;
            return tracked;
        }
    }

    /// <summary>The entry of an inode some handle holds open, or null.</summary>
    public TrackedInode? Find(FileStatus status)
    {
        if (status.Inode == 0)
        {
            return null;
        }

        lock (_open)
        {
            return _open.GetValueOrDefault((status.Device, status.Inode));
        }
    }

    /// <summary>
    /// The last name of <paramref name="status"/>'s inode is gone: if a handle holds it open, its bytes stay charged
    /// until that handle closes (true); otherwise the caller gives them back now (false). Under the table's lock, so
    /// a handle closing meanwhile cannot miss it.
    /// </summary>
    public bool MarkUnlinked(FileStatus status)
    {
        if (status.Inode == 0)
        {
            return false;
        }

        lock (_open)
        {
            if (!_open.TryGetValue((status.Device, status.Inode), out var tracked))
            {
                return false;
            }

            tracked.Unlinked = true;
            return true;
        }
    }

    /// <summary>
    /// A handle closes; the last one on an inode whose names are all gone gives back its length, which the disk
    /// frees only now (returned, for the caller to release).
    /// </summary>
    public long Close(TrackedInode tracked)
    {
        if (tracked.Key == default)
        {
            return tracked.Unlinked ? tracked.Length : 0;
        }

        lock (_open)
        {
            if (--tracked.Handles > 0)
            {
                return 0;
            }

            _open.Remove(tracked.Key);
            return tracked.Unlinked ? tracked.Length : 0;
        }
    }
}

/// <summary>One open inode: the length its quota charge stands at, and whether its last name is gone.</summary>
internal sealed class TrackedInode((ulong Device, ulong Inode) key, long length, bool inFlight)
{
    public (ulong Device, ulong Inode) Key { get; } = key;

    /// <summary>Taken around every change of <see cref="Length"/> together with its quota charge.</summary>
    public Lock Gate { get; } = new();

    public long Length { get; set; } = length;

    /// <summary>An upload's temporary: its bytes are in flight until the commit makes them a file's.</summary>
    public bool InFlight { get; } = inFlight;

    public int Handles { get; set; }

    /// <summary>Deleted or replaced while open: the bytes stay on disk, and charged, until the last handle closes.</summary>
    public bool Unlinked { get; set; }

    /// <summary>
    /// A truncation to <paramref name="length"/> is about to reach the disk; returns the change in length. Growth is
    /// reserved first (refused, nothing changed, when it does not fit). A cut moves the tracked length at once, so
    /// writes from now on are charged from the new end, but its bytes stay charged until the caller releases them
    /// (<see cref="Settle"/>) once the disk has really freed them: released earlier, another upload of the account
    /// could fill them while the old bytes are still there, and the disk would hold more than the quota.
    /// </summary>
    /// <remarks>Shared by gateways, growth this gateway's grant cannot hold asks the cluster for room first.</remarks>
    public async ValueTask<long> ChangeLengthAsync(long length, AccountUsage usage, VirtualPath path, CancellationToken cancellationToken)
    {
        if (!TryChangeLength(length, usage, out long change) &&
            !await usage.TakeAfterRefillAsync(new UsageFigures(change, 0, 0, 0),
                () => TryChangeLength(length, usage, out change) ? null : new UsageFigures(change, 0, 0, 0), cancellationToken))
        {
            throw LimitedFileSystem.QuotaExceeded(path, usage, LimitKind.QuotaBytes);
        }

        return change;
    }

    /// <summary>Moves the tracked length to <paramref name="length"/>, reserving growth; false (nothing changed) when it does not fit.</summary>
    private bool TryChangeLength(long length, AccountUsage usage, out long change)
    {
        lock (Gate)
        {
            change = length - Length;
            if (change > 0 && !usage.TryReserveBytes(change, InFlight))
            {
                return false;
            }

            Length = length;
            return true;
        }
    }

    /// <summary>The truncation of <paramref name="change"/> is on disk: a cut's bytes go back to the quota.</summary>
    public void Settle(long change, AccountUsage usage)
    {
        if (change < 0)
        {
            usage.ReleaseBytes(-change, InFlight);
        }
    }

    /// <summary>The truncation of <paramref name="change"/> failed: the tracked length and the charge go back to where they stood.</summary>
    public void Undo(long change, AccountUsage usage)
    {
        lock (Gate)
        {
            if (change > 0)
            {
                usage.ReleaseBytes(change, InFlight);
            }

            Length -= change;
        }
    }
}
