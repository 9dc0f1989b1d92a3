using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Engine;

/// <summary>OPENDIR, READDIR, MKDIR, RMDIR (draft -13 §8.5, §8.7).</summary>
internal sealed partial class SftpSession
{
    /// <summary>Entries per NAME reply, as OpenSSH's sftp-server; a directory is paged, never read whole.</summary>
    private const int EntriesPerReaddir = 100;

    /// <summary>A NAME reply stops growing past this many bytes even before the entry count is reached.</summary>
    private const int ReaddirBytes = 64 * 1024;

    private async ValueTask OpendirAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(body);

        var path = await ResolvePathAsync(input, cancellationToken);
        _handles.EnsureRoom();
        var status = await _files.GetStatusAsync(path, followLinks: true, cancellationToken);
        if (!status.IsDirectory)
        {
            throw new SftpStatusException(SftpStatusCode.NotADirectory);
        }

        var entries = _files.ListDirectoryAsync(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var handle = new DirectoryHandleEntry(path, entries);
        try
        {
            // Read one entry ahead so that a directory that cannot be listed fails here, not at READDIR.
            handle.HasPending = await entries.MoveNextAsync();
            handle.Finished = !handle.HasPending;
            WriteHandle(id, _handles.Add(handle));
        }
        catch
        {
            await entries.DisposeAsync();
            throw;
        }
    }

    private async ValueTask ReaddirAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        DirectoryHandleEntry handle;
        {
            var reader = new SftpReader(body.Span);
            handle = _handles.Get<DirectoryHandleEntry>(reader.ReadString());
        }

        if (handle.Finished && handle.DotsSent)
        {
            WriteStatus(id, SftpStatusCode.Eof);
            return;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        int packetStart = _output.Length;
        _output.BeginPacket(SftpMessageType.Name);
        _output.WriteUInt32(id);
        int countOffset = _output.Length;
        _output.WriteUInt32(0);
        int count = 0;
        if (!handle.DotsSent)
        {
            handle.DotsSent = true;
            Codec.WriteNameEntry(_output, ".", await _files.GetStatusAsync(handle.Path, true, cancellationToken), _owners, now);
            Codec.WriteNameEntry(_output, "..", await _files.GetStatusAsync(handle.Path.Parent, true, cancellationToken), _owners, now);
            count = 2;
        }

        while (!handle.Finished && count < EntriesPerReaddir && _output.Length - packetStart < ReaddirBytes)
        {
            if (!handle.HasPending)
            {
                handle.HasPending = await handle.Entries.MoveNextAsync();
                if (!handle.HasPending)
                {
                    handle.Finished = true;
                    break;
                }
            }

            var entry = handle.Entries.Current;
            handle.HasPending = false;
            Codec.WriteNameEntry(_output, entry.Name, entry.Status, _owners, now);
            count++;
        }

        if (count == 0)
        {
            // A NAME carries one or more names (draft -13 §8.5); the end is EOF.
            _output.AbandonPacket();
            WriteStatus(id, SftpStatusCode.Eof);
            return;
        }

        Codec.WriteEndOfList(_output, handle.Finished);
        _output.PatchUInt32(countOffset, (uint)count);
        _output.EndPacket();
    }

    private async ValueTask MkdirAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input;
        SftpAttributes attributes;
        {
            var reader = new SftpReader(body.Span);
            input = reader.ReadUtf8();
            attributes = Codec.ReadAttributes(ref reader);
        }

        await _files.CreateDirectoryAsync(await ResolvePathAsync(input, cancellationToken), attributes.Permissions, cancellationToken);
        WriteOk(id);
    }

    private async ValueTask RmdirAsync(uint id, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        string input = SinglePathArgument(body);

        await _files.DeleteDirectoryAsync(await ResolvePathAsync(input, cancellationToken), cancellationToken);
        WriteOk(id);
    }
}
