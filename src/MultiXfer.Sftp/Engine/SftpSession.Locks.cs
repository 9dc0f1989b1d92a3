using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>Version 6 BLOCK and UNBLOCK (draft -13 §8.4).</summary>
internal sealed partial class SftpSession
{
    private const SftpOpenFlags BlockMaskBits = SftpOpenFlags.BlockRead | SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete |
                                                SftpOpenFlags.BlockAdvisory;

    private async ValueTask BlockAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        FileHandleEntry handle;
        ulong offset;
        ulong length;
        SftpOpenFlags mask;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<FileHandleEntry>(reader.ReadString());
            offset = reader.ReadUInt64();
            length = reader.ReadUInt64();
            mask = (SftpOpenFlags)reader.ReadUInt32();
        }

        if ((mask & ~BlockMaskBits) != 0 || mask == 0)
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, "unknown lock mask bits");
        }

        ByteRangeLocks.Shared.Acquire(await LockKeyOfAsync(handle, cancellationToken), handle, this, offset, length, mask);
        WriteOk(id);
    }

    private async ValueTask UnblockAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        FileHandleEntry handle;
        ulong offset;
        ulong length;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<FileHandleEntry>(reader.ReadString());
            offset = reader.ReadUInt64();
            length = reader.ReadUInt64();
        }

        ByteRangeLocks.Shared.Release(await LockKeyOfAsync(handle, cancellationToken), handle, offset, length);
        WriteOk(id);
    }

    /// <summary>The handle's file identity (device and inode), looked up once.</summary>
    private static async ValueTask<LockKey> LockKeyOfAsync(FileHandleEntry handle, CancellationToken cancellationToken) =>
        handle.LockKey ??= LockKey.For(handle.Path, await handle.File.GetStatusAsync(cancellationToken));
}
