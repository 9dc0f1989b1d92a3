using System.Collections.Concurrent;
using MultiXfer.Limits;

namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>An <see cref="IUsageStore"/> in a dictionary: what a restart would read back.</summary>
internal sealed class MemoryUsageStore : IUsageStore
{
    public ConcurrentDictionary<string, StoredUsage> Rows { get; } = new(StringComparer.Ordinal);

    public Task<StoredUsage?> LoadAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Rows.GetValueOrDefault(key));

    public Task SaveAsync(IReadOnlyList<StoredUsage> usage, CancellationToken cancellationToken)
    {
        foreach (var row in usage)
        {
            Rows[row.Key] = row;
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Rows.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
