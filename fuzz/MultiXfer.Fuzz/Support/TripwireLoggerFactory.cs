using Microsoft.Extensions.Logging;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// The logger factory every harness run hands to the code under test. Sessions catch unexpected exceptions to
/// protect the process (SFTP answers FAILURE, FTP replies 451, an SSH channel application fails alone) and log them
/// at error level with the exception: for fuzzing those are crashes, so the first one is kept and the harness
/// rethrows it after the run. Nothing is printed (a log line per input would slow AFL down) unless
/// MULTIXFER_FUZZ_LOG is set.
/// </summary>
public sealed class TripwireLoggerFactory : ILoggerFactory
{
    private static readonly bool Echo = Environment.GetEnvironmentVariable("MULTIXFER_FUZZ_LOG") is { Length: > 0 };

    public sealed record Entry(string Category, string Message, Exception Exception);

    private Entry? _swallowed;

    public Entry? Swallowed => Volatile.Read(ref _swallowed);

    public ILogger CreateLogger(string categoryName) => new Tripwire(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Tripwire(TripwireLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Echo || logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Echo)
            {
                Console.Error.WriteLine($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception)}");
            }

            if (logLevel >= LogLevel.Error && exception is not null)
            {
                Interlocked.CompareExchange(ref owner._swallowed, new Entry(category, formatter(state, exception), exception), null);
            }
        }
    }
}
