namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// A file an operator edits while the server runs (authorized keys, trusted CA keys, revoked keys): parsed again
/// whenever its size or modification time changes, so an edit takes effect on the next login without a restart or
/// a signal. A stat per use is all an unchanged file costs; its problems are reported once per change, not per login.
/// </summary>
internal sealed class WatchedFile<T>(string path, long maxBytes, Func<byte[], T> parse)
    where T : class
{
    private readonly Lock _gate = new();
    private (bool Exists, long Length, DateTime Modified)? _stamp;
    private FileState _state = new(null, "not read yet", Fresh: false, Missing: false);

    public string Path { get; } = path;

    /// <summary>
    /// The parsed content, or the reason there is none: missing, too large, unreadable, or a <see cref="FormatException"/>
    /// from the parser. <see cref="FileState.Fresh"/> is true only for the call that read a changed file.
    /// </summary>
    public FileState Read()
    {
        var info = new FileInfo(Path);
        var stamp = info.Exists ? (true, info.Length, info.LastWriteTimeUtc) : (false, 0L, DateTime.MinValue);
        lock (_gate)
        {
            if (_stamp == stamp)
            {
                return _state with { Fresh = false };
            }

            _stamp = stamp;
            _state = Load(info) with { Fresh = true };
            return _state;
        }
    }

    private FileState Load(FileInfo info)
    {
        if (!info.Exists)
        {
            return new FileState(null, $"{Path} does not exist", Fresh: true, Missing: true);
        }

        if (info.Length > maxBytes)
        {
            return new FileState(null, $"{Path} is larger than {maxBytes} bytes and was not read", Fresh: true, Missing: false);
        }

        try
        {
            return new FileState(parse(File.ReadAllBytes(Path)), null, Fresh: true, Missing: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return new FileState(null, $"{Path}: {e.Message}", Fresh: true, Missing: false);
        }
    }

    /// <summary>What one read found: the value, or the problem (and whether the problem is only that the file is absent).</summary>
    public sealed record FileState(T? Value, string? Problem, bool Fresh, bool Missing);
}
