using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>A server for the class's tests and a scratch directory for the client's side of the files.</summary>
public abstract class ClientTestBase : IAsyncLifetime
{
    protected TestServer Server { get; private set; } = null!;

    protected string Work { get; } = Directory.CreateTempSubdirectory("mx-client-").FullName;

    protected string Local(string name) => Path.Combine(Work, name);

    protected string Remote(string name) => Path.Combine(Server.HomeOf("alice"), name);

    protected static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Settings for the class's server beyond the test defaults.</summary>
    protected virtual void ConfigureServer(Dictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(ConfigureServer);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }
}
