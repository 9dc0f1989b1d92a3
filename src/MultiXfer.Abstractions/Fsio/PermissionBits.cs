namespace MultiXfer.Fsio;

/// <summary>The permission bits storage will set on request.</summary>
public static class PermissionBits
{
    /// <summary>
    /// rwxrwxrwx only. Every virtual user's files belong to the server's one account, so setuid or setgid on an
    /// uploaded program would let anyone with a shell on the host run it as the server (and read every user's
    /// data and the keys); the sticky bit means nothing without per-user owners.
    /// </summary>
    public const int Settable = 0x1FF;
}
