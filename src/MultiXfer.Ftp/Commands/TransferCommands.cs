using System.Globalization;
using System.Security.Cryptography;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Data;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>RFC 959 RETR, STOR, STOU, APPE, ALLO, ABOR and RFC 3659 REST STREAM.</summary>
internal static class TransferCommands
{
    /// <summary>RETR from the REST offset, or of the RANG range (draft-bryan-ftp-range-08 §3.3: an end past the file is its end).</summary>
    public static async ValueTask Retrieve(FtpSession session, string argument)
    {
        var range = session.Range;
        session.Range = null;
        long offset = TakeRestart(session);
        if (await RefuseOffsetInModeZAsync(session, offset, range) || !await session.CheckDataChannelAsync())
        {
            return;
        }

        var path = session.Resolve(argument);
        var file = await session.FilesOrThrow.OpenFileAsync(path, FileOpenOptions.ReadOnly, session.Connection.ConnectionClosed);
        await StartOrDisposeAsync(session, file, async () =>
        {
            long size = (await file.GetStatusAsync(session.Connection.ConnectionClosed)).Size;
            long start = range?.Start ?? offset;
            long end = range is { } r && r.End < size ? r.End + 1 : size;
            if (start > size)
            {
                await session.ReplyAsync(range is null ? Replies.InvalidRestart : new FtpReply(554, "RANG start is past the end of the file."));
                return false;
            }

            await session.StartTransferAsync("RETR", path, new RetrieveJob(file, start, end, session.AsciiMode));
            return true;
        });
    }

    /// <summary>
    /// Offsets count stored bytes, and a compressed stream cannot start or stop in the middle of one the client already
    /// holds: with MODE Z, REST and RANG are refused (as FileZilla Server does), and MODE S resumes.
    /// </summary>
    private static async ValueTask<bool> RefuseOffsetInModeZAsync(FtpSession session, long offset, ByteRange? range)
    {
        if (!session.DeflateMode || (offset == 0 && range is null))
        {
            return false;
        }

        await session.ReplyAsync(504, "REST and RANG are not available in MODE Z; use MODE S to resume.");
        return true;
    }

    /// <summary>RANG defines ranges for RETR and HASH here; an upload into a range is refused rather than ignored.</summary>
    private static async ValueTask<bool> RefuseRangeAsync(FtpSession session)
    {
        if (session.Range is null)
        {
            return false;
        }

        session.Range = null;
        await session.ReplyAsync(504, "RANG applies to RETR and HASH only.");
        return true;
    }

    /// <summary>STOR replaces the file crash-safely; after REST it resumes in place from that offset.</summary>
    public static async ValueTask Store(FtpSession session, string argument)
    {
        long offset = TakeRestart(session);
        if (await RefuseRangeAsync(session) || await RefuseOffsetInModeZAsync(session, offset, null) || !await session.CheckDataChannelAsync())
        {
            return;
        }

        if (await RefuseOverAllocationAsync(session))
        {
            return;
        }

        var path = session.Resolve(argument);
        var files = session.FilesOrThrow;
        var token = session.Connection.ConnectionClosed;
        var create = offset > 0 ? FileCreateMode.OpenExisting : FileCreateMode.Replace;
        var file = await files.OpenFileAsync(path, new FileOpenOptions(FileAccessMode.Write, create), token);
        await StartOrDisposeAsync(session, file, async () =>
        {
            // Resume (RFC 3659 section 5): keep the first OFFSET bytes, replace everything after them.
            if (offset > 0 && offset > (await file.GetStatusAsync(token)).Size)
            {
                await session.ReplyAsync(Replies.InvalidRestart);
                return false;
            }

            await session.StartTransferAsync("STOR", path,
                new StoreJob(file, offset, truncate: offset > 0, session.AsciiMode, "Ok to send data.", Replies.TransferComplete,
                    session.Server.Ftp.TlsUploadsRequireCloseNotify));
            return true;
        });
    }

    public static async ValueTask Append(FtpSession session, string argument)
    {
        long offset = TakeRestart(session);
        if (await RefuseRangeAsync(session) || await RefuseOffsetInModeZAsync(session, offset, null) || !await session.CheckDataChannelAsync())
        {
            return;
        }

        if (await RefuseOverAllocationAsync(session))
        {
            return;
        }

        var path = session.Resolve(argument);
        var options = new FileOpenOptions(FileAccessMode.Write, FileCreateMode.OpenOrCreate) { Append = true };
        var file = await session.FilesOrThrow.OpenFileAsync(path, options, session.Connection.ConnectionClosed);
        await StartOrDisposeAsync(session, file, async () =>
        {
            await session.StartTransferAsync("APPE", path,
                new StoreJob(file, 0, truncate: false, session.AsciiMode, "Ok to send data.", Replies.TransferComplete,
                    session.Server.Ftp.TlsUploadsRequireCloseNotify));
            return true;
        });
    }

