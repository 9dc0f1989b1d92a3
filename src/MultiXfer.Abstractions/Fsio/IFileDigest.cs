namespace MultiXfer.Fsio;

/// <summary>
/// A handle that hashes what passes through it (Logging:AuditSha256): the audit log records the SHA-256 of a
/// completed transfer.
/// </summary>
public interface IFileDigest
{
    /// <summary>
    /// The lowercase hex SHA-256 of every byte read or written, when they came in order from offset 0 (a whole
    /// download or upload); null when the transfer started elsewhere or skipped around (resumes, random access).
    /// </summary>
    string? Sha256 { get; }

    /// <summary>The digest of <paramref name="file"/> if it keeps one, else null.</summary>
    static string? Of(IFileHandle? file) => (file as IFileDigest)?.Sha256;
}
