using MultiXfer.Fsio.Session;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Limits;

/// <summary>
/// Keeps an account's disk usage as storage changes under it, and holds it to its quota. It sits below the session
/// layer, so it sees what really reaches the disk: an upload's hidden temporary takes quota as its bytes arrive and
/// gives it back when it is discarded, and a commit that replaces a file frees the old one. Bytes are reserved
/// before they are written, so uploads of one account running at once (any sessions, any protocols) cannot pass the
/// quota together. Regular files count their size once per inode (a hard link adds nothing); files and symbolic
/// links count towards the file quota, directories do not (as ProFTPD's quotatab counts).
/// </summary>
internal sealed class LimitedFileSystem(IFileSystem backend, AccountUsage usage) : IFileSystem
{

    private readonly OpenInodes _open = OpenInodes.Of(usage);

    public ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken) =>
        backend.GetStatusAsync(path, followLinks, cancellationToken);

    public async ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        if (!options.Writes)
        {
            await RefuseWhenSpentAsync(path, TransferDirection.Download, cancellationToken);
            var reading = await backend.OpenFileAsync(path, options, cancellationToken);
            usage.HandleOpened();
            return new LimitedFileHandle(reading, usage, _open, tracked: null, append: false);
        }

        await RefuseWhenSpentAsync(path, TransferDirection.Upload, cancellationToken);
        var existing = options.Create == FileCreateMode.CreateNew ? null : await TryStatAsync(path, followLinks: true, cancellationToken);
        bool creates = existing is null && options.Create != FileCreateMode.OpenExisting;
        // An upload's temporary becomes a file only if its commit creates the target (RenameAsync counts it then),
        // so replacing a file at the file quota still works.
        bool countsFile = creates && !SessionFileSystem.IsUploadTemporary(path.Name);
        if (countsFile && !await TryAddFileAsync(cancellationToken))
        {
            throw QuotaExceeded(path, usage, LimitKind.QuotaFiles);
        }

        IFileHandle file;
        FileStatus opened;
        try
        {
            file = await backend.OpenFileAsync(path, options, cancellationToken);
            opened = await file.GetStatusAsync(cancellationToken);
        }
        catch
        {
            if (countsFile)
            {
                usage.RemoveFile();
            }

            throw;
        }

        var tracked = _open.Open(opened, existing?.Size ?? 0, SessionFileSystem.IsUploadTemporary(path.Name));
        if (options.Create == FileCreateMode.Replace && existing is not null)
        {
            // Truncated in place (O_TRUNC): the inode's bytes are freed, however many names or handles it has.
            lock (tracked.Gate)
            {
                usage.ReleaseBytes(tracked.Length, tracked.InFlight);
                tracked.Length = 0;
            }
        }

        usage.HandleOpened();
        return new LimitedFileHandle(file, usage, _open, tracked, options.Append);
    }

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        backend.ListDirectoryAsync(path, cancellationToken);

    public ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken) =>
        backend.CreateDirectoryAsync(path, permissions, cancellationToken);

    public ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        backend.DeleteDirectoryAsync(path, cancellationToken);

    public async ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        var existing = await TryStatAsync(path, followLinks: false, cancellationToken);
        await backend.DeleteFileAsync(path, cancellationToken);
        bool temporary = SessionFileSystem.IsUploadTemporary(path.Name);
        Forget(existing, countedAsFile: !temporary, inFlight: temporary);
    }

    public async ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
    {
        bool committing = SessionFileSystem.IsUploadTemporary(from.Name);
        var moving = committing ? await TryStatAsync(from, followLinks: false, cancellationToken) : null;
        var replaced = await TryStatAsync(to, followLinks: false, cancellationToken);
        // A commit makes a new file unless it takes the place of one whose inode goes with the name.
        bool addsFile = committing && (replaced is null || replaced.LinkCount > 1);
        if (addsFile && !await TryAddFileAsync(cancellationToken))
        {
            throw QuotaExceeded(to, usage, LimitKind.QuotaFiles);
        }

        try
        {
            await backend.RenameAsync(from, to, options, cancellationToken);
        }
        catch when (addsFile)
        {
            usage.RemoveFile();
            throw;
        }

        if (moving is not null)
        {
            usage.Settle(moving.Size);
        }

        if (replaced is not null && replaced.Inode != 0 && await SameEntryAsync(from, replaced, cancellationToken))
        {
            return; // rename(2) of a name onto a hard link of the same file changes nothing
        }

        // A commit's temporary takes over the replaced file's place in the file count.
        Forget(replaced, countedAsFile: !committing, inFlight: false);
    }

    public async ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken)
    {
        if (!await TryAddFileAsync(cancellationToken))
        {
            throw QuotaExceeded(link, usage, LimitKind.QuotaFiles);
        }

        try
        {
            await backend.CreateSymbolicLinkAsync(link, target, cancellationToken);
        }
        catch
        {
            usage.RemoveFile();
            throw;
        }
    }

    /// <summary>A second name for the same inode: no bytes and no file more.</summary>
    public ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken) =>
        backend.CreateHardLinkAsync(existing, link, cancellationToken);

    public ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken) =>
        backend.ReadSymbolicLinkAsync(path, cancellationToken);

    public ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken) =>
        backend.GetRealPathAsync(path, cancellationToken);

    public ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        backend.SetTimesAsync(path, accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken) =>
        backend.SetPermissionsAsync(path, permissions, cancellationToken);

    public async ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
    {
        var existing = await backend.GetStatusAsync(path, followLinks: true, cancellationToken);
        // A handle open on the file holds the length its charge stands at; a truncation by name moves that one.
        var tracked = _open.Find(existing) ?? new TrackedInode(default, existing.Size, inFlight: false);
        long change = await tracked.ChangeLengthAsync(length, usage, path, cancellationToken);
        try
        {
            await backend.SetLengthAsync(path, length, cancellationToken);
        }
        catch
        {
            tracked.Undo(change, usage);
            throw;
        }

        tracked.Settle(change, usage);
    }

    /// <summary>The account's quota as the size of its file system, so statvfs and `df` in sftp show it.</summary>
    public async ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        var space = await backend.GetSpaceAsync(path, cancellationToken);
        var snapshot = await usage.CurrentAsync(cancellationToken);
        if (snapshot.Limits.QuotaBytes is { } quota)
        {
            long left = Math.Max(0, quota - snapshot.UsedBytes);
            space = space with
            {
                TotalBytes = quota,
                FreeBytes = Math.Min(space.FreeBytes, left),
                AvailableBytes = Math.Min(space.AvailableBytes, left),
            };
        }

        if (snapshot.Limits.QuotaFiles is { } files)
        {
            long left = Math.Max(0, files - snapshot.UsedFiles);
            space = space with { TotalInodes = files, FreeInodes = Math.Min(space.FreeInodes, left) };
        }

        return space;
    }

    public ValueTask DisposeAsync() => backend.DisposeAsync();

    /// <summary>
    /// An entry is gone: its bytes come back unless another hard link still holds the inode, or a handle still holds
    /// it open (then they come back when the last handle closes, as the disk's do).
    /// </summary>
    private void Forget(FileStatus? gone, bool countedAsFile, bool inFlight)
    {
        if (gone is null || gone.IsDirectory || gone.LinkCount > 1)
        {
            return;
        }

        if (gone.IsRegular && !_open.MarkUnlinked(gone))
        {
            usage.ReleaseBytes(gone.Size, inFlight);
        }

        if (countedAsFile)
        {
            usage.RemoveFile();
        }
    }

    private async ValueTask<bool> SameEntryAsync(VirtualPath path, FileStatus other, CancellationToken cancellationToken)
    {
        var now = await TryStatAsync(path, followLinks: false, cancellationToken);
        return now is not null && now.Inode == other.Inode && now.Device == other.Device;
    }

    private async ValueTask RefuseWhenSpentAsync(VirtualPath path, TransferDirection direction, CancellationToken cancellationToken)
    {
        if (usage.HasDailyLimit(direction) && Spent(direction) is { } shortfall &&
            !await usage.TakeAfterRefillAsync(shortfall, () => Spent(direction), cancellationToken))
        {
            throw QuotaExceeded(path, usage, usage.DailyLimitReached(direction));
        }
    }

    /// <summary>What the day's allowance in <paramref name="direction"/> lacks for one more byte; null while some is left.</summary>
    private UsageFigures? Spent(TransferDirection direction) =>
        usage.AllowanceToday(direction, 1) > 0 ? null
        : direction == TransferDirection.Upload ? new UsageFigures(0, 0, 1, 0) : new UsageFigures(0, 0, 0, 1);

    /// <summary>Counts one more file; shared by gateways, asks the cluster for room when this one's grant has none.</summary>
    private async ValueTask<bool> TryAddFileAsync(CancellationToken cancellationToken) =>
        usage.TryAddFile() || await usage.TakeAfterRefillAsync(OneFile, () => usage.TryAddFile() ? null : OneFile, cancellationToken);

    private static readonly UsageFigures OneFile = new(0, 1, 0, 0);

    private async ValueTask<FileStatus?> TryStatAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken)
    {
        try
        {
            return await backend.GetStatusAsync(path, followLinks, cancellationToken);
        }
        catch (FsException e) when (e.Kind is FsErrorKind.NotFound or FsErrorKind.NotADirectory)
        {
            return null;
        }
    }

    /// <summary>
    /// The refusal, counted, with the figures the log line needs (the client gets only the protocol's quota reply).
    /// Every refusal of a limit below the session layer is made here.
    /// </summary>
    internal static FsException QuotaExceeded(VirtualPath path, AccountUsage usage, LimitKind limit)
    {
        usage.Metrics?.Refused(limit);
        var u = usage.Snapshot();
        if (usage.LedgerUnreachable)
        {
            // Shared by a cluster's gateways: what the others used is not known, so the limit is not passed blindly.
            return new FsException(FsErrorKind.QuotaExceeded,
                $"{path}: {Describe(limit)} of account {u.Key} cannot be checked: the cluster's usage ledger cannot be reached");
        }

        return new FsException(FsErrorKind.QuotaExceeded,
            $"{path}: {Describe(limit)} exceeded for account {u.Key} (disk {u.UsedBytes}/{Show(u.Limits.QuotaBytes)} bytes, " +
            $"{u.UsedFiles}/{Show(u.Limits.QuotaFiles)} files; today up {u.UploadedToday}/{Show(u.Limits.UploadBytesPerDay)}, " +
            $"down {u.DownloadedToday}/{Show(u.Limits.DownloadBytesPerDay)}, both /{Show(u.Limits.TransferBytesPerDay)} bytes)");
    }

    private static string Describe(LimitKind limit) => limit switch
    {
        LimitKind.QuotaBytes => "disk quota",
        LimitKind.QuotaFiles => "file quota",
        LimitKind.DailyUpload => "daily upload allowance",
        LimitKind.DailyDownload => "daily download allowance",
        _ => "daily transfer allowance",
    };

    private static string Show(long? limit) => limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
}
