using System.Diagnostics;

namespace MultiXfer.Limits;

/// <summary>
/// One logged-in session's share of its limits: it holds one of the account's session slots until disposed, and
/// paces the file bytes it moves through three gates at once (the account's, its own, its host's).
/// </summary>
public sealed class SessionLimits : IDisposable
{
    /// <summary>
    /// Paced transfers move at most this much per step (FTP's unpaced buffer), so the sessions sharing a gate take
    /// turns at least every 1/16 s while a fast rate does not cost a wakeup per small step.
    /// </summary>
    private const int MaxPacedChunk = 256 * 1024;

    private const int MinPacedChunk = 4 * 1024;

    private readonly HostLimits _host;
    private readonly RateGate _sessionUpload;
    private readonly RateGate _sessionDownload;
    private int _disposed;
    private Action? _release;

    internal SessionLimits(AccountUsage account, HostLimits host)
    {
        Account = account;
        _host = host;
        _sessionUpload = new RateGate(host.SessionUploadBytesPerSecond);
        _sessionDownload = new RateGate(host.SessionDownloadBytesPerSecond);
    }

    public AccountUsage Account { get; }

    /// <summary>Whether any gate limits <paramref name="direction"/>: if none does, transfers keep their unpaced (zero-copy) paths.</summary>
    public bool Paces(TransferDirection direction)
    {
        var (account, session, host) = Gates(direction);
        return account.Limits || session.Limits || host.Limits;
    }

    /// <summary>The step a paced transfer should move: about 1/16 s at the tightest rate, within 4 to 256 KiB.</summary>
    public int PacedChunk(TransferDirection direction)
    {
        var (account, session, host) = Gates(direction);
        long tightest = Math.Min(Rate(account), Math.Min(Rate(session), Rate(host)));
        return (int)Math.Clamp(tightest / 16, MinPacedChunk, MaxPacedChunk);
    }

    /// <summary>
    /// Waits until <paramref name="bytes"/> may move in <paramref name="direction"/> under every gate, for the sender
    /// whose bookings <paramref name="track"/> keeps.
    /// </summary>
    public ValueTask PaceAsync(TransferDirection direction, int bytes, PaceTrack track, CancellationToken cancellationToken)
    {
        var (account, session, host) = Gates(direction);
        long asked = Stopwatch.GetTimestamp();
        var wait = Max(Max(account.Reserve(bytes, ref track.Account), session.Reserve(bytes, ref track.Session)), host.Reserve(bytes, ref track.Host));
        if (wait <= TimeSpan.Zero)
        {
            return ValueTask.CompletedTask;
        }

        // The sender goes when the tightest gate lets it: to the others it is not late for the time it waited on that
        // one, so none of them lets it reclaim that time later (were the tight gate lifted, it would go out at once).
        track.ReleasedAt(asked + (long)(wait.TotalSeconds * Stopwatch.Frequency));

        Account.Metrics?.Throttled(direction, wait);
        return new ValueTask(Task.Delay(wait, cancellationToken));
    }

    private static long Rate(RateGate gate) => gate.Limits ? gate.BytesPerSecond : long.MaxValue;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private (RateGate Account, RateGate Session, RateGate Host) Gates(TransferDirection direction) => direction == TransferDirection.Upload
        ? (Account.Upload, _sessionUpload, _host.Upload)
        : (Account.Download, _sessionDownload, _host.Download);

    /// <summary>Runs once when the session's slot is given back (a cluster registry forgetting the session).</summary>
    public void OnRelease(Action release) => _release = release;

    /// <summary>The session ended: its slot is free for the account's next login.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Account.CloseSession();
            _release?.Invoke();
        }
    }
}
