using MultiXfer.Fsio.Session;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Limits;

/// <summary>
/// Counts what an account's root holds, the way <see cref="LimitedFileSystem"/> keeps count: regular files' sizes
/// once per inode, files and symbolic links (not directories, not upload temporaries) towards the file count.
/// Walks with an explicit stack of directories, so a deep tree cannot overflow the call stack.
/// </summary>
internal static class DiskUsageScanner
{
    public static async Task<DiskUsage> ScanAsync(IFileSystem root, CancellationToken cancellationToken)
    {
        long bytes = 0;
        long files = 0;
        long inFlight = 0;
        var seen = new HashSet<(ulong Device, ulong Inode)>();
        var pending = new Stack<VirtualPath>([VirtualPath.Root]);
        while (pending.TryPop(out var directory))
        {
            try
            {
                await foreach (var entry in root.ListDirectoryAsync(directory, cancellationToken))
                {
                    var status = entry.Status;
                    if (status.IsDirectory)
                    {
                        pending.Push(directory.Append(entry.Name));
                        continue;
                    }

                    if (status.LinkCount > 1 && status.Inode != 0 && !seen.Add((status.Device, status.Inode)))
                    {
                        continue;
                    }

                    if (status.IsRegular)
                    {
                        bytes += status.Size;
                    }

                    if (SessionFileSystem.IsUploadTemporary(entry.Name))
                    {
                        inFlight += status.Size;
                    }
                    else
                    {
                        files++;
                    }
                }
            }
            catch (FsException e) when (e.Kind is FsErrorKind.NotFound or FsErrorKind.NotADirectory)
            {
                // Removed while the scan walked: it holds nothing now.
            }
        }

        return new DiskUsage(bytes, files, inFlight);
    }
}
