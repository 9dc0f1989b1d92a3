namespace MultiXfer.Transport;

/// <summary>
/// Serialises first-start work (generating certificates, creating the demo user) between servers starting at the
/// same time on the same directories: one waits while the other finishes, then sees its result.
/// </summary>
public static class ExclusiveFileLock
{
    public static FileStream Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 300)
            {
                Thread.Sleep(100);
            }
        }
    }
}
