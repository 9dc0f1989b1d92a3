using MultiXfer.Fsio;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>SITE MKDIR with parents, recursive SITE RMDIR and SITE SYMLINK, as ProFTPD's mod_site_misc offers them.</summary>
internal static class SiteTreeCommands
{
    /// <summary>Deeper trees are refused rather than walked: every level holds its directory's listing open.</summary>
    private const int MaxDepth = 128;

    /// <summary>SITE MKDIR: like mkdir -p, every missing directory on the way is made; existing ones are fine.</summary>
    public static async ValueTask MakeDirectoriesAsync(FtpSession session, string argument)
    {
        var files = session.FilesOrThrow;
        var token = session.Connection.ConnectionClosed;
        var current = VirtualPath.Root;
        foreach (string segment in session.Resolve(argument).Segments())
        {
            current = current.Append(segment);
            if (await StatusOrNullAsync(files, current, token) is { } existing)
            {
                if (!existing.IsDirectory)
                {
                    throw new FsException(FsErrorKind.NotADirectory, $"SITE MKDIR: {current.Value} is not a directory");
                }

                continue;
            }

            await files.CreateDirectoryAsync(current, null, token);
        }

        await session.ReplyAsync(200, "SITE MKDIR command successful.");
    }

    /// <summary>
    /// SITE RMDIR: removes a directory and everything in it, each entry under the user's own permission to delete it.
    /// Links are removed, never followed. The first entry that cannot be removed ends the command with its error;
    /// what was removed before it stays removed, as with rm -r.
    /// </summary>
    public static async ValueTask RemoveTreeAsync(FtpSession session, string argument)
    {
        var path = session.Resolve(argument);
        if (path.IsRoot)
        {
            await session.ReplyAsync(550, "SITE RMDIR: the root directory cannot be removed.");
            return;
        }

        var files = session.FilesOrThrow;
        var token = session.Connection.ConnectionClosed;
        if (!(await files.GetStatusAsync(path, followLinks: false, token)).IsDirectory)
        {
            throw new FsException(FsErrorKind.NotADirectory, $"SITE RMDIR: {path.Value} is not a directory");
        }

        await RemoveTreeAsync(files, path, 0, token);
        await session.ReplyAsync(200, "SITE RMDIR command successful.");
    }

    /// <summary>
    /// SITE SYMLINK target link. The target is resolved like any path the client names and stored as an absolute path
    /// of the user's tree, as ProFTPD stores it: FSIO resolves links as if the user's root were '/', so no link
    /// reaches outside it whatever it says.
    /// </summary>
    public static async ValueTask SymbolicLinkAsync(FtpSession session, string argument)
    {
        string[] words = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2)
        {
            await session.ReplyAsync(501, "Usage: SITE SYMLINK <target> <link>.");
            return;
        }

        var target = session.Resolve(words[0]);
        var link = session.Resolve(words[1]);
        await session.FilesOrThrow.CreateSymbolicLinkAsync(link, target.Value, session.Connection.ConnectionClosed);
        await session.ReplyAsync(200, "SITE SYMLINK command successful.");
    }

    private static async ValueTask RemoveTreeAsync(IFileSystem files, VirtualPath directory, int depth, CancellationToken token)
    {
        if (depth >= MaxDepth)
        {
            throw new FsException(FsErrorKind.InvalidArgument, $"SITE RMDIR: more than {MaxDepth} levels deep");
        }

        // Entries are removed as the listing streams them (memory stays bounded however large the directory); Linux's
        // getdents goes on correctly past entries already removed.
        await foreach (var entry in files.ListDirectoryAsync(directory, token))
        {
            var child = directory.Append(entry.Name);
            if (entry.Status.IsDirectory)
            {
                await RemoveTreeAsync(files, child, depth + 1, token);
            }
            else
            {
                await files.DeleteFileAsync(child, token);
            }
        }

        await files.DeleteDirectoryAsync(directory, token);
    }

    private static async ValueTask<FileStatus?> StatusOrNullAsync(IFileSystem files, VirtualPath path, CancellationToken token)
    {
        try
        {
            return await files.GetStatusAsync(path, followLinks: true, token);
        }
        catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
        {
            return null;
        }
    }
}
