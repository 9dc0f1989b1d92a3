using System.Runtime.InteropServices;

namespace MultiXfer.Transport;

/// <summary>
/// Calls back when credentials on disk should be read again: on SIGHUP, and shortly after any change in the
/// directories holding the given files (debounced, so a tool writing several files causes one reload). Shared by
/// TLS certificates and SSH host keys. The callback runs on a timer or signal thread and must not throw.
/// </summary>
public sealed class ReloadTrigger : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(750);

    private readonly Action<string> _reload;
    private readonly Action<string> _watcherError;
    private readonly List<FileSystemWatcher> _watchers = [];

    /// <summary>The names watched: other files in the same directory (a log written beside the configuration) are no reason to reload.</summary>
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Timer _debounce;
    private PosixSignalRegistration? _hangup;

    /// <param name="reload">Called with the reason: "SIGHUP" or "file change".</param>
    /// <param name="watcherError">Told when the watcher lost events (a reload follows anyway).</param>
    public ReloadTrigger(Action<string> reload, Action<string> watcherError)
    {
        _reload = reload;
        _watcherError = watcherError;
        _debounce = new Timer(_ => _reload("file change"));

        // SIGHUP's default action ends the process; registering at construction (before start-up work) means an
        // early SIGHUP reloads instead.
        HangupDisposition.EnsureNotIgnored();
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _reload("SIGHUP");
        });
    }

    /// <summary>
    /// Watches the directories of <paramref name="files"/> (not the names: renames and symlink swaps change none).
    /// A directory already watched is not watched twice, so this may be called again as the files change.
    /// </summary>
    public void Watch(IEnumerable<string> files)
    {
        foreach (string file in files.Where(f => f.Length > 0))
        {
            lock (_names)
            {
                _names.Add(Path.GetFileName(file));
            }
        }

        foreach (string directory in files.Where(f => f.Length > 0).Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct())
        {
            if (!Directory.Exists(directory) || _watchers.Any(w => w.Path == directory))
            {
                continue;
            }

            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
            watcher.Changed += (_, e) => ScheduleFor(e.Name);
            watcher.Created += (_, e) => ScheduleFor(e.Name);
            watcher.Renamed += (_, e) =>
            {
                ScheduleFor(e.Name);
                ScheduleFor(e.OldName);
            };
            watcher.Deleted += (_, e) => ScheduleFor(e.Name);
            watcher.Error += (_, e) =>
            {
                _watcherError(e.GetException().Message);
                Schedule();
            };
            _watchers.Add(watcher);
        }
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        _hangup = null;
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        _debounce.Dispose();
    }

    /// <summary>
    /// A watched file, or Kubernetes' "..data" link swap (a mounted ConfigMap or Secret changes every file at once by
    /// renaming a hidden directory link beside them).
    /// </summary>
    private void ScheduleFor(string? name)
    {
        bool watched;
        lock (_names)
        {
            watched = name is not null && (_names.Contains(name) || name.StartsWith("..", StringComparison.Ordinal));
        }

        if (watched)
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        try
        {
            _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }
}
