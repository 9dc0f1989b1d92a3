using System.Diagnostics;
using MultiXfer.Accounts;
using MultiXfer.Fsio;
using MultiXfer.Server.Hosting;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Observability;

/// <param name="Name">listeners, storage, account_store, certificates, host_keys.</param>
internal sealed record ReadinessCheck(string Name, bool Ok, string Detail);

/// <summary>
/// What <c>/readyz</c> answers: whether this gateway can serve a client now. Every listener bound, every storage root
/// writable (a probe file created and removed), the account store answering a query, TLS certificates and SSH host
/// keys loaded where listeners need them. Each check has its own deadline, so one hung dependency reads as not ready
/// rather than hanging the probe.
/// </summary>
internal sealed class Readiness(
    Func<ListenerService> listeners,
    int configuredListeners,
    Func<IEnumerable<FileSystemProvider>> storage,
    AccountDatabase database,
    CertificateStore certificates,
    bool needsCertificates,
    SiteHostKeys hostKeys,
    bool needsHostKeys)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The probe's name starts as an upload temporary's, so listings hide it and the stale sweep removes a leftover.</summary>
    private const string ProbePrefix = ".mxpart-readyz-";

    public async Task<IReadOnlyList<ReadinessCheck>> CheckAsync(CancellationToken cancellationToken) =>
    [
        CheckListeners(),
        await CheckStorageAsync(cancellationToken),
        await CheckAccountStoreAsync(cancellationToken),
        CheckCertificates(),
        CheckHostKeys(),
    ];

    private ReadinessCheck CheckListeners()
    {
        int bound = listeners().Listeners.Count;
        return new ReadinessCheck("listeners", bound == configuredListeners, $"{bound} of {configuredListeners} bound");
    }

    private async Task<ReadinessCheck> CheckStorageAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in storage().Where(p => !p.IsMemoryBackend).DistinctBy(p => p.Root))
        {
            string probe = Path.Combine(provider.Root, ProbePrefix + Guid.NewGuid().ToString("N"));
            try
            {
                await Task.Run(() =>
                {
                    using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
                    {
                        file.WriteByte(0);
                        file.Flush(flushToDisk: false);
                    }

                    File.Delete(probe);
                }, cancellationToken).WaitAsync(CheckTimeout, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException)
            {
                return new ReadinessCheck("storage", false, $"{provider.Root} is not writable: {e.Message}");
            }
        }

        return new ReadinessCheck("storage", true, "writable");
    }

    private async Task<ReadinessCheck> CheckAccountStoreAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(CheckTimeout);
            await using var connection = await database.Dialect.OpenAsync(deadline.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(deadline.Token);
            return new ReadinessCheck("account_store", true,
                $"{database.Dialect.Name} answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ReadinessCheck("account_store", false, $"{database.Dialect.Name} unreachable: {e.GetType().Name}");
        }
    }

    private ReadinessCheck CheckCertificates() => !needsCertificates
        ? new ReadinessCheck("certificates", true, "no TLS listener")
        : certificates.Current is { } set
            ? new ReadinessCheck("certificates", true, $"{set.All.Count} loaded")
            : new ReadinessCheck("certificates", false, "no certificate loaded");

    private ReadinessCheck CheckHostKeys()
    {
        if (!needsHostKeys)
        {
            return new ReadinessCheck("host_keys", true, "no SSH listener");
        }

        int loaded = hostKeys.All.Sum(k => k.Describe().Count);
        return new ReadinessCheck("host_keys", loaded > 0, $"{loaded} loaded");
    }
}
