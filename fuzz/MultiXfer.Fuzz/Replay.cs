using System.Diagnostics;

namespace MultiXfer.Fuzz;

/// <summary>Runs inputs outside AFL: each file once, reporting failures with their exception.</summary>
public static class Replay
{
    /// <summary>The test case afl-fuzz wrote, up to the cap; nothing when it has not written one yet.</summary>
    public static byte[] ReadCapped(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            return ReadCapped(file);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    private static byte[] ReadCapped(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while (buffer.Length < FuzzTargets.MaxInputBytes && (read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.Length > FuzzTargets.MaxInputBytes ? buffer.ToArray()[..FuzzTargets.MaxInputBytes] : buffer.ToArray();
    }

    /// <summary>The exception an input causes, or null; inputs over the cap are cut as under AFL.</summary>
    public static Exception? One(FuzzTarget target, byte[] data)
    {
        try
        {
            target.Run(data.Length > FuzzTargets.MaxInputBytes ? data[..FuzzTargets.MaxInputBytes] : data);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Exit status: 0 when every file ran clean, 1 when any failed (each failure printed with its stack).</summary>
    public static int Files(FuzzTarget target, IEnumerable<string> paths)
    {
        int failed = 0, total = 0;
        foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
        {
            total++;
            var clock = Stopwatch.StartNew();
            var error = One(target, File.ReadAllBytes(path));
            if (error is null)
            {
                Console.WriteLine($"ok   {clock.Elapsed.TotalMilliseconds,8:0.0} ms  {path}");
            }
            else
            {
                failed++;
                Console.WriteLine($"FAIL {clock.Elapsed.TotalMilliseconds,8:0.0} ms  {path}");
                Console.WriteLine(error);
            }
        }

        Console.WriteLine($"{target.Name}: {total - failed} of {total} inputs ran clean");
        return failed == 0 ? 0 : 1;
    }
}
