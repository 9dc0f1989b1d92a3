using MultiXfer.Fsio;
using MultiXfer.Ftp.Data;
using MultiXfer.Ftp.Listing;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>LIST and NLST (RFC 959), MLSD and MLST (RFC 3659), and the listing form of STAT.</summary>
internal static class ListingCommands
{
    /// <summary>STAT sends its listing over the control connection, so it is capped.</summary>
    private const int MaxStatusEntries = 10_000;

    /// <summary>What a LIST/NLST/STAT argument names: a directory (maybe filtered by a glob) or one entry.</summary>
    private sealed record Target(VirtualPath Directory, string? Pattern, string Prefix, VirtualPath? Single, string SingleName);

    public static async ValueTask List(FtpSession session, string argument)
    {
        var args = await ArgumentsAsync(session, argument);
        var target = await ResolveAsync(session, args);
        await session.StartTransferAsync("LIST", target.Directory, new ListingJob("Here comes the directory listing.",
            (emit, token) => ProduceLongAsync(session, target, args, emit, token)));
    }

    public static async ValueTask NameList(FtpSession session, string argument)
    {
        var args = await ArgumentsAsync(session, argument);
        var target = await ResolveAsync(session, args);
        await session.StartTransferAsync("NLST", target.Directory, new ListingJob("Here comes the file list.",
            (emit, token) => ProduceNamesAsync(session, target, args, emit, token)));
    }

    public static async ValueTask MachineListDirectory(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        var files = session.FilesOrThrow;
        var status = await files.GetStatusAsync(path, followLinks: true, session.Connection.ConnectionClosed);
        if (!status.IsDirectory)
        {
            await session.ReplyAsync(501, "Not a directory.");
            return;
        }

        var facts = session.Facts;
        var rules = session.User!.Permissions;
        await session.StartTransferAsync("MLSD", path, new ListingJob("Here comes the directory listing.", async (emit, token) =>
        {
            await emit(facts.Format(".", status, rules.For(path), "cdir"));
            await foreach (var entry in files.ListDirectoryAsync(path, token))
            {
                // A name an FTP client could not send back (a line break) is left out, not fatal to the listing.
                if (!FtpSession.CanCarry(entry.Name))
                {
                    continue;
                }

                var entryPath = path.Append(entry.Name);
                var shown = entry.Status.IsSymbolicLink ? await FollowAsync(files, entryPath, entry.Status, token) : entry.Status;
                await emit(facts.Format(entry.Name, shown, rules.For(entryPath)));
            }
        }));
    }

    public static async ValueTask MachineListEntry(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        var status = await session.FilesOrThrow.GetStatusAsync(path, followLinks: true, session.Connection.ConnectionClosed);
        await session.ReplyMultilineAsync(250, $"Listing {path.Value}",
            [session.Facts.Format(path.Value, status, session.User!.Permissions.For(path))], "End.");
    }

    /// <summary>STAT with a path: the LIST lines, over the control connection (RFC 959 section 4.1.3).</summary>
    public static async ValueTask StatusOfPath(FtpSession session, string argument)
    {
        var args = await ArgumentsAsync(session, argument);
        var target = await ResolveAsync(session, args);
        var lines = new List<string>();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(session.Connection.ConnectionClosed);
        try
        {
            await ProduceLongAsync(session, target, args, line =>
            {
                lines.Add(line);
                if (lines.Count == MaxStatusEntries)
                {
                    enough.Cancel();
                }

                return ValueTask.CompletedTask;
            }, enough.Token);
        }
        catch (OperationCanceledException) when (lines.Count == MaxStatusEntries)
        {
            lines.Add($"(listing stopped after {MaxStatusEntries} entries; use LIST or MLSD for the rest)");
        }

        await session.ReplyMultilineAsync(213, $"Status of {target.Directory.Value}:", lines, "End of status.");
    }

