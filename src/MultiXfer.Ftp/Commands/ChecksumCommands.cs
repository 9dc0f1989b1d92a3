using System.Globalization;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Checksums;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>
/// HASH with OPTS HASH and RANG (draft-bryan-ftpext-hash-02, draft-bryan-ftp-range-08), and the older XCRC, XMD5,
/// XSHA1, XSHA256, XSHA512 and MD5 with ProFTPD mod_digest's replies. A digest is computed in the background
/// (<see cref="FtpSession.StartBackgroundCommand"/>) under the download permission, at most
/// <see cref="FtpOptions.MaxConcurrentChecksums"/> at once per server; the digest of a file unchanged since it was last
/// computed is answered from the <see cref="DigestCache"/> at once, with no slot taken.
/// </summary>
internal static class ChecksumCommands
{
    public static ValueTask Hash(FtpSession session, string argument)
    {
        var range = session.Range;
        session.Range = null;
        var algorithm = session.HashAlgorithm;
        string name = ChecksumAlgorithms.NameOf(algorithm);

        // §3.1: "213 <algorithm> <start>-<end> <hash> <path>"; like ProFTPD, the whole file is 0-SIZE (end exclusive).
        // RANG's end is inclusive; an end of long.MaxValue reaches past any file, and the clamp makes it the file's end.
        return StartAsync(session, "HASH", Unquote(argument), algorithm, RangeRule.Clamp,
            range?.Start, range is { } r ? (r.End < long.MaxValue ? r.End + 1 : r.End) : null,
            (digest, start, end) => new FtpReply(213, $"{name} {start}-{end} {Convert.ToHexStringLower(digest)} {argument}"));
    }

    public static ValueTask Crc(FtpSession session, string argument) => Legacy(session, "XCRC", argument, ChecksumAlgorithm.Crc32);

    public static ValueTask Md5(FtpSession session, string argument) => Legacy(session, "XMD5", argument, ChecksumAlgorithm.Md5);

    public static ValueTask Sha1(FtpSession session, string argument) => Legacy(session, "XSHA1", argument, ChecksumAlgorithm.Sha1);

    public static ValueTask Sha256(FtpSession session, string argument) => Legacy(session, "XSHA256", argument, ChecksumAlgorithm.Sha256);

    public static ValueTask Sha512(FtpSession session, string argument) => Legacy(session, "XSHA512", argument, ChecksumAlgorithm.Sha512);

    /// <summary>MD5 (draft-twine-ftpmd5): "251 path HASH"; the whole file only.</summary>
    public static ValueTask WholeFileMd5(FtpSession session, string argument)
    {
        string path = Unquote(argument);
        return StartAsync(session, "MD5", path, ChecksumAlgorithm.Md5, RangeRule.Strict, null, null,
            (digest, _, _) => new FtpReply(251, $"{path} {Convert.ToHexString(digest)}"));
    }

    /// <summary>OPTS HASH [algorithm] (§3.2): shows or selects the algorithm HASH uses.</summary>
    public static async ValueTask SelectAsync(FtpSession session, string value)
    {
        if (value.Length > 0)
        {
            if (!ChecksumAlgorithms.TryParse(value, out var algorithm))
            {
                await session.ReplyAsync(501, "Unsupported algorithm; FEAT lists those available.");
                return;
            }

            session.HashAlgorithm = algorithm;
        }

        await session.ReplyAsync(200, ChecksumAlgorithms.NameOf(session.HashAlgorithm));
    }

    /// <summary>
    /// RANG start end (draft-bryan-ftp-range-08 §3): an inclusive octet range for the next RETR or HASH; "RANG 1 0"
    /// clears it. REST and RANG exclude each other, so each clears the other.
    /// </summary>
    public static async ValueTask Range(FtpSession session, string argument)
    {
        string[] words = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2 || !TryParseOffset(words[0], out long start) || !TryParseOffset(words[1], out long end))
        {
            await session.ReplyAsync(501, "RANG requires two non-negative byte offsets.");
            return;
        }

        if (start == 1 && end == 0)
        {
            session.Range = null;
            await session.ReplyAsync(350, "Byte range cleared.");
            return;
        }

        if (start > end)
        {
            await session.ReplyAsync(501, "RANG start must not be past its end.");
            return;
        }

