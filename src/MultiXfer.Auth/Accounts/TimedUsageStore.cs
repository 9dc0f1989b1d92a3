using MultiXfer.Limits;

namespace MultiXfer.Auth.Accounts;

/// <summary>The usage store with each call's duration recorded (usage is loaded at a first login and flushed periodically).</summary>
public sealed class TimedUsageStore(IUsageStore store, AuthMetrics metrics) : IUsageStore
{
    public Task<StoredUsage?> LoadAsync(string key, CancellationToken cancellationToken) =>
        metrics.TimeStoreCallAsync("usage_load", () => store.LoadAsync(key, cancellationToken));

    public Task SaveAsync(IReadOnlyList<StoredUsage> usage, CancellationToken cancellationToken) =>
        metrics.TimeStoreCallAsync("usage_flush", () => store.SaveAsync(usage, cancellationToken));

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        metrics.TimeStoreCallAsync("usage_delete", () => store.DeleteAsync(key, cancellationToken));
}
