using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Server.Observability;

/// <summary>
/// An append-only log file written a batch at a time by one writer. Each batch goes at the file's end as it is then,
/// so logrotate's copytruncate works (a write at a remembered offset would leave a hole of zeros after the truncation).
/// With <see cref="RollPolicy"/> it rolls daily (UTC) and at a size, under names as Serilog's rolling file gives them
/// (<c>audit.json</c> becomes <c>audit20261205.json</c>, then <c>audit20261205_001.json</c>), keeping the newest files.
/// </summary>
internal sealed class ToolLogFile : IDisposable
{
    private readonly string _path;
    private readonly RollPolicy? _roll;
    private readonly TimeProvider _time;
    private SafeFileHandle? _handle;
    private string? _openName;
    private DateOnly _day;
    private int _sequence;

    public ToolLogFile(string path, RollPolicy? roll, TimeProvider time)
    {
        _path = Path.GetFullPath(path);
        _roll = roll;
        _time = time;
    }

    /// <summary>The file being written now (for a rolling log, today's latest).</summary>
    public string? CurrentPath => _openName;

    /// <summary>Appends one batch of whole lines; a batch is never split across two files.</summary>
    public void Append(ReadOnlySpan<byte> batch)
    {
        if (batch.IsEmpty)
        {
            return;
        }

        var handle = HandleFor(batch.Length);
        RandomAccess.Write(handle, batch, RandomAccess.GetLength(handle));
    }

    /// <summary>fsync(2): what was appended survives a crash of the machine, not only of the process.</summary>
    public void FlushToDisk()
    {
        if (_handle is { } handle)
        {
            RandomAccess.FlushToDisk(handle);
        }
    }

    public void Dispose() => _handle?.Dispose();

    private SafeFileHandle HandleFor(int length)
    {
        if (_roll is not { } roll)
        {
            return _handle ??= Open(_path);
        }

        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        if (_handle is null || today != _day)
        {
            _day = today;
            _sequence = LatestSequence(today);
            Switch(roll);
        }

        long size = RandomAccess.GetLength(_handle!);
        if (size > 0 && size + length > roll.FileBytes)
        {
            _sequence++;
            Switch(roll);
        }

        return _handle!;
    }

    private void Switch(RollPolicy roll)
    {
        _handle?.Dispose();
        _handle = null;
        _openName = RolledName(_day, _sequence);
        _handle = Open(_openName);
        RemoveOldest(roll.RetainedFiles);
    }

    private static SafeFileHandle Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Shared for reading and for rotation: tail, the analysers and logrotate open it while the server writes.
        return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    private string RolledName(DateOnly day, int sequence)
    {
        string stem = Path.Combine(Path.GetDirectoryName(_path)!, Path.GetFileNameWithoutExtension(_path));
        string date = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string suffix = sequence == 0 ? "" : "_" + sequence.ToString("000", CultureInfo.InvariantCulture);
        return stem + date + suffix + Path.GetExtension(_path);
    }

    /// <summary>A restart goes on in the day's latest file, not back in the first.</summary>
    private int LatestSequence(DateOnly day)
    {
        int latest = 0;
        foreach (var (fileDay, sequence, _) in RolledFiles())
        {
            if (fileDay == day)
            {
                latest = Math.Max(latest, sequence);
            }
        }

        return latest;
    }

    private void RemoveOldest(int retained)
    {
        var files = RolledFiles().OrderByDescending(f => (f.Day, f.Sequence)).ToList();
        foreach (var (_, _, path) in files.Skip(retained))
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Still held elsewhere: the next roll tries again.
            }
        }
    }

    private IEnumerable<(DateOnly Day, int Sequence, string Path)> RolledFiles()
    {
        string directory = Path.GetDirectoryName(_path)!;
        string stem = Path.GetFileNameWithoutExtension(_path);
        string extension = Path.GetExtension(_path);
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (string path in Directory.EnumerateFiles(directory, stem + "*" + extension))
        {
            string name = Path.GetFileName(path);
            string middle = name[stem.Length..^extension.Length];
            if (middle.Length < 8 || !DateOnly.TryParseExact(middle[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                continue;
            }

            int sequence = 0;
            if (middle.Length > 8 && (middle[8] != '_' || !int.TryParse(middle[9..], NumberStyles.None, CultureInfo.InvariantCulture, out sequence)))
            {
                continue;
            }

            yield return (day, sequence, path);
        }
    }
}

/// <summary>How a rolling tool log rolls: a new file each UTC day and past <see cref="FileBytes"/>; the newest <see cref="RetainedFiles"/> kept.</summary>
internal sealed record RollPolicy(long FileBytes, int RetainedFiles);
