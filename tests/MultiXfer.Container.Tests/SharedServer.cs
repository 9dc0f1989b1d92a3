using DotNet.Testcontainers.Images;

namespace MultiXfer.Container.Tests;

/// <summary>
/// One container for the tests of a class that only transfer files: started by the first test that asks (never
/// without a Docker engine), with one stored account whose home is the whole data volume. A failed start is
/// remembered and reported to every test of the class.
/// </summary>
public sealed class SharedServer : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ServerContainer? _server;
    private Exception? _failure;

    public Login Login { get; } = Login.Random("shared");

    public IReadOnlyList<string> HostPublicKeys { get; private set; } = [];

    public async Task<ServerContainer> StartOnceAsync(IImage image)
    {
        await _gate.WaitAsync();
        try
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("the shared container failed to start earlier", _failure);
            }

            if (_server is null)
            {
                try
                {
                    _server = await ServerContainer.StartAsync(image);
                    await _server.AddAccountAsync(Login.User, Login.Password);
                    HostPublicKeys = await _server.HostPublicKeysAsync();
                }
                catch (Exception e)
                {
                    _failure = e;
                    throw;
                }
            }

            return _server;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
    }
}
