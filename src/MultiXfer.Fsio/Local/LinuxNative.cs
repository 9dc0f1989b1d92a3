using System.Runtime.InteropServices;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// The Linux system calls the local backend confines paths with. .NET has no equivalent of Go's os.Root, so
/// resolution happens in the kernel: openat2(2) with RESOLVE_IN_ROOT treats the user's root as '/', clamps
/// '..' and resolves absolute symlinks inside it, atomically, with no check-then-open window.
/// </summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;
    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;

    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveInRoot = 0x10;

    public const uint StatxBasicStats = 0x7ff;
    public const uint StatxBirthTime = 0x800;

    public const long UtimeOmit = (1L << 30) - 2;

    private const long SysOpenat2 = 437; // the same number on every architecture since Linux 5.6

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    public static int OpenAt2(int dirfd, string path, int flags, int mode, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = (ulong)mode, Resolve = resolve };
        Span<byte> utf8 = stackalloc byte[(path.Length * 3) + 1];
        int length = System.Text.Encoding.UTF8.GetBytes(path, utf8);
        utf8[length] = 0;
        fixed (byte* p = utf8)
        {
            return (int)Syscall4(SysOpenat2, dirfd, p, &how, (nuint)sizeof(OpenHow));
        }
    }

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirfd, string path, int mode);

    [LibraryImport(Libc, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string path, int flags);

    [LibraryImport(Libc, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport(Libc, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int newdirfd, string linkpath);

    [LibraryImport(Libc, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLinkAt(int dirfd, string path, byte* buffer, nuint size);

    [LibraryImport(Libc, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UtimensAt(int dirfd, string path, Timespec* times, int flags);

    [LibraryImport(Libc, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchmodAt(int dirfd, string path, int mode, int flags);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    /// <summary>flock(2) operations (sys/file.h).</summary>
    public const int LockExclusive = 2;
    public const int LockNonBlocking = 4;

    [LibraryImport(Libc, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Libc, EntryPoint = "fstatvfs", SetLastError = true)]
    public static partial int Fstatvfs(int fd, StatVfs* buffer);

    [LibraryImport(Libc, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nuint count);

    /// <summary>struct statvfs on 64-bit Linux: eleven unsigned longs, then spare room.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfs
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FilesAvailable;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong NameMax;
        public fixed int Spare[16];
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    [LibraryImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, int mode);

    [LibraryImport(Libc, EntryPoint = "futimens", SetLastError = true)]
    public static partial int Futimens(int fd, Timespec* times);
}
