[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MultiXfer.Fuzz.Tests;

/// <summary>Where the fuzzing files live: fuzz/ beside MultiXfer.sln, found from the test's own directory.</summary>
internal static class FuzzPaths
{
    public static string Repository { get; } = Find();

    public static string Fuzz => Path.Combine(Repository, "fuzz");

    public static IEnumerable<string> Inputs(string target) =>
        new[] { "corpus", "regressions" }
            .Select(kind => Path.Combine(Fuzz, kind, target))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var target in FuzzTargets.All)
        {
            data.Add(target.Name);
        }

        return data;
    }

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MultiXfer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MultiXfer.sln not found above " + AppContext.BaseDirectory);
    }
}
