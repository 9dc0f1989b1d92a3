namespace MultiXfer.Fsio.Session;

/// <summary>How whole-file uploads are written (Server:AtomicUploads, Server:FsyncUploads).</summary>
/// <param name="Atomic">Through a hidden temporary file renamed into place on success.</param>
/// <param name="Fsync">The temporary file is flushed to disk before it takes the target's name.</param>
internal readonly record struct UploadPolicy(bool Atomic, bool Fsync);