    /// <summary>
    /// ls-style options, unless the whole argument names an existing entry: "LIST -notes" lists a file called
    /// "-notes" when there is one (as ProFTPD does), and "./-notes" always does.
    /// </summary>
    private static async ValueTask<ListArguments> ArgumentsAsync(FtpSession session, string argument)
    {
        var args = ListArguments.Parse(argument);
        string whole = argument.Trim();
        if (args.Path == whole || !whole.StartsWith('-'))
        {
            return args;
        }

        try
        {
            await session.FilesOrThrow.GetStatusAsync(session.Resolve(whole), followLinks: false, session.Connection.ConnectionClosed);
            return new ListArguments(ShowHidden: false, DirectoryItself: false, whole);
        }
        catch (FsException)
        {
            return args;
        }
    }

    private static async ValueTask<Target> ResolveAsync(FtpSession session, ListArguments args)
    {
        var files = session.FilesOrThrow;
        var token = session.Connection.ConnectionClosed;
        string raw = args.Path.TrimEnd('/');
        int cut = raw.LastIndexOf('/');
        string last = raw[(cut + 1)..];
        if (NamePattern.HasWildcards(last))
        {
            string prefix = cut < 0 ? "" : raw[..(cut + 1)];
            var directory = session.Resolve(prefix);
            await files.GetStatusAsync(directory, followLinks: true, token);
            return new Target(directory, last, prefix, null, "");
        }

        var path = session.Resolve(args.Path);
        var status = await files.GetStatusAsync(path, followLinks: true, token);
        return status.IsDirectory && !args.DirectoryItself
            ? new Target(path, null, "", null, "")
            : new Target(path.Parent, null, "", path, args.Path.Length > 0 ? args.Path : path.Name);
    }

    private static async Task ProduceLongAsync(FtpSession session, Target target, ListArguments args, Func<string, ValueTask> emit,
        CancellationToken token)
    {
        var files = session.FilesOrThrow;
        var now = DateTime.UtcNow;
        if (target.Single is { } single)
        {
            var status = await files.GetStatusAsync(single, followLinks: false, token);
            await emit(UnixListFormatter.Format(target.SingleName, status, await LinkTargetAsync(files, single, status, token), now));
            return;
        }

        await foreach (var entry in Entries(files, target, args, token))
        {
            var link = entry.Status.IsSymbolicLink ? await LinkTargetAsync(files, target.Directory.Append(entry.Name), entry.Status, token) : null;
            await emit(UnixListFormatter.Format(entry.Name, entry.Status, link, now));
        }
    }

    private static async Task ProduceNamesAsync(FtpSession session, Target target, ListArguments args, Func<string, ValueTask> emit,
        CancellationToken token)
    {
        if (target.Single is not null)
        {
            await emit(target.SingleName);
            return;
        }

        await foreach (var entry in Entries(session.FilesOrThrow, target, args, token))
        {
            await emit(target.Prefix + entry.Name);
        }
    }

    private static async IAsyncEnumerable<FsEntry> Entries(IFileSystem files, Target target, ListArguments args,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        await foreach (var entry in files.ListDirectoryAsync(target.Directory, token))
        {
            // The STAT cap stops a listing by cancelling; storage need not look at the token between entries.
            token.ThrowIfCancellationRequested();
            bool hidden = entry.Name.StartsWith('.') && !args.ShowHidden && target.Pattern is not ['.', ..];
            if (!hidden && FtpSession.CanCarry(entry.Name) &&
                (target.Pattern is null || NamePattern.Matches(entry.Name, target.Pattern)))
            {
                yield return entry;
            }
        }
    }

    private static async ValueTask<string?> LinkTargetAsync(IFileSystem files, VirtualPath path, FileStatus status, CancellationToken token)
    {
        if (!status.IsSymbolicLink)
        {
            return null;
        }

        try
        {
            // A target that would break the one-entry-per-line form is left out; the entry still shows as a link.
            string target = await files.ReadSymbolicLinkAsync(path, token);
            return UnixListFormatter.IsListable(target) ? target : null;
        }
        catch (FsException)
        {
            return null;
        }
    }

    /// <summary>MLSD reports what a link points at; a dangling link stays a link.</summary>
    private static async ValueTask<FileStatus> FollowAsync(IFileSystem files, VirtualPath path, FileStatus link, CancellationToken token)
    {
        try
        {
            return await files.GetStatusAsync(path, followLinks: true, token);
        }
        catch (FsException)
        {
            return link;
        }
    }
}
