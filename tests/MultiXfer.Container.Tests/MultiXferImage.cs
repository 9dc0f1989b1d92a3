using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Images;

namespace MultiXfer.Container.Tests;

/// <summary>Every container test class shares one image, built once per test run, and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<MultiXferImage>
{
    public const string Name = "MultiXfer container";
}

/// <summary>
/// The image the repository's Dockerfile builds, with the repository root as the build context (its .dockerignore
/// applies). Removed again when the run ends. Without a Docker engine nothing is built: every test is skipped, but
/// xunit constructs collection fixtures all the same.
/// </summary>
public sealed class MultiXferImage : IAsyncLifetime
{
    private IFutureDockerImage? _image;

    public IImage Image => _image ?? throw new InvalidOperationException("no image: no Docker engine reachable: " + DockerEngine.Unreachable);

    public async Task InitializeAsync()
    {
        if (DockerEngine.Unreachable is not null)
        {
            return;
        }

        string root = MultiXfer.TestKit.RepositoryRoot.Path;
        _image = new ImageFromDockerfileBuilder()
            .WithName("localhost/multixfer-container-tests:" + Guid.NewGuid().ToString("N")[..12])
            .WithDockerfileDirectory(root)
            .WithContextDirectory(root)
            .WithDockerfile("Dockerfile")
            .WithCleanUp(true)
            .Build();
        await _image.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_image is not null)
        {
            await _image.DeleteAsync();
            await _image.DisposeAsync();
        }
    }
}
