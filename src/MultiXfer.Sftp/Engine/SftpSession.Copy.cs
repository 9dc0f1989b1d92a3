using System.Buffers;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>
/// Server-side copies and hashes: copy-data (OpenSSH PROTOCOL §4.7), copy-file and check-file (draft -13 §9.1).
/// All of them go through handles FSIO opened with the user's permissions: a copy can read only what the user
/// could download and write only where the user could upload (ProFTPD mod_copy's lesson, CVE-2015-3306).
/// </summary>
internal sealed partial class SftpSession
{
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>check-file block sizes below this are refused (draft -13 §9.1.2).</summary>
    private const int MinimumCheckBlock = 256;

    private async ValueTask CopyDataAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        FileHandleEntry source;
        ulong readOffset;
        ulong readLength;
        FileHandleEntry target;
        ulong writeOffset;
        {
            var reader = new SftpReader(arguments.Span);
            source = _handles.Get<FileHandleEntry>(reader.ReadString());
            readOffset = reader.ReadUInt64();
            readLength = reader.ReadUInt64();
            target = _handles.Get<FileHandleEntry>(reader.ReadString());
            writeOffset = reader.ReadUInt64();
        }

        if ((source.File.Access & FileAccessMode.Read) == 0 || (target.File.Access & FileAccessMode.Write) == 0)
        {
            throw new SftpStatusException(SftpStatusCode.PermissionDenied, "copy-data needs a readable source and a writable target");
        }

