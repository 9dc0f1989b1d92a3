using MultiXfer.Fsio;
using MultiXfer.Fsio.Local;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// Sessions of one home share its descriptor (10,000 idle sessions would otherwise hold 10,000 more), yet each login
/// still reaches the home as it is now: one that was replaced meanwhile is opened anew.
/// </summary>
public sealed class LocalSharedHomeTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _temp = new();

    public LocalSharedHomeTests() => Directory.CreateDirectory(_temp.Combine("data", "alice"));

    public void Dispose() => _temp.Dispose();

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    [Fact]
    public async Task Sessions_of_one_home_share_a_descriptor_that_closes_with_the_last()
    {
        await using var data = LocalFileSystem.OpenHostDirectory(_temp.Combine("data"));
        var first = data.OpenSubRoot(P("/alice"));
        var sessions = Enumerable.Range(0, 50).Select(_ => data.OpenSubRoot(P("/alice"))).ToList();
        Assert.Equal(1, data.SharedHomeCount);

        await first.DisposeAsync();
        await first.DisposeAsync(); // twice: still one release
        Assert.Equal(1, data.SharedHomeCount);
        await using (var file = await sessions[^1].OpenFileAsync(P("/still-works"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), None))
        {
            await file.WriteAsync(0, "x"u8.ToArray(), None);
        }

        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        Assert.Equal(0, data.SharedHomeCount);
        Assert.True(File.Exists(_temp.Combine("data", "alice", "still-works")));
    }

    [Fact]
    public async Task A_home_replaced_since_the_first_session_is_opened_anew()
    {
        await using var data = LocalFileSystem.OpenHostDirectory(_temp.Combine("data"));
        await using var before = data.OpenSubRoot(P("/alice"));
        Directory.Move(_temp.Combine("data", "alice"), _temp.Combine("data", "alice-old"));
        Directory.CreateDirectory(_temp.Combine("data", "alice"));

        await using var after = data.OpenSubRoot(P("/alice"));
        await using (var file = await after.OpenFileAsync(P("/new-home"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), None))
        {
            await file.WriteAsync(0, "x"u8.ToArray(), None);
        }

        Assert.True(File.Exists(_temp.Combine("data", "alice", "new-home")));
        Assert.False(File.Exists(_temp.Combine("data", "alice-old", "new-home")));
    }
}
