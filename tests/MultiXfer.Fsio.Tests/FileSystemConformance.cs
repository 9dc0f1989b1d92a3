using System.Text;
using MultiXfer.Fsio;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// The behaviour every storage backend must share. Each backend runs this whole suite through a subclass, so a
/// protocol sees the same answers whichever backend an operator configures.
/// </summary>
public abstract class FileSystemConformance<TBackend> : IAsyncLifetime
    where TBackend : ITestBackend, new()
{
    private readonly TBackend _backend = new();

    protected IFileSystem Fs { get; private set; } = null!;

    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync()
    {
        Fs = _backend.OpenRoot();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Fs.DisposeAsync();
        _backend.Dispose();
    }

    protected static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    protected async Task WriteFile(string path, string content)
    {
        await using var handle = await Fs.OpenFileAsync(P(path), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), None);
        await handle.WriteAsync(0, Encoding.UTF8.GetBytes(content), None);
        await handle.CommitAsync(None);
    }

    protected async Task<string> ReadFile(string path)
    {
        await using var handle = await Fs.OpenFileAsync(P(path), FileOpenOptions.ReadOnly, None);
        var buffer = new byte[1 << 16];
        var result = new MemoryStream();
        long offset = 0;
        int n;
        while ((n = await handle.ReadAsync(offset, buffer, None)) > 0)
        {
            result.Write(buffer, 0, n);
            offset += n;
        }

        return Encoding.UTF8.GetString(result.ToArray());
    }

    protected async Task<FsErrorKind> ErrorOf(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<FsException>(action);
        return e.Kind;
    }

    protected async Task<List<FsEntry>> List(string path)
    {
        var entries = new List<FsEntry>();
        await foreach (var entry in Fs.ListDirectoryAsync(P(path), None))
        {
            entries.Add(entry);
        }

        return entries;
    }

    [Fact]
    public async Task Written_content_reads_back_and_stat_reports_it()
    {
        await WriteFile("/a.txt", "hello world");
        Assert.Equal("hello world", await ReadFile("/a.txt"));
        var status = await Fs.GetStatusAsync(P("/a.txt"), followLinks: true, None);
        Assert.Equal(FileType.Regular, status.Type);
        Assert.Equal(11, status.Size);
        Assert.True(status.ModifiedUtc > DateTime.UtcNow.AddMinutes(-5));
        Assert.True((await Fs.GetStatusAsync(VirtualPath.Root, true, None)).IsDirectory);
    }

    [Fact]
    public async Task Opening_what_is_missing_or_a_directory_fails_with_its_kind()
    {
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => Fs.OpenFileAsync(P("/missing"), FileOpenOptions.ReadOnly, None).AsTask()));
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => Fs.GetStatusAsync(P("/missing/x"), true, None).AsTask()));
        await Fs.CreateDirectoryAsync(P("/d"), null, None);
        Assert.Equal(FsErrorKind.IsADirectory, await ErrorOf(() => Fs.OpenFileAsync(P("/d"), FileOpenOptions.ReadOnly, None).AsTask()));
        await WriteFile("/f", "x");
        Assert.Equal(FsErrorKind.NotADirectory, await ErrorOf(() => Fs.GetStatusAsync(P("/f/x"), true, None).AsTask()));
        Assert.Equal(FsErrorKind.AlreadyExists, await ErrorOf(() =>
            Fs.OpenFileAsync(P("/f"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), None).AsTask()));
    }

    [Fact]
    public async Task Replace_truncates_append_appends_and_sparse_writes_zero_fill()
    {
        await WriteFile("/f", "0123456789");
        await WriteFile("/f", "ab");
        Assert.Equal("ab", await ReadFile("/f"));

        await using (var append = await Fs.OpenFileAsync(P("/f"),
                         new FileOpenOptions(FileAccessMode.Write, FileCreateMode.OpenOrCreate) { Append = true }, None))
        {
            await append.WriteAsync(0, "cd"u8.ToArray(), None);
        }

        Assert.Equal("abcd", await ReadFile("/f"));

        await using (var sparse = await Fs.OpenFileAsync(P("/f"), new FileOpenOptions(FileAccessMode.ReadWrite, FileCreateMode.OpenExisting), None))
        {
            await sparse.WriteAsync(6, "z"u8.ToArray(), None);
            Assert.Equal(7, (await sparse.GetStatusAsync(None)).Size);
        }

        Assert.Equal("abcd\0\0z", await ReadFile("/f"));
    }

    [Fact]
    public async Task Handles_read_at_any_offset_and_truncate()
    {
        await WriteFile("/f", "0123456789");
        await using var handle = await Fs.OpenFileAsync(P("/f"), new FileOpenOptions(FileAccessMode.ReadWrite), None);
        var buffer = new byte[4];
        Assert.Equal(4, await handle.ReadAsync(3, buffer, None));
        Assert.Equal("3456", Encoding.ASCII.GetString(buffer));
        Assert.Equal(2, await handle.ReadAsync(8, buffer, None));
        Assert.Equal(0, await handle.ReadAsync(10, buffer, None));
        Assert.Equal(0, await handle.ReadAsync(1L << 40, buffer, None));
        await handle.SetLengthAsync(3, None);
        Assert.Equal(3, (await handle.GetStatusAsync(None)).Size);
    }

    [Fact]
    public async Task Directories_create_list_and_remove_with_the_right_errors()
    {
        await Fs.CreateDirectoryAsync(P("/d"), null, None);
        Assert.Equal(FsErrorKind.AlreadyExists, await ErrorOf(() => Fs.CreateDirectoryAsync(P("/d"), null, None).AsTask()));
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => Fs.CreateDirectoryAsync(P("/x/y"), null, None).AsTask()));
        await WriteFile("/d/one", "1");
        await Fs.CreateDirectoryAsync(P("/d/sub"), null, None);

        var entries = (await List("/d")).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["one", "sub"], entries.Select(e => e.Name));
        Assert.Equal(FileType.Regular, entries[0].Status.Type);
        Assert.Equal(1, entries[0].Status.Size);
        Assert.Equal(FileType.Directory, entries[1].Status.Type);

        Assert.Equal(FsErrorKind.NotEmpty, await ErrorOf(() => Fs.DeleteDirectoryAsync(P("/d"), None).AsTask()));
        Assert.Equal(FsErrorKind.NotADirectory, await ErrorOf(() => Fs.DeleteDirectoryAsync(P("/d/one"), None).AsTask()));
        Assert.Equal(FsErrorKind.IsADirectory, await ErrorOf(() => Fs.DeleteFileAsync(P("/d/sub"), None).AsTask()));
        await Fs.DeleteFileAsync(P("/d/one"), None);
        await Fs.DeleteDirectoryAsync(P("/d/sub"), None);
        await Fs.DeleteDirectoryAsync(P("/d"), None);
        Assert.Empty(await List("/"));
    }

    [Fact]
    public async Task Listing_errors_surface_on_first_enumeration()
    {
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => List("/missing")));
        await WriteFile("/f", "x");
        Assert.Equal(FsErrorKind.NotADirectory, await ErrorOf(() => List("/f")));
    }

    [Fact]
    public async Task A_large_directory_streams_every_entry_once()
    {
        await Fs.CreateDirectoryAsync(P("/big"), null, None);
        for (int i = 0; i < 1500; i++)
        {
            await using var h = await Fs.OpenFileAsync(P($"/big/file-{i:D5}-{new string('x', 40)}"),
                new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), None);
        }

        var names = (await List("/big")).Select(e => e.Name).ToList();
        Assert.Equal(1500, names.Count);
        Assert.Equal(1500, names.Distinct().Count());
    }

    [Fact]
    public async Task Root_cannot_be_removed_or_renamed()
    {
        Assert.Equal(FsErrorKind.PermissionDenied, await ErrorOf(() => Fs.DeleteDirectoryAsync(VirtualPath.Root, None).AsTask()));
        Assert.Equal(FsErrorKind.PermissionDenied, await ErrorOf(() => Fs.DeleteFileAsync(P("/.."), None).AsTask()));
        Assert.Equal(FsErrorKind.PermissionDenied, await ErrorOf(() =>
            Fs.RenameAsync(VirtualPath.Root, P("/x"), new RenameOptions(true), None).AsTask()));
    }

    [Fact]
    public async Task Rename_moves_refuses_or_replaces_as_asked()
    {
        await WriteFile("/a", "A");
        await WriteFile("/b", "B");
        Assert.Equal(FsErrorKind.AlreadyExists, await ErrorOf(() => Fs.RenameAsync(P("/a"), P("/b"), new RenameOptions(false), None).AsTask()));
        Assert.Equal("A", await ReadFile("/a"));
        Assert.Equal("B", await ReadFile("/b"));

        await Fs.RenameAsync(P("/a"), P("/b"), new RenameOptions(true), None);
        Assert.Equal("A", await ReadFile("/b"));
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => ReadFile("/a")));

        await Fs.CreateDirectoryAsync(P("/d"), null, None);
        await Fs.RenameAsync(P("/b"), P("/d/c"), new RenameOptions(false), None);
        Assert.Equal("A", await ReadFile("/d/c"));
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => Fs.RenameAsync(P("/nope"), P("/x"), new RenameOptions(false), None).AsTask()));

        await Fs.CreateDirectoryAsync(P("/d/inner"), null, None);
        Assert.Equal(FsErrorKind.InvalidArgument, await ErrorOf(() =>
            Fs.RenameAsync(P("/d"), P("/d/inner/d"), new RenameOptions(false), None).AsTask()));
    }

    [Fact]
    public async Task Replacing_rename_behaves_as_rename_for_links()
    {
        // The local backend replaces by exchanging names and unlinking: each case here must still end as rename(2).
        await WriteFile("/old", "old");
        await Fs.CreateHardLinkAsync(P("/old"), P("/old-elsewhere"), None);
        await WriteFile("/new", "new");
        await Fs.RenameAsync(P("/new"), P("/old"), new RenameOptions(true), None);
        Assert.Equal("new", await ReadFile("/old"));
        Assert.Equal("old", await ReadFile("/old-elsewhere"));
        Assert.Equal(FsErrorKind.NotFound, await ErrorOf(() => ReadFile("/new")));

        // Two names of one file: POSIX rename does nothing, and both stay.
        await Fs.RenameAsync(P("/old-elsewhere"), P("/old-elsewhere"), new RenameOptions(true), None);
        await Fs.CreateHardLinkAsync(P("/old"), P("/same"), None);
        await Fs.RenameAsync(P("/same"), P("/old"), new RenameOptions(true), None);
        Assert.Equal("new", await ReadFile("/old"));
        Assert.Equal("new", await ReadFile("/same"));

        // A symbolic link is replaced itself; the file it points to is untouched.
        await Fs.CreateSymbolicLinkAsync(P("/link"), "old-elsewhere", None);
        await WriteFile("/over-link", "via rename");
        await Fs.RenameAsync(P("/over-link"), P("/link"), new RenameOptions(true), None);
        Assert.Equal(FileType.Regular, (await Fs.GetStatusAsync(P("/link"), followLinks: false, None)).Type);
        Assert.Equal("via rename", await ReadFile("/link"));
        Assert.Equal("old", await ReadFile("/old-elsewhere"));
    }

    [Fact]
    public async Task Failed_rename_onto_a_directory_leaves_both_intact()
    {
        await WriteFile("/file", "content");
        await Fs.CreateDirectoryAsync(P("/dir"), null, None);
        await WriteFile("/dir/inside", "kept");
        var kind = await ErrorOf(() => Fs.RenameAsync(P("/file"), P("/dir"), new RenameOptions(true), None).AsTask());
        Assert.True(kind is FsErrorKind.IsADirectory or FsErrorKind.NotEmpty, kind.ToString());
        Assert.Equal("content", await ReadFile("/file"));
        Assert.Equal("kept", await ReadFile("/dir/inside"));
    }

    [Fact]
    public async Task Symbolic_links_are_followed_by_stat_and_not_by_lstat()
    {
        await WriteFile("/target", "through the link");
        await Fs.CreateSymbolicLinkAsync(P("/link"), "target", None);
        Assert.Equal("target", await Fs.ReadSymbolicLinkAsync(P("/link"), None));
        Assert.Equal(FileType.SymbolicLink, (await Fs.GetStatusAsync(P("/link"), followLinks: false, None)).Type);
        Assert.Equal(FileType.Regular, (await Fs.GetStatusAsync(P("/link"), followLinks: true, None)).Type);
        Assert.Equal("through the link", await ReadFile("/link"));
        Assert.Equal(P("/target"), await Fs.GetRealPathAsync(P("/link"), None));
        var listed = (await List("/")).Single(e => e.Name == "link");
        Assert.Equal(FileType.SymbolicLink, listed.Status.Type);

        await Fs.DeleteFileAsync(P("/link"), None);
        Assert.Equal("through the link", await ReadFile("/target"));
    }

    [Fact]
    public async Task Absolute_link_targets_resolve_inside_the_root()
    {
        await Fs.CreateDirectoryAsync(P("/etc"), null, None);
        await WriteFile("/etc/passwd", "the user's own file");
        await Fs.CreateSymbolicLinkAsync(P("/abs"), "/etc/passwd", None);
        await Fs.CreateSymbolicLinkAsync(P("/up"), "../../../../../etc/passwd", None);
        await Fs.CreateSymbolicLinkAsync(P("/rootlink"), "/", None);
        Assert.Equal("the user's own file", await ReadFile("/abs"));
        Assert.Equal("the user's own file", await ReadFile("/up"));
        Assert.Equal("the user's own file", await ReadFile("/rootlink/rootlink/etc/passwd"));
        Assert.Equal(P("/etc/passwd"), await Fs.GetRealPathAsync(P("/up"), None));
        Assert.Equal(VirtualPath.Root, await Fs.GetRealPathAsync(P("/rootlink/.."), None));
    }

    [Fact]
    public async Task Outside_paths_and_missing_paths_answer_alike()
    {
        await Fs.CreateSymbolicLinkAsync(P("/out"), "/../../../../nonexistent-outside", None);
        var viaDots = await ErrorOf(() => ReadFile("/../../../../etc/shadow"));
        var missing = await ErrorOf(() => ReadFile("/definitely-missing"));
        var viaLink = await ErrorOf(() => ReadFile("/out"));
        Assert.Equal(FsErrorKind.NotFound, viaDots);
        Assert.Equal(missing, viaDots);
        Assert.Equal(missing, viaLink);
    }

    [Fact]
    public async Task Creating_through_a_dangling_link_stays_inside_the_root()
    {
        await Fs.CreateSymbolicLinkAsync(P("/dangling"), "/made-by-link", None);
        await WriteFileInPlace("/dangling", "created");
        Assert.Equal("created", await ReadFile("/made-by-link"));
        Assert.Equal(FsErrorKind.AlreadyExists, await ErrorOf(() =>
            Fs.OpenFileAsync(P("/dangling"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew), None).AsTask()));
    }

    private async Task WriteFileInPlace(string path, string content)
    {
        await using var handle = await Fs.OpenFileAsync(P(path), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.OpenOrCreate), None);
        await handle.WriteAsync(0, Encoding.UTF8.GetBytes(content), None);
    }

    [Fact]
    public async Task Link_loops_are_detected()
    {
        await Fs.CreateSymbolicLinkAsync(P("/loop1"), "loop2", None);
        await Fs.CreateSymbolicLinkAsync(P("/loop2"), "loop1", None);
        Assert.Equal(FsErrorKind.LinkLoop, await ErrorOf(() => ReadFile("/loop1")));
        Assert.Equal(FileType.SymbolicLink, (await Fs.GetStatusAsync(P("/loop1"), followLinks: false, None)).Type);
    }

    [Fact]
    public async Task Hard_links_share_content()
    {
        await WriteFile("/orig", "shared");
        await Fs.CreateHardLinkAsync(P("/orig"), P("/hard"), None);
        Assert.Equal(2, (await Fs.GetStatusAsync(P("/orig"), true, None)).LinkCount);
        await Fs.DeleteFileAsync(P("/orig"), None);
        Assert.Equal("shared", await ReadFile("/hard"));
    }

    [Fact]
    public async Task Times_permissions_and_length_can_be_set_by_path()
    {
        await WriteFile("/f", "0123456789");
        var mtime = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        await Fs.SetLengthAsync(P("/f"), 4, None);
        await Fs.SetTimesAsync(P("/f"), mtime.AddDays(1), mtime, None);
        await Fs.SetPermissionsAsync(P("/f"), 0x1A0 /* 0640 */, None);
        var status = await Fs.GetStatusAsync(P("/f"), true, None);
        Assert.Equal(mtime, status.ModifiedUtc);
        Assert.Equal(mtime.AddDays(1), status.AccessedUtc);
        Assert.Equal(0x1A0, status.Permissions);
        Assert.Equal(4, status.Size);
        Assert.Equal("0123", await ReadFile("/f"));

        await Fs.SetTimesAsync(P("/f"), null, mtime.AddYears(1), None);
        Assert.Equal(mtime.AddYears(1), (await Fs.GetStatusAsync(P("/f"), true, None)).ModifiedUtc);
    }

    [Fact]
    public async Task Setuid_setgid_and_sticky_bits_are_never_set()
    {
        await WriteFile("/prog", "#!/bin/sh");
        await Fs.SetPermissionsAsync(P("/prog"), 0xFED /* 07755 */, None);
        Assert.Equal(0x1ED, (await Fs.GetStatusAsync(P("/prog"), true, None)).Permissions);
        await using (var handle = await Fs.OpenFileAsync(P("/prog"), new FileOpenOptions(FileAccessMode.Write), None))
        {
            await handle.SetPermissionsAsync(0xDED /* 06755 */, None);
        }

        Assert.Equal(0x1ED, (await Fs.GetStatusAsync(P("/prog"), true, None)).Permissions);
        await Fs.CreateDirectoryAsync(P("/sticky"), 0x3FF /* 01777 */, None);
        Assert.Equal(0, (await Fs.GetStatusAsync(P("/sticky"), true, None)).Permissions & 0xE00);
    }

    [Fact]
    public async Task Space_is_reported()
    {
        var space = await Fs.GetSpaceAsync(VirtualPath.Root, None);
        Assert.True(space.TotalBytes > 0);
        Assert.InRange(space.AvailableBytes, 0, space.TotalBytes);
    }

    [Fact]
    public async Task Names_with_spaces_quotes_and_utf8_round_trip()
    {
        string[] names = ["with space", "quote'\"s", "ünïcødé-名前", "-dash", ".hidden"];
        foreach (string name in names)
        {
            await WriteFile("/" + name, name);
        }

        var listed = (await List("/")).Select(e => e.Name).ToHashSet();
        foreach (string name in names)
        {
            Assert.Contains(name, listed);
            Assert.Equal(name, await ReadFile("/" + name));
        }
    }

    [Fact]
    public async Task An_exclusive_lock_is_held_while_open_and_released_on_close()
    {
        var locked = new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew) { ExclusiveLock = true };
        var holder = await Fs.OpenFileAsync(P("/locked"), locked, None);
        var probe = FileOpenOptions.ReadOnly with { ExclusiveLock = true };
        Assert.Equal(FsErrorKind.LockConflict, (await Assert.ThrowsAsync<FsException>(() => Fs.OpenFileAsync(P("/locked"), probe, None).AsTask())).Kind);

        // A plain open is not affected: the lock is advisory, between lockers only.
        await (await Fs.OpenFileAsync(P("/locked"), FileOpenOptions.ReadOnly, None)).DisposeAsync();
        await holder.DisposeAsync();
        await (await Fs.OpenFileAsync(P("/locked"), probe, None)).DisposeAsync();
    }
}
