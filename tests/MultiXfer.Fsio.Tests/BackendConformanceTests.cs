using MultiXfer.Fsio;
using MultiXfer.Fsio.Local;
using MultiXfer.Fsio.Memory;

namespace MultiXfer.Fsio.Tests;

public sealed class LocalBackendConformanceTests : FileSystemConformance
{
    private readonly TempDirectory _temp = new();

    protected override IFileSystem CreateRoot()
    {
        Directory.CreateDirectory(_temp.Combine("root"));
        return LocalFileSystem.OpenHostDirectory(_temp.Combine("root"));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _temp.Dispose();
    }
}

public sealed class MemoryBackendConformanceTests : FileSystemConformance
{
    protected override IFileSystem CreateRoot() => new MemoryStorage().OpenRoot(VirtualPath.Resolve(VirtualPath.Root, "/users/u1"));
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
