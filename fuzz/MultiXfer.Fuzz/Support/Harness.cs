namespace MultiXfer.Fuzz.Support;

/// <summary>An input made the code under test run past its deadline: AFL must see a hang, a replay a failure.</summary>
public sealed class FuzzHangException(string message) : Exception(message);

/// <summary>
/// The code under test swallowed an exception it did not expect (it logged it at error level and went on): to the
/// fuzzer this is a crash like any other, so the harness rethrows it.
/// </summary>
public sealed class SwallowedExceptionException(string message, Exception inner) : Exception(message, inner);

/// <summary>A harness's own consistency check failed (the parser contradicted itself).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

internal static class Harness
{
    /// <summary>True inside afl-fuzz's fork server (SharpFuzz reads the same variable).</summary>
    public static bool UnderAfl { get; } = Environment.GetEnvironmentVariable("__AFL_SHM_ID") is not null;

    /// <summary>
    /// Runs <paramref name="body"/> to completion or until <paramref name="deadline"/>; past the deadline the input is a
    /// hang and <see cref="FuzzHangException"/> is thrown. Under AFL that is reported as a crash (saved in crashes/;
    /// replaying it shows the FuzzHangException): SharpFuzz's fork server is the fuzzed process itself, so an AFL
    /// timeout kills the fork server and ends the whole campaign ("Unable to communicate with fork server"). run.sh
    /// therefore sets afl-fuzz's -t well above every deadline, and hangs are caught here instead.
    /// </summary>
    public static void Run(Func<CancellationToken, Task> body, TimeSpan deadline, string what)
    {
        using var cancel = new CancellationTokenSource();
        var task = Task.Run(() => body(cancel.Token));
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(deadline))
        {
            Hang($"{what} did not finish within {deadline.TotalSeconds:0.#} s");
        }

        task.GetAwaiter().GetResult();
    }

    public static T Run<T>(Func<CancellationToken, Task<T>> body, TimeSpan deadline, string what)
    {
        T result = default!;
        Func<CancellationToken, Task> run = async token => { result = await body(token); };
        Run(run, deadline, what);
        return result;
    }

    public static void Hang(string message)
    {
        if (UnderAfl)
        {
            Console.Error.WriteLine($"HANG: {message}");
        }

        throw new FuzzHangException(message);
    }

    /// <summary>Throws when the run's logger saw an exception the code under test caught and logged as a fault.</summary>
    public static void ThrowIfSwallowed(TripwireLoggerFactory logs)
    {
        if (logs.Swallowed is { } swallowed)
        {
            throw new SwallowedExceptionException($"logged as a fault and swallowed: {swallowed.Message}: {swallowed.Exception.GetType().Name}: {swallowed.Exception.Message}",
                swallowed.Exception);
        }
    }
}
