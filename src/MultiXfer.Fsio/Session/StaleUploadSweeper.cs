namespace MultiXfer.Fsio.Session;

/// <summary>
/// Removes crash leftovers: temporary upload files (".mxpart-*") that nobody has written to for a while. A live
/// upload writes at least every data stall timeout, so only files abandoned by a crash or a kill -9 qualify.
/// The walk streams directories breadth-first, never follows links, and can be cancelled.
/// </summary>
internal static class StaleUploadSweeper
{
    /// <summary>Deletes stale temporaries under the root of <paramref name="fileSystem"/>; returns how many.</summary>
    public static async Task<int> SweepAsync(IFileSystem fileSystem, DateTime olderThanUtc, CancellationToken cancellationToken)
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
                        continue; // Not reachable through FSIO (control characters); not ours to touch either.
                    }

                    var path = directory.Append(entry.Name);
                    if (entry.Status.IsDirectory)
                    {
                        pending.Enqueue(path);
                    }
                    else if (entry.Status.IsRegular && SessionFileSystem.IsUploadTemporary(entry.Name) &&
                             entry.Status.ModifiedUtc < olderThanUtc)
                    {
                        await fileSystem.DeleteFileAsync(path, cancellationToken);
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
}
