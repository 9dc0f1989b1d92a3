using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Observability;

namespace MultiXfer.Scp;

/// <summary>
/// "scp -f": the client downloads. Files go as C lines and their bytes, directories (with -r) as D ... E, times
/// first with -p. Names sent are FSIO entry names: never empty, '.', '..' or containing '/'. A path's last segment
/// may hold * and ? wildcards, expanded here (there is no shell to do it).
/// </summary>
internal sealed class ScpSource(ScpChannel channel, IFileSystem files, ScpCommandLine command, ILogger logger, ConnectionContext? connection = null)
{
    private readonly HashSet<(ulong Device, ulong Inode)> _directoriesBeingSent = [];
    private bool _errors;

    public async Task<bool> RunAsync(IReadOnlyList<VirtualPath> paths, CancellationToken cancellationToken)
    {
        // The client starts with an ack: it is ready.
        if (await channel.ReadAckAsync(cancellationToken) is { } refusal)
        {
            throw new ScpProtocolException("client refused to start: " + refusal, clientGaveUp: true);
        }

        foreach (var pattern in paths)
        {
            foreach (var path in await ExpandAsync(pattern, cancellationToken))
            {
                await SendPathAsync(path, cancellationToken);
            }
        }

        return !_errors;
    }

    private async Task<IReadOnlyList<VirtualPath>> ExpandAsync(VirtualPath pattern, CancellationToken cancellationToken)
    {
        string name = pattern.Name;
        if (pattern.IsRoot || !NamePattern.HasWildcards(name) || await ExistsAsync(pattern, cancellationToken))
        {
            return [pattern];
        }

        var matches = new List<VirtualPath>();
        try
        {
            await foreach (var entry in files.ListDirectoryAsync(pattern.Parent, cancellationToken))
            {
                if (Wildcard.Matches(name, entry.Name) && !await SkipUnsendableAsync(pattern.Parent, entry.Name, cancellationToken))
                {
                    matches.Add(pattern.Parent.Append(entry.Name));
                }
            }
        }
        catch (FsException)
        {
            // Reported below as no match, exactly like a missing path.
        }

        if (matches.Count == 0)
        {
            await WarnAsync($"{pattern}: No such file or directory", cancellationToken);
        }

        matches.Sort((a, b) => string.CompareOrdinal(a.Value, b.Value));
        return matches;
    }

    private async Task SendPathAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        FileStatus status;
        try
        {
            status = await files.GetStatusAsync(path, followLinks: true, cancellationToken);
        }
        catch (FsException e)
        {
            await WarnAsync($"{path}: {FsException.Describe(e.Kind)}", cancellationToken);
            return;
        }

        if (path.IsRoot)
        {
            await WarnAsync("/: the root has no name to send; name the entries inside it", cancellationToken);
            return;
        }

