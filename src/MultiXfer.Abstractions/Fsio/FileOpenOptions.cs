namespace MultiXfer.Fsio;

[Flags]
public enum FileAccessMode
{
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}

/// <summary>What to do about an existing or missing file when opening it.</summary>
public enum FileCreateMode
{
    /// <summary>The file must exist.</summary>
    OpenExisting,
    /// <summary>The file must not exist (O_CREAT|O_EXCL).</summary>
    CreateNew,
    /// <summary>Open, creating if missing; keep existing content (resume, append, random-access writes).</summary>
    OpenOrCreate,
    /// <summary>
    /// The content is replaced as a whole. Through a session filesystem this is a crash-safe upload when atomic
    /// uploads are on: the data goes to a hidden temporary file that replaces the target only on commit.
    /// </summary>
    Replace,
}

public readonly record struct FileOpenOptions(FileAccessMode Access, FileCreateMode Create = FileCreateMode.OpenExisting)
{
    /// <summary>Permission bits for a file this open creates; null uses the storage default (0644 less umask).</summary>
    public int? Permissions { get; init; }

    /// <summary>Every write goes to the current end of file whatever its offset (O_APPEND).</summary>
    public bool Append { get; init; }

    /// <summary>
    /// Hold an exclusive advisory lock (flock(2)) on the file for as long as the handle is open; if someone else holds
    /// it, the open fails with <see cref="FsErrorKind.LockConflict"/>. With <see cref="FileCreateMode.CreateNew"/> the
    /// returned handle is guaranteed to be the file under the name. Storage that cannot lock fails with
    /// <see cref="FsErrorKind.Unsupported"/> for existing files and ignores the flag when creating.
    /// </summary>
    public bool ExclusiveLock { get; init; }

    public static FileOpenOptions ReadOnly => new(FileAccessMode.Read);

    public bool Writes => (Access & FileAccessMode.Write) != 0;
}

public readonly record struct RenameOptions(bool Overwrite);
