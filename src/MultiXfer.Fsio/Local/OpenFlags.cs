using System.Runtime.InteropServices;

namespace MultiXfer.Fsio.Local;

/// <summary>open(2) flags. O_DIRECTORY and O_NOFOLLOW differ between x86-64 and arm64, the rest agree.</summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Truncate = 0x200;
    public const int Append = 0x400;
    /// <summary>Opening a FIFO without it would block the server until a writer appears.</summary>
    public const int NonBlock = 0x800;
    public const int CloseOnExec = 0x80000;
    /// <summary>A handle that names an entry without opening it for I/O (no read permission needed).</summary>
    public const int PathOnly = 0x200000;

    public static readonly int Directory = IsArm64 ? 0x4000 : 0x10000;
    public static readonly int NoFollow = IsArm64 ? 0x8000 : 0x20000;

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>The local backend supports 64-bit Linux on these two architectures.</summary>
    public static bool IsSupportedPlatform =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;
}