        if (status.IsDirectory)
        {
            if (!command.Recursive)
            {
                await WarnAsync($"{path}: not a regular file", cancellationToken);
                return;
            }

            await SendDirectoryAsync(path, status, cancellationToken);
        }
        else if (status.IsRegular)
        {
            await SendFileAsync(path, status, cancellationToken);
        }
        else
        {
            await WarnAsync($"{path}: not a regular file", cancellationToken);
        }
    }

    private async Task SendDirectoryAsync(VirtualPath path, FileStatus status, CancellationToken cancellationToken)
    {
        // Links are followed (as scp does), so a link to a directory above would recurse until paths grow too long:
        // a directory already being sent further up is skipped instead.
        var identity = (status.Device, status.Inode);
        if (status.Inode != 0 && !_directoriesBeingSent.Add(identity))
        {
            await WarnAsync($"{path}: symbolic link loop, not sent again", cancellationToken);
            return;
        }

        try
        {
            await SendDirectoryContentAsync(path, status, cancellationToken);
        }
        finally
        {
            _directoriesBeingSent.Remove(identity);
        }
    }

    private async Task SendDirectoryContentAsync(VirtualPath path, FileStatus status, CancellationToken cancellationToken)
    {
        if (!await SendTimesAsync(status, cancellationToken) ||
            !await SendHeaderAsync('D', status.Permissions, 0, path.Name, cancellationToken))
        {
            return;
        }

        try
        {
            await foreach (var entry in files.ListDirectoryAsync(path, cancellationToken))
            {
                if (await SkipUnsendableAsync(path, entry.Name, cancellationToken))
                {
                    continue;
                }

                await SendPathAsync(path.Append(entry.Name), cancellationToken);
            }
        }
        catch (FsException e)
        {
            await WarnAsync($"{path}: {FsException.Describe(e.Kind)}", cancellationToken);
        }

        await channel.SendLineAsync("E", cancellationToken);
        await ReportAckAsync(path, cancellationToken);
    }

    private async Task SendFileAsync(VirtualPath path, FileStatus status, CancellationToken cancellationToken)
    {
        IFileHandle file;
        try
        {
            file = await files.OpenFileAsync(path, FileOpenOptions.ReadOnly, cancellationToken);
        }
        catch (FsException e)
        {
            await WarnAsync($"{path}: {FsException.Describe(e.Kind)}", cancellationToken);
            return;
        }

        await using (file)
        {
            long size = (await file.GetStatusAsync(cancellationToken)).Size;
            if (!await SendTimesAsync(status, cancellationToken) ||
                !await SendHeaderAsync('C', status.Permissions, size, path.Name, cancellationToken))
            {
                return;
            }

            // Exactly the announced size goes out: a file that shrank meanwhile is padded (and reported), one that
            // grew is cut, as OpenSSH's scp does; the stream must stay in step.
            string? problem = null;
            var buffer = ArrayPool<byte>.Shared.Rent(ScpChannel.BufferSize);
            long offset = 0;
            // Shown in the session list; the bytes cross the channel, which the connection counts already.
            var shown = new TransferActivity("read", path.ToString(), Upload: false, DateTimeOffset.UtcNow, () => Volatile.Read(ref offset),
                SeparateConnection: false) { Sha256 = () => IFileDigest.Of(file) };
            connection?.BeginTransfer(shown);
            var outcome = TransferOutcome.Aborted;
            try
            {
                while (offset < size)
                {
                    int wanted = (int)Math.Min(buffer.Length, size - offset);
                    int read = 0;
                    if (problem is null)
                    {
                        try
                        {
                            read = await file.ReadAsync(offset, buffer.AsMemory(0, wanted), cancellationToken);
                        }
                        catch (FsException e)
                        {
                            problem = FsException.Describe(e.Kind);
                        }

                        if (read == 0 && problem is null)
                        {
                            problem = "file shrank while being sent";
                        }
                    }

                    if (read == 0)
                    {
                        buffer.AsSpan(0, wanted).Clear();
                        read = wanted;
                    }

                    await channel.Stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    offset += read;
                }

                outcome = problem is null ? TransferOutcome.Completed : TransferOutcome.Failed;
            }
            finally
            {
                connection?.EndTransfer(shown, outcome);
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (problem is null)
            {
                await channel.SendOkAsync(cancellationToken);
            }
            else
            {
                await WarnAsync($"{path}: {problem}", cancellationToken);
            }

            await ReportAckAsync(path, cancellationToken);
        }
    }

    /// <summary>
    /// A name on disk that cannot go on an scp control line (a newline would end the line early) is skipped with a
    /// warning; its siblings are still sent.
    /// </summary>
    private async Task<bool> SkipUnsendableAsync(VirtualPath directory, string name, CancellationToken cancellationToken)
    {
        if (VirtualPath.IsValidName(name) && !name.Contains('\n'))
        {
            return false;
        }

        await WarnAsync($"{directory}: skipped an entry whose name cannot be sent", cancellationToken);
        return true;
    }

    private async Task<bool> SendTimesAsync(FileStatus status, CancellationToken cancellationToken)
    {
        if (!command.PreserveTimes)
        {
            return true;
        }

        await channel.SendLineAsync(new ScpTimes(status.ModifiedUtc, status.AccessedUtc).ToLine(), cancellationToken);
        return await ReportAckAsync(null, cancellationToken);
    }

    private async Task<bool> SendHeaderAsync(char type, int permissions, long size, string name, CancellationToken cancellationToken)
    {
        string mode = Convert.ToString(permissions & 0x1FF, 8).PadLeft(4, '0');
        await channel.SendLineAsync(string.Create(CultureInfo.InvariantCulture, $"{type}{mode} {size} {name}"), cancellationToken);
        return await ReportAckAsync(null, cancellationToken);
    }

    /// <summary>The client's ack: a warning (it could not write something) is logged and the transfer goes on.</summary>
    private async Task<bool> ReportAckAsync(VirtualPath? path, CancellationToken cancellationToken)
    {
        string? warning = await channel.ReadAckAsync(cancellationToken);
        if (warning is null)
        {
            return true;
        }

        logger.LogInformation("scp client reported for {Path}: {Message}", path?.Value ?? "-", warning);
        _errors = true;
        return false;
    }

    private async Task WarnAsync(string message, CancellationToken cancellationToken)
    {
        _errors = true;
        await channel.SendErrorAsync(fatal: false, message, cancellationToken);
    }

    private async Task<bool> ExistsAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await files.GetStatusAsync(path, followLinks: false, cancellationToken);
            return true;
        }
        catch (FsException)
        {
            return false;
        }
    }
}
