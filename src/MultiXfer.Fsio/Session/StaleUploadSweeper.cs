namespace MultiXfer.Fsio.Session;

/// <summary>
/// Removes crash leftovers: temporary upload files (".mxpart-*") whose writer is gone. A live upload holds an
/// exclusive lock on its temporary for as long as it is open, and the lock dies with the process, so a temporary
/// that can be locked was left by a crash, a kill -9 or a power loss, and is removed at once. On storage that
/// cannot lock files, a temporary counts as a leftover only once nobody has written to it for a while (a live
/// upload writes at least every data stall timeout). The walk streams directories breadth-first, never follows
/// links, and can be cancelled.
/// </summary>
internal static class StaleUploadSweeper
{
    /// <summary>
    /// Deletes leftover temporaries under the root of <paramref name="fileSystem"/>; returns how many.
    /// <paramref name="unlockableOlderThanUtc"/> is the age rule for storage without locks.
    /// </summary>
    public static async Task<int> SweepAsync(IFileSystem fileSystem, DateTime unlockableOlderThanUtc, CancellationToken cancellationToken)
    {
        int removed = 0;
        var pending = new Queue<VirtualPath>([VirtualPath.Root]);
        while (pending.TryDequeue(out var directory))
        {
            try
            {
                await foreach (var entry in fileSystem.ListDirectoryAsync(directory, cancellationToken).WithCancellation(cancellationToken))
                {
                    if (!VirtualPath.IsValidName(entry.Name))
                    {
                        continue; // Not reachable through FSIO; not ours to touch either.
                    }

                    var path = directory.Append(entry.Name);
                    if (entry.Status.IsDirectory)
                    {
                        pending.Enqueue(path);
                    }
                    else if (entry.Status.IsRegular && SessionFileSystem.IsUploadTemporary(entry.Name) &&
                             await TryRemoveLeftoverAsync(fileSystem, path, entry.Status.ModifiedUtc < unlockableOlderThanUtc, cancellationToken))
                    {
                        removed++;
                    }
                }
            }
            catch (FsException)
            {
                // A directory that vanished or cannot be read is skipped; the next sweep tries again.
            }
        }

        return removed;
    }

    /// <summary>Removes the temporary if no upload holds it; deleted under our own lock, so no writer can be racing.</summary>
    private static async Task<bool> TryRemoveLeftoverAsync(IFileSystem fileSystem, VirtualPath path, bool oldEnoughWithoutLocks,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = await fileSystem.OpenFileAsync(path, FileOpenOptions.ReadOnly with { ExclusiveLock = true }, cancellationToken);
            await fileSystem.DeleteFileAsync(path, cancellationToken);
            return true;
        }
        catch (FsException e) when (e.Kind == FsErrorKind.Unsupported && oldEnoughWithoutLocks)
        {
            await fileSystem.DeleteFileAsync(path, cancellationToken);
            return true;
        }
        catch (FsException e) when (e.Kind is FsErrorKind.LockConflict or FsErrorKind.Unsupported or FsErrorKind.NotFound)
        {
            return false; // A live upload, too young to judge without locks, or committed meanwhile.
        }
    }
}
