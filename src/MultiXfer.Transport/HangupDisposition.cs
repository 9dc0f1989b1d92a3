using System.Runtime.InteropServices;

namespace MultiXfer.Transport;

/// <summary>
/// SIGHUP means "reload" to a daemon (sshd, nginx and ProFTPD all take it so), but a server started under nohup(1)
/// inherits SIGHUP as ignored, and .NET does not install a <see cref="PosixSignalRegistration"/> handler over an
/// ignored signal: every reload request would vanish without a word. Like sshd, the server takes SIGHUP back
/// (POSIX: an ignored disposition survives exec, a caught one does not) before its first registration.
/// </summary>
internal static partial class HangupDisposition
{
    private const int Sighup = 1;
    private static readonly IntPtr Ignore = 1; // SIG_IGN
    private static readonly IntPtr Default = 0; // SIG_DFL

    // struct sigaction: glibc and musl (x86-64 and arm64) both start it with the handler; 256 bytes cover the rest.
    private const int SigactionSize = 256;
    private static readonly object Gate = new();
    private static bool _checked;

    /// <summary>Once per process, before the first SIGHUP registration (later calls must not reset .NET's handler).</summary>
    public static void EnsureNotIgnored()
    {
        lock (Gate)
        {
            if (!_checked && OperatingSystem.IsLinux())
            {
                RestoreIfIgnored();
            }

            _checked = true;
        }
    }

    private static unsafe void RestoreIfIgnored()
    {
        byte* current = stackalloc byte[SigactionSize];
        if (Sigaction(Sighup, null, current) == 0 && *(IntPtr*)current == Ignore)
        {
            Signal(Sighup, Default);
        }
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static unsafe partial int Sigaction(int signal, byte* action, byte* previous);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
