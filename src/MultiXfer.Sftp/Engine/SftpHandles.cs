using System.Buffers.Binary;
using System.Security.Cryptography;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;

namespace MultiXfer.Sftp.Engine;

/// <summary>An open file or directory as a session holds it.</summary>
internal abstract class SftpHandle(VirtualPath path)
{
    public VirtualPath Path { get; } = path;
}

internal sealed class FileHandleEntry(VirtualPath path, IFileHandle file, bool deleteOnClose) : SftpHandle(path)
{
    public IFileHandle File { get; } = file;
    public bool DeleteOnClose { get; } = deleteOnClose;
    /// <summary>Identity of the file for byte-range locks (device, inode), looked up when locks first matter.</summary>
    public LockKey? LockKey { get; set; }

    private long _moved;

    /// <summary>Bytes read or written through this handle, for the session list's current transfer.</summary>
    public long Moved => Interlocked.Read(ref _moved);

    public void Count(long bytes) => Interlocked.Add(ref _moved, bytes);

    /// <summary>This handle as the session list shows it.</summary>
    public MultiXfer.Connections.TransferActivity? Activity { get; set; }
}

internal sealed class DirectoryHandleEntry(VirtualPath path, IAsyncEnumerator<FsEntry> entries) : SftpHandle(path)
{
    public IAsyncEnumerator<FsEntry> Entries { get; } = entries;
    /// <summary>'.' and '..' come first, as from readdir(3) (OpenSSH clients hide them; lftp expects them).</summary>
    public bool DotsSent { get; set; }
    /// <summary>The enumerator has an entry read ahead (OPENDIR reads one so that errors surface there).</summary>
    public bool HasPending { get; set; }
    public bool Finished { get; set; }
}

/// <summary>
/// A session's open handles. Handle strings are 16 random bytes: unguessable, meaningless to any other session,
/// and never reused, so a closed handle stays invalid (draft -13 §8.1.2 lets a server choose them freely).
/// </summary>
internal sealed class SftpHandles(int maxHandles)
{
    public const int HandleLength = 16;

    private readonly Dictionary<(ulong, ulong), SftpHandle> _open = [];

    public int Count => _open.Count;

    public IEnumerable<SftpHandle> All => _open.Values;

    /// <summary>Checked before anything is opened: a refused OPEN must not leave a file behind.</summary>
    public void EnsureRoom()
    {
        if (_open.Count >= maxHandles)
        {
            throw new SftpStatusException(SftpStatusCode.Failure, $"too many open handles (limit {maxHandles})");
        }
    }

    public byte[] Add(SftpHandle handle)
    {
        EnsureRoom();

        var bytes = RandomNumberGenerator.GetBytes(HandleLength);
        _open.Add(Key(bytes), handle);
        return bytes;
    }

    public T Get<T>(ReadOnlySpan<byte> handle) where T : SftpHandle =>
        TryFind(handle) as T ?? throw new SftpStatusException(SftpStatusCode.InvalidHandle);

    public SftpHandle Remove(ReadOnlySpan<byte> handle)
    {
        var found = TryFind(handle) ?? throw new SftpStatusException(SftpStatusCode.InvalidHandle);
        _open.Remove(Key(handle));
        return found;
    }

    public void Clear() => _open.Clear();

    private SftpHandle? TryFind(ReadOnlySpan<byte> handle) =>
        handle.Length == HandleLength && _open.TryGetValue(Key(handle), out var found) ? found : null;

    private static (ulong, ulong) Key(ReadOnlySpan<byte> bytes) =>
        (BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));
}
