using MultiXfer.Fsio;
using MultiXfer.Fsio.Local;
using MultiXfer.Fsio.Memory;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// A fresh, empty backend root for one test; the suites that every backend must pass take it as a type argument,
/// so each backend is one line per suite.
/// </summary>
public interface ITestBackend : IDisposable
{
    IFileSystem OpenRoot();
}

/// <summary>The real local backend over a host directory removed after the test.</summary>
public sealed class LocalTestBackend : ITestBackend
{
    private readonly TempDirectory _temp = new();

    public IFileSystem OpenRoot()
    {
        Directory.CreateDirectory(_temp.Combine("root"));
        return LocalFileSystem.OpenHostDirectory(_temp.Combine("root"));
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>The in-memory backend.</summary>
public sealed class MemoryTestBackend : ITestBackend
{
    public IFileSystem OpenRoot() => new MemoryStorage().OpenRoot(VirtualPath.Resolve(VirtualPath.Root, "/users/u1"));

    public void Dispose()
    {
    }
}

/// <summary>A host directory removed after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("mx-fsio-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
