using System.Text;
using MultiXfer.Fsio;
using MultiXfer.Fsio.Local;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// Escapes that only a real disk can stage: links planted by someone with host access, a sibling directory whose
/// name extends the root's, and a directory swapped for a link while lookups run.
/// </summary>
public sealed class LocalConfinementTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _temp = new();

    public LocalConfinementTests()
    {
        Directory.CreateDirectory(_temp.Combine("srv", "u1"));
        Directory.CreateDirectory(_temp.Combine("srv", "u10"));
        File.WriteAllText(_temp.Combine("srv", "u10", "secret"), "sibling secret");
        File.WriteAllText(_temp.Combine("canary"), "outside");
    }

    public void Dispose() => _temp.Dispose();

    private LocalFileSystem Root() => LocalFileSystem.OpenHostDirectory(_temp.Combine("srv", "u1"));

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    [Fact]
    public async Task A_sibling_whose_name_extends_the_root_is_unreachable()
    {
        await using var fs = Root();
        foreach (string path in new[] { "/../u10/secret", "../u10/secret", "/./../u10/secret", "//../u10/secret" })
        {
            var e = await Assert.ThrowsAsync<FsException>(() => fs.GetStatusAsync(P(path), true, None).AsTask());
            Assert.Equal(FsErrorKind.NotFound, e.Kind);
        }
    }

    [Fact]
    public async Task Links_planted_on_the_host_resolve_inside_the_root()
    {
        string root = _temp.Combine("srv", "u1");
        File.CreateSymbolicLink(Path.Combine(root, "abs-canary"), _temp.Combine("canary"));
        File.CreateSymbolicLink(Path.Combine(root, "rel-canary"), "../../canary");
        Directory.CreateSymbolicLink(Path.Combine(root, "to-host-root"), "/");
        Directory.CreateSymbolicLink(Path.Combine(root, "to-sibling"), "../u10");
        await using var fs = Root();

        foreach (string path in new[] { "/abs-canary", "/rel-canary", "/to-sibling/secret", "/to-host-root/etc/passwd" })
        {
            var e = await Assert.ThrowsAsync<FsException>(() => fs.OpenFileAsync(P(path), FileOpenOptions.ReadOnly, None).AsTask());
            Assert.Equal(FsErrorKind.NotFound, e.Kind);
        }

        // Writing through them creates files inside the root, never outside.
        await using (var h = await fs.OpenFileAsync(P("/rel-canary"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.OpenOrCreate), None))
        {
            await h.WriteAsync(0, "inside"u8.ToArray(), None);
        }

        Assert.Equal("outside", File.ReadAllText(_temp.Combine("canary")));
        Assert.Equal("inside", File.ReadAllText(Path.Combine(root, "canary")));

        // Through a link to the host's '/', the listing shows the user's own root, not the host's.
        var names = new List<string>();
        await foreach (var entry in fs.ListDirectoryAsync(P("/to-host-root"), None))
        {
            names.Add(entry.Name);
        }

        Assert.Contains("abs-canary", names);
        Assert.DoesNotContain("etc", names);
        Assert.Equal(VirtualPath.Root, await fs.GetRealPathAsync(P("/to-host-root"), None));

        // Metadata changes through a link land inside the root too.
        var before = File.GetLastWriteTimeUtc(_temp.Combine("canary"));
        var setTimes = await Assert.ThrowsAsync<FsException>(() =>
            fs.SetTimesAsync(P("/abs-canary"), null, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), None).AsTask());
        Assert.Equal(FsErrorKind.NotFound, setTimes.Kind);
        var chmod = await Assert.ThrowsAsync<FsException>(() => fs.SetPermissionsAsync(P("/abs-canary"), 0x1FF, None).AsTask());
        Assert.Equal(FsErrorKind.NotFound, chmod.Kind);
        Assert.Equal(before, File.GetLastWriteTimeUtc(_temp.Combine("canary")));
    }

    [Fact]
    public async Task Mkdir_rename_and_delete_through_links_stay_inside()
    {
        string root = _temp.Combine("srv", "u1");
        Directory.CreateSymbolicLink(Path.Combine(root, "escape"), _temp.Path);
        await using var fs = Root();

        await Assert.ThrowsAsync<FsException>(() => fs.DeleteFileAsync(P("/escape/canary"), None).AsTask());
        await Assert.ThrowsAsync<FsException>(() => fs.CreateDirectoryAsync(P("/escape/newdir"), null, None).AsTask());
        await Assert.ThrowsAsync<FsException>(() =>
            fs.RenameAsync(P("/escape/canary"), P("/stolen"), new RenameOptions(false), None).AsTask());
        Assert.Equal("outside", File.ReadAllText(_temp.Combine("canary")));
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "newdir")));

        // Deleting the link removes the link, not what it points at.
        await fs.DeleteFileAsync(P("/escape"), None);
        Assert.True(Directory.Exists(_temp.Path));
    }

    [Fact]
    public async Task Swapping_a_directory_for_an_outside_link_never_exposes_outside_content()
    {
        string root = _temp.Combine("srv", "u1");
        Directory.CreateDirectory(_temp.Combine("outside-dir"));
        File.WriteAllText(_temp.Combine("outside-dir", "file"), "OUTSIDE");
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.WriteAllText(Path.Combine(root, "dir", "file"), "inside");
        await using var fs = Root();

        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            string dir = Path.Combine(root, "dir");
            string parked = Path.Combine(root, "parked");
            string link = Path.Combine(root, "link-tmp");
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Directory.Move(dir, parked);
                    Directory.CreateSymbolicLink(link, _temp.Combine("outside-dir"));
                    File.Move(link, dir);
                    File.Delete(dir);
                    Directory.Move(parked, dir);
                }
                catch (IOException)
                {
                }
            }
        });

        int inside = 0;
        for (int i = 0; i < 3000; i++)
        {
            try
            {
                await using var h = await fs.OpenFileAsync(P("/dir/file"), FileOpenOptions.ReadOnly, None);
                var buffer = new byte[16];
                int n = await h.ReadAsync(0, buffer, None);
                string content = Encoding.ASCII.GetString(buffer, 0, n);
                Assert.NotEqual("OUTSIDE", content);
                inside++;
            }
            catch (FsException)
            {
            }
        }

        await stop.CancelAsync();
        await swapper;
        Assert.True(inside > 0);
    }
}
