namespace MultiXfer.TestKit;

/// <summary>The checkout the tests run from: the directory holding MultiXfer.sln, found above the test's own binaries.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Found = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "MultiXfer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MultiXfer.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Path => Found.Value;

    /// <summary>A path inside the checkout, from its parts.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