    /// <summary>
    /// STOU (RFC 959, RFC 1123 section 4.1.2.9): stores under a new name in the current directory and says which
    /// ("150 FILE: name"). The name is the argument (or "ftp") with a random suffix; like any whole-file upload it
    /// appears only when complete, and never replaces a file that took the same name meanwhile.
    /// </summary>
    public static async ValueTask StoreUnique(FtpSession session, string argument)
    {
        TakeRestart(session);
        if (await RefuseRangeAsync(session) || !await session.CheckDataChannelAsync())
        {
            return;
        }

        if (await RefuseOverAllocationAsync(session))
        {
            return;
        }

        string suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string name = $"{argument}.{suffix}";
        if (argument.Length is 0 or > 200 || !VirtualPath.IsValidName(argument) || !VirtualPath.IsValidName(name))
        {
            // The suffix must fit too: a name of many multi-byte characters can pass alone and not with it.
            name = $"ftp.{suffix}";
        }
        var path = session.CurrentDirectory.Append(name);
        var file = await session.FilesOrThrow.OpenFileAsync(path, new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace),
            session.Connection.ConnectionClosed);
        await StartOrDisposeAsync(session, file, async () =>
        {
            await session.StartTransferAsync("STOU", path, new StoreJob(file, 0, truncate: false, session.AsciiMode, $"FILE: {name}",
                new FtpReply(226, $"Transfer complete (unique file name: {name})."), session.Server.Ftp.TlsUploadsRequireCloseNotify));
            return true;
        });
    }

    /// <summary>ALLO (RFC 959): nothing to reserve ahead, but a size beyond the free space is refused now.</summary>
    public static async ValueTask Allocate(FtpSession session, string argument)
    {
        string first = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        var space = await session.FilesOrThrow.GetSpaceAsync(session.CurrentDirectory, session.Connection.ConnectionClosed);
        if (bytes > space.AvailableBytes)
        {
            await session.ReplyAsync(552, "Insufficient storage space for that allocation.");
            return;
        }

        session.AllocatedBytes = bytes;
        await session.ReplyAsync(200, "ALLO ok; space is available.");
    }

    /// <summary>
    /// An upload whose size ALLO announced is refused before any data flows if it no longer fits (the account's
    /// quota, which the space reported here is, or the disk): 552, "exceeded storage allocation" (RFC 959 §4.2).
    /// </summary>
    private static async ValueTask<bool> RefuseOverAllocationAsync(FtpSession session)
    {
        if (session.AllocatedBytes is not { } bytes)
        {
            return false;
        }

        session.AllocatedBytes = null;
        var space = await session.FilesOrThrow.GetSpaceAsync(session.CurrentDirectory, session.Connection.ConnectionClosed);
        if (bytes <= space.AvailableBytes)
        {
            return false;
        }

        session.LogRefusedOperation("STOR", "QuotaExceeded", $"ALLO {bytes} bytes, {space.AvailableBytes} available");
        await session.ReplyAsync(552, "Exceeded storage allocation: Disk quota exceeded.");
        return true;
    }

    /// <summary>REST STREAM (RFC 3659 section 5): a byte offset for the next RETR or STOR.</summary>
    public static async ValueTask Restart(FtpSession session, string argument)
    {
        if (!long.TryParse(argument.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
        {
            await session.ReplyAsync(501, "REST requires a non-negative byte offset.");
            return;
        }

        if (offset > 0 && session.DeflateMode)
        {
            // Refused here rather than at RETR: a client told now (lftp does) starts the file over instead of failing.
            await session.ReplyAsync(504, "REST is not available in MODE Z; use MODE S to resume.");
            return;
        }

        session.RestartOffset = offset;
        session.Range = null;
        await session.ReplyAsync(350, $"Restart position accepted ({offset.ToString(CultureInfo.InvariantCulture)}).");
    }

    public static ValueTask Abort(FtpSession session, string argument) => session.AbortTransferAsync(reply: true);

    private static long TakeRestart(FtpSession session)
    {
        long offset = session.RestartOffset;
        session.RestartOffset = 0;
        return offset;
    }

    /// <summary>Runs the checks that follow an open; the handle is disposed unless a transfer took it over.</summary>
    internal static async ValueTask StartOrDisposeAsync(FtpSession session, IFileHandle file, Func<ValueTask<bool>> start)
    {
        bool started = false;
        try
        {
            started = await start();
        }
        finally
        {
            if (!started)
            {
                await file.DisposeAsync();
            }
        }
    }
}
