namespace MultiXfer.Fsio;

/// <summary>A failed filesystem operation with its neutral <see cref="FsErrorKind"/>.</summary>
/// <remarks>The message is for logs; protocols reply from <see cref="Kind"/> only, so no host detail leaks.</remarks>
public sealed class FsException : Exception
{
    public FsException(FsErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public FsErrorKind Kind { get; }

    public static FsException NotFound(VirtualPath path) => new(FsErrorKind.NotFound, $"{path}: not found");

    public static FsException Denied(VirtualPath path, string what) =>
        new(FsErrorKind.PermissionDenied, $"{path}: {what} not permitted");
}
