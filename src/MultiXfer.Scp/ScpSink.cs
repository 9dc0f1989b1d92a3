using System.Globalization;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Observability;

namespace MultiXfer.Scp;

/// <summary>
/// "scp -t": the client uploads. Control lines C (file), D/E (enter/leave a directory, -r only), T (times, -p)
/// arrive one by one; every name is checked (no '/', '.', '..' or empty name: CVE-2018-20685 and CVE-2019-6111 are
/// about clients trusting servers, here the server trusts no client) and every write goes through FSIO: the
/// user's root, permissions and crash-safe uploads.
/// </summary>
internal sealed class ScpSink(ScpChannel channel, IFileSystem files, ScpCommandLine command, VirtualPath target, ILogger logger,
    ConnectionContext? connection = null)
{
    private readonly Stack<(VirtualPath Path, ScpTimes? Times)> _directories = new();
    private bool _errors;

    /// <summary>Runs the upload; true when every file arrived.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        bool targetIsDirectory = await IsDirectoryAsync(target, cancellationToken);
        if (command.TargetMustBeDirectory && !targetIsDirectory)
        {
            await channel.SendErrorAsync(fatal: true, $"{target}: Not a directory", cancellationToken);
            return false;
        }

        await channel.SendOkAsync(cancellationToken);
        ScpTimes? times = null;
        bool first = true;
        while (await channel.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                throw new ScpProtocolException("empty control line");
            }

            switch (line[0])
            {
                case '\x01':
                    logger.LogWarning("scp client reported: {Message}", line[1..]);
                    _errors = true;
                    continue;
                case '\x02':
                    logger.LogWarning("scp client gave up: {Message}", line[1..]);
                    return false;
                case 'T':
                    times = ScpTimes.Parse(line);
                    await channel.SendOkAsync(cancellationToken);
                    continue;
                case 'E' when _directories.Count == 0:
                    // An E outside any directory ends the transfer, acknowledged, as in OpenSSH's sink: SSH.NET sends
                    // one after a directory's contents uploaded into an existing target with "scp -r -d -t".
                    await channel.SendOkAsync(cancellationToken);
                    return !_errors;
                case 'E':
                    await LeaveDirectoryAsync(cancellationToken);
                    continue;
                case 'C' or 'D':
                    break;
                default:
                    throw new ScpProtocolException($"unexpected control line type '{line[0]}'");
            }

            var (mode, size, name) = ParseEntry(line);
            if (name is null)
            {
                await channel.SendErrorAsync(fatal: true, $"unexpected filename: {Printable(line[(line.LastIndexOf(' ') + 1)..])}", cancellationToken);
                return false;
            }

            // Inside a directory (or into an existing one) entries take their own names; the first entry of a
            // transfer to a path that is not a directory takes that path, as "scp file host:newname" expects.
            var parent = _directories.Count > 0 ? _directories.Peek().Path : target;
            var path = _directories.Count > 0 || targetIsDirectory ? parent.Append(name) : target;
            // Several entries cannot all become one target that is not a directory.
            bool usable = _directories.Count > 0 || targetIsDirectory || first;

            first = false;
            if (line[0] == 'D')
            {
                if (!command.Recursive)
                {
                    await channel.SendErrorAsync(fatal: true, "received a directory without -r", cancellationToken);
                    return false;
                }

                await EnterDirectoryAsync(path, usable, mode, times, cancellationToken);
            }
            else
            {
                await ReceiveFileAsync(path, usable, mode, size, times, cancellationToken);
            }

            times = null;
        }

        if (_directories.Count > 0)
        {
            throw new ScpProtocolException("stream ended inside a directory");
        }

        return !_errors;
    }

    /// <summary>"C0644 123 name" / "D0755 0 name": mode, size and a name that is safe to create, else a null name.</summary>
    internal static (int Mode, long Size, string? Name) ParseEntry(string line)
    {
        var parts = line[1..].Split(' ', 3);
        if (parts.Length != 3 || parts[0].Length is < 1 or > 5 || !parts[0].All(c => c is >= '0' and <= '7'))
        {
            throw new ScpProtocolException("bad mode in control line");
        }

        if (parts[1].Length is < 1 or > 19 || !parts[1].All(char.IsAsciiDigit) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            throw new ScpProtocolException("bad size in control line");
        }

        int mode = Convert.ToInt32(parts[0], 8) & 0x1FF;
        string name = parts[2];
        bool safe = name.Length > 0 && name is not ("." or "..") && !name.Contains('/') && VirtualPath.IsValidName(name);
        return (mode, size, safe ? name : null);
    }

    /// <summary>
    /// A directory that cannot be used is answered with a warning instead of the ack: the client then skips the
    /// whole subtree and sends no E for it (OpenSSH's source does exactly that).
    /// </summary>
    private async Task EnterDirectoryAsync(VirtualPath path, bool usable, int mode, ScpTimes? times, CancellationToken cancellationToken)
    {
        if (!usable)
        {
            await channel.SendErrorAsync(fatal: false, $"{path}: cannot create", cancellationToken);
            _errors = true;
            return;
        }

        try
        {
            if (!await IsDirectoryAsync(path, cancellationToken))
            {
                await files.CreateDirectoryAsync(path, mode, cancellationToken);
            }

            if (command.PreserveTimes)
            {
                await files.SetPermissionsAsync(path, mode, cancellationToken);
            }
        }
        catch (FsException e)
        {
            await WarnAsync(path, e, cancellationToken);
            return;
        }

        _directories.Push((path, times));
        await channel.SendOkAsync(cancellationToken);
    }

    private async Task LeaveDirectoryAsync(CancellationToken cancellationToken)
    {
        var (path, times) = _directories.Pop();
        if (command.PreserveTimes && times is { } t)
        {
            try
            {
                await files.SetTimesAsync(path, t.Accessed, t.Modified, cancellationToken);
            }
            catch (FsException e)
            {
                await WarnAsync(path, e, cancellationToken);
                return;
            }
        }

        await channel.SendOkAsync(cancellationToken);
    }

    /// <summary>
    /// A file that cannot be created is refused before its data (the client then skips it); once accepted, its
    /// bytes are read to the end whatever happens to them, then the client's own status, then ours.
    /// </summary>
    private async Task ReceiveFileAsync(VirtualPath path, bool usable, int mode, long size, ScpTimes? times, CancellationToken cancellationToken)
    {
        if (!usable)
        {
            await channel.SendErrorAsync(fatal: false, $"{path}: cannot create", cancellationToken);
            _errors = true;
            return;
        }

        IFileHandle file;
        try
        {
            file = await files.OpenFileAsync(path, new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace) { Permissions = mode },
                cancellationToken);
        }
        catch (FsException e)
        {
            await WarnAsync(path, e, cancellationToken);
            return;
        }

        FsException? failure = null;
        long offset = 0;
        // Shown in the session list; the bytes cross the channel, which the connection counts already.
        var shown = new TransferActivity("write", path.ToString(), Upload: true, DateTimeOffset.UtcNow, () => Volatile.Read(ref offset),
            SeparateConnection: false) { Sha256 = () => IFileDigest.Of(file) };
        connection?.BeginTransfer(shown);
        var outcome = TransferOutcome.Aborted;
        try
        {
            await using (file)
            {
                await channel.SendOkAsync(cancellationToken);
                while (offset < size)
                {
                    var data = await channel.ReadDataAsync((int)Math.Min(ScpChannel.BufferSize, size - offset), cancellationToken);
                    if (data.IsEmpty)
                    {
                        // Not committed: a crash-safe upload leaves nothing under the name.
                        throw new ScpProtocolException($"stream ended {size - offset} bytes before the end of {path}");
                    }

                    if (failure is null)
                    {
                        try
                        {
                            await file.WriteAsync(offset, data, cancellationToken);
                        }
                        catch (FsException e)
                        {
                            failure = e;
                        }
                    }

                    offset += data.Length;
                }

                // The client's status for the file it sent. libssh2 (curl) sends none and closes its side once the
                // data is out; every announced byte has arrived by then, so the file counts as sent.
                var status = await channel.ReadStatusAsync(cancellationToken);
                if (status.Error is { } clientError)
                {
                    logger.LogWarning("scp client could not send {Path}: {Message}", path, clientError);
                    _errors = true;
                    // Not committed: the target keeps its old content. The client waits for an answer all the same.
                    await channel.SendErrorAsync(fatal: false, $"{path}: not stored: the client reported an error", cancellationToken);
                    outcome = TransferOutcome.Failed;
                    return;
                }

                if (failure is null)
                {
                    try
                    {
                        await file.CommitAsync(cancellationToken);
                    }
                    catch (FsException e)
                    {
                        failure = e;
                    }
                }

                outcome = failure is null ? TransferOutcome.Completed : TransferOutcome.Failed;
            }
        }
        finally
        {
            connection?.EndTransfer(shown, outcome);
        }

        if (failure is null && command.PreserveTimes)
        {
            // -p: the exact mode (umask does not apply, an existing file takes it too) and the times.
            try
            {
                await files.SetPermissionsAsync(path, mode, cancellationToken);
                if (times is { } t)
                {
                    await files.SetTimesAsync(path, t.Accessed, t.Modified, cancellationToken);
                }
            }
            catch (FsException e)
            {
                failure = e;
            }
        }

        if (failure is not null)
        {
            await WarnAsync(path, failure, cancellationToken);
        }
        else
        {
            await channel.SendOkAsync(cancellationToken);
        }
    }

    private async Task WarnAsync(VirtualPath path, FsException e, CancellationToken cancellationToken)
    {
        _errors = true;
        await channel.SendErrorAsync(fatal: false, $"{path}: {FsException.Describe(e.Kind)}", cancellationToken);
    }

    private async Task<bool> IsDirectoryAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return (await files.GetStatusAsync(path, followLinks: true, cancellationToken)).IsDirectory;
        }
        catch (FsException)
        {
            return false;
        }
    }

    private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).Take(255).ToArray());
}

/// <summary>"T mtime 0 atime 0" (seconds, then microseconds, as OpenSSH's scp sends them).</summary>
internal readonly record struct ScpTimes(DateTime Modified, DateTime Accessed)
{
    public static ScpTimes Parse(string line)
    {
        var parts = line[1..].Split(' ');
        if (parts.Length != 4 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long modified) ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long accessed) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int modifiedMicros) || modifiedMicros > 999_999 ||
            !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out int accessedMicros) || accessedMicros > 999_999 ||
            modified > 253402300799L || accessed > 253402300799L)
        {
            throw new ScpProtocolException("bad T line");
        }

        return new ScpTimes(DateTime.UnixEpoch.AddSeconds(modified).AddTicks(modifiedMicros * 10L),
            DateTime.UnixEpoch.AddSeconds(accessed).AddTicks(accessedMicros * 10L));
    }

    /// <summary>Times before 1970 go out as 0, as OpenSSH's scp sends them: the protocol has no sign.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture,
        $"T{Math.Max(0, (long)(Modified - DateTime.UnixEpoch).TotalSeconds)} 0 {Math.Max(0, (long)(Accessed - DateTime.UnixEpoch).TotalSeconds)} 0");
}