        if (readOffset > long.MaxValue || writeOffset > long.MaxValue ||
            (readLength != 0 && readLength > long.MaxValue - Math.Max(readOffset, writeOffset)))
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, "offsets beyond the largest file size");
        }

        // Length 0 copies to the end of the source (OpenSSH PROTOCOL §4.7).
        ulong limit = readLength != 0 ? readLength : long.MaxValue - Math.Max(readOffset, writeOffset);

        if (source == target && readOffset < writeOffset + limit && writeOffset < readOffset + limit)
        {
            // Overlapping ranges of one file would copy data already overwritten (OpenSSH refuses them too).
            throw new SftpStatusException(SftpStatusCode.Failure, "source and target ranges overlap");
        }

        await CopyAsync(source, (long)readOffset, (long)limit, target, (long)writeOffset, cancellationToken);
        WriteOk(id);
    }

    private async ValueTask CopyAsync(FileHandleEntry source, long readOffset, long limit, FileHandleEntry target, long writeOffset,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long copied = 0;
            while (copied < limit)
            {
                int wanted = (int)Math.Min(CopyBufferSize, limit - copied);
                await CheckLocksAsync(source, (ulong)(readOffset + copied), (ulong)wanted, SftpOpenFlags.BlockRead, cancellationToken);
                int read = await source.File.ReadAsync(readOffset + copied, buffer.AsMemory(0, wanted), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                await CheckLocksAsync(target, (ulong)(writeOffset + copied), (ulong)read, SftpOpenFlags.BlockWrite, cancellationToken);
                await target.File.WriteAsync(writeOffset + copied, buffer.AsMemory(0, read), cancellationToken);
                copied += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>copy-file: source, destination, overwrite. The copy appears under its name only when complete.</summary>
    private async ValueTask CopyFileAsync(uint id, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        string from;
        string to;
        bool overwrite;
        {
            var reader = new SftpReader(arguments.Span);
            from = reader.ReadUtf8();
            to = reader.ReadUtf8();
            overwrite = reader.ReadBoolean();
        }

        var sourcePath = await ResolvePathAsync(from, cancellationToken);
        var targetPath = await ResolvePathAsync(to, cancellationToken);
        await CheckPathLockAsync(targetPath, SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete, followLinks: true, cancellationToken);
        await using var sourceFile = await _files.OpenFileAsync(sourcePath, FileOpenOptions.ReadOnly, cancellationToken);
        var sourceStatus = await sourceFile.GetStatusAsync(cancellationToken);
        await using var targetFile = await _files.OpenFileAsync(targetPath,
            new FileOpenOptions(FileAccessMode.Write, overwrite ? FileCreateMode.Replace : FileCreateMode.CreateNew)
            {
                Permissions = sourceStatus.Permissions & 0x1FF,
            }, cancellationToken);
        var source = new FileHandleEntry(sourcePath, sourceFile, deleteOnClose: false);
        var target = new FileHandleEntry(targetPath, targetFile, deleteOnClose: false);
        await CopyAsync(source, 0, long.MaxValue, target, 0, cancellationToken);
        await targetFile.CommitAsync(cancellationToken);
        WriteOk(id);
    }

    /// <summary>
    /// check-file-handle / check-file-name: hashes of a byte range, whole or per block. The reply is bounded: a
    /// block size that would need more hashes than one packet holds is refused.
    /// </summary>
    private async ValueTask CheckFileAsync(uint id, ReadOnlyMemory<byte> arguments, bool byHandle, CancellationToken cancellationToken)
    {
        FileHandleEntry? handle = null;
        string? name = null;
        string algorithms;
        ulong start;
        ulong length;
        uint blockSize;
        {
            var reader = new SftpReader(arguments.Span);
            if (byHandle)
            {
                handle = _handles.Get<FileHandleEntry>(reader.ReadString());
            }
            else
            {
                name = reader.ReadUtf8();
            }

            algorithms = reader.ReadUtf8();
            start = reader.ReadUInt64();
            length = reader.ReadUInt64();
            blockSize = reader.ReadUInt32();
        }

        string? algorithm = algorithms.Split(',').Select(a => a.Trim()).FirstOrDefault(CheckFileAlgorithms.Contains);
        if (algorithm is null)
        {
            throw new SftpStatusException(SftpStatusCode.OpUnsupported, "none of the hash algorithms is supported");
        }

        if (blockSize != 0 && blockSize < MinimumCheckBlock)
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, $"block size below {MinimumCheckBlock}");
        }

        if (start > long.MaxValue)
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, "start beyond the largest file size");
        }

        var path = handle?.Path ?? await ResolvePathAsync(name!, cancellationToken);
        await using var opened = handle is null ? await _files.OpenFileAsync(path, FileOpenOptions.ReadOnly, cancellationToken) : null;
        var file = opened ?? handle!.File;
        if ((file.Access & FileAccessMode.Read) == 0)
        {
            throw new SftpStatusException(SftpStatusCode.PermissionDenied, "handle is not open for reading");
        }

        var fileStatus = await file.GetStatusAsync(cancellationToken);
        if (!ByteRangeLocks.Shared.IsEmpty)
        {
            ByteRangeLocks.Shared.CheckAccess(LockKey.For(path, fileStatus), (object?)handle ?? this, 0, ulong.MaxValue,
                SftpOpenFlags.BlockRead);
        }

        long size = fileStatus.Size;
        long end = length == 0 || length > (ulong)(long.MaxValue - (long)start) ? size : Math.Min(size, (long)start + (long)length);
        long span = Math.Max(0, end - (long)start);
        int hashLength = CheckFileHash.LengthOf(algorithm);
        long blocks = blockSize == 0 ? 1 : Math.Max(1, (span + blockSize - 1) / blockSize);
        if (blocks * hashLength > MaxReadLength)
        {
            throw new SftpStatusException(SftpStatusCode.InvalidParameter, "too many blocks for one reply");
        }

        var hashes = new byte[blocks * hashLength];
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long blockLength = blockSize == 0 ? Math.Max(span, 1) : blockSize;
            for (long block = 0; block < blocks; block++)
            {
                using var hash = new CheckFileHash(algorithm);
                long offset = (long)start + block * blockLength;
                long blockEnd = Math.Min(end, offset + blockLength);
                while (offset < blockEnd)
                {
                    int read = await file.ReadAsync(offset, buffer.AsMemory(0, (int)Math.Min(CopyBufferSize, blockEnd - offset)), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    hash.Append(buffer.AsSpan(0, read));
                    offset += read;
                }

                hash.Finish(hashes.AsSpan((int)(block * hashLength), hashLength));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        BeginExtendedReply(id);
        _output.WriteString("check-file");
        _output.WriteString(algorithm);
        foreach (byte b in hashes)
        {
            _output.WriteByte(b);
        }

        _output.EndPacket();
    }
}
