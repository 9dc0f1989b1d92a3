namespace MultiXfer.Fsio.Session;

/// <summary>How transfers' files are handled (Server:AtomicUploads, Server:FsyncUploads, Logging:AuditSha256).</summary>
/// <param name="Atomic">Whole-file uploads go through a hidden temporary file renamed into place on success.</param>
/// <param name="Fsync">The temporary file is flushed to disk before it takes the target's name.</param>
/// <param name="Digests">Handles hash what they read and write, for the audit log's SHA-256 of each transfer.</param>
internal readonly record struct UploadPolicy(bool Atomic, bool Fsync, bool Digests = false);