        if (session.AsciiMode)
        {
            // §3.2: octet offsets mean nothing in TYPE A, where the bytes sent differ from those stored.
            await session.ReplyAsync(551, "RANG is not available in ASCII mode; use TYPE I.");
            return;
        }

        session.RestartOffset = 0;
        session.Range = new ByteRange(start, end);
        await session.ReplyAsync(350, $"Range set: bytes {start} to {end}.");
    }

    private enum RangeRule
    {
        /// <summary>ProFTPD's X* rule: a range past the end of the file is an error.</summary>
        Strict,

        /// <summary>RANG's rule (§3.3): an end past the file means up to its end.</summary>
        Clamp,
    }

    /// <summary>"XCRC path [start end]": 250 and the upper-case hex digest, as ProFTPD's mod_digest replies.</summary>
    private static ValueTask Legacy(FtpSession session, string verb, string argument, ChecksumAlgorithm algorithm)
    {
        string[] words = argument.Split(' ');
        if (words.Length >= 3 && LooksNumeric(words[^2]) && LooksNumeric(words[^1]))
        {
            if (!TryParseOffset(words[^2], out long start) || !TryParseOffset(words[^1], out long end))
            {
                return session.ReplyAsync(501, $"{verb} offsets must be non-negative byte counts.");
            }

            if (end <= start)
            {
                return session.ReplyAsync(501, $"{verb} requires end ({end}) greater than start ({start}).");
            }

            return StartAsync(session, verb, Unquote(string.Join(' ', words[..^2])), algorithm, RangeRule.Strict, start, end, LegacyReply);
        }

        return StartAsync(session, verb, Unquote(argument), algorithm, RangeRule.Strict, null, null, LegacyReply);
    }

    private static FtpReply LegacyReply(byte[] digest, long start, long end) => new(250, Convert.ToHexString(digest));

    private static async ValueTask StartAsync(FtpSession session, string verb, string pathText, ChecksumAlgorithm algorithm, RangeRule rule,
        long? start, long? end, Func<byte[], long, long, FtpReply> reply)
    {
        var path = session.Resolve(pathText);
        var token = session.Connection.ConnectionClosed;
        var file = await session.FilesOrThrow.OpenFileAsync(path, FileOpenOptions.ReadOnly, token);
        await TransferCommands.StartOrDisposeAsync(session, file, async () =>
        {
            var status = await file.GetStatusAsync(token);
            if (!status.IsRegular)
            {
                await session.ReplyAsync(550, $"{verb}: not a regular file.");
                return false;
            }

            long from = start ?? 0;
            long to = end ?? status.Size;
            if (to > status.Size)
            {
                if (rule == RangeRule.Strict)
                {
                    await session.ReplyAsync(501, $"{verb}: end exceeds file size.");
                    return false;
                }

                to = status.Size;
            }

            if (from > to)
            {
                await session.ReplyAsync(501, $"{verb}: start is past the end of the file.");
                return false;
            }

            var key = DigestKey.Of(status, algorithm, from, to);
            var digests = session.Server.Digests;
            if (digests.Find(key) is { } known)
            {
                await session.ReplyAsync(reply(known, from, to));
                return false;
            }

            var slots = session.Server.ChecksumSlots;
            if (!slots.Wait(0))
            {
                await session.ReplyAsync(450, $"{verb}: the server is computing as many checksums as it allows; try again later.");
                return false;
            }

            session.StartBackgroundCommand(verb, path, async transfer =>
            {
                try
                {
                    var readFrom = digests.Now;
                    byte[]? digest = await FileChecksum.ComputeAsync(file, algorithm, from, to, transfer);
                    if (digest is null)
                    {
                        return new FtpReply(451, $"{verb}: the file shrank while it was read; try again.");
                    }

                    digests.Add(key, digest, readFrom);
                    return reply(digest, from, to);
                }
                finally
                {
                    slots.Release();
                    await file.DisposeAsync();
                }
            });
            return true;
        });
    }

    /// <summary>ProFTPD accepts a quoted path ("XCRC \"a b.txt\""); the quotes are not part of the name.</summary>
    private static string Unquote(string text) =>
        text.Length >= 2 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;

    private static bool LooksNumeric(string word) =>
        word.Length > 0 && (char.IsAsciiDigit(word[0]) || word[0] is '-' or '+') && word.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool TryParseOffset(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

/// <summary>An octet range with an inclusive end, as RANG gives it.</summary>
internal readonly record struct ByteRange(long Start, long End);
