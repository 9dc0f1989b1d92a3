using System.Globalization;

namespace MultiXfer.TestKit;

/// <summary>
/// A real, small file system that fills up: a tmpfs of a few MiB mounted over a directory (root only; CI runs as
/// root). Where mounting is impossible, <see cref="TryMountAsync"/> says why, and the test reports itself skipped.
/// </summary>
public sealed class SmallTmpfs : IAsyncDisposable
{
    private SmallTmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> over <paramref name="directory"/> (which must exist).</summary>
    public static async Task<(SmallTmpfs? Mount, string? Problem)> TryMountAsync(string directory, long bytes)
    {
        if (Environment.UserName != "root")
        {
            return (null, $"mounting a tmpfs needs root (running as {Environment.UserName})");
        }

        var result = await ProcessRunner.RunAsync("mount",
            ["-t", "tmpfs", "-o", $"size={bytes.ToString(CultureInfo.InvariantCulture)},mode=0755", "tmpfs", directory], TimeSpan.FromSeconds(20));
        return result.ExitCode == 0 ? (new SmallTmpfs(directory), null) : (null, $"mount -t tmpfs failed: {result.Error.Trim()}");
    }

    /// <summary>Makes the file system read-only (EROFS for every write) or writable again, as a failing disk or a full remount would.</summary>
    public async Task RemountAsync(bool readOnly)
    {
        var result = await ProcessRunner.RunAsync("mount", ["-o", readOnly ? "remount,ro" : "remount,rw", Path], TimeSpan.FromSeconds(20));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"remounting {Path}: {result.Error.Trim()}");
        }
    }

    /// <summary>Bytes an unprivileged writer could still put there (statvfs f_bavail × f_frsize), as df shows it.</summary>
    public async Task<long> AvailableBytesAsync()
    {
        var result = await ProcessRunner.RunAsync("stat", ["-f", "-c", "%a %S", Path]);
        string[] parts = result.Output.Trim().Split(' ');
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Removes every file and directory on it (between tests).</summary>
    public void Clear()
    {
        foreach (string entry in Directory.GetFileSystemEntries(Path))
        {
            if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    public async ValueTask DisposeAsync() => await ProcessRunner.RunAsync("umount", ["-l", Path], TimeSpan.FromSeconds(20));
}
