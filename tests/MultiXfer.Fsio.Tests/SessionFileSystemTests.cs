using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Fsio.Session;

namespace MultiXfer.Fsio.Tests;

/// <summary>
/// The session layer over each backend: permissions per operation and per path, links into read-only folders,
/// crash-safe uploads. Seeded through the bare backend: /ro/file.txt ("ro"), /rw/file.txt ("old"), /rw/other.txt,
/// /rw/empty/.
/// </summary>
public abstract class SessionFileSystemTests<TBackend> : IAsyncLifetime
    where TBackend : ITestBackend, new()
{
    private readonly TBackend _backend = new();

    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly FileOpenOptions Replace = new(FileAccessMode.Write, FileCreateMode.Replace);
    private static readonly FileOpenOptions Modify = new(FileAccessMode.Write, FileCreateMode.OpenOrCreate);
    private static readonly string[] Seeded = ["empty", "file.txt", "other.txt"];

    protected IFileSystem Backend { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = _backend.OpenRoot();
        await Backend.CreateDirectoryAsync(P("/ro"), null, None);
        await Backend.CreateDirectoryAsync(P("/rw"), null, None);
        await Backend.CreateDirectoryAsync(P("/rw/empty"), null, None);
        await Put(Backend, "/ro/file.txt", "ro");
        await Put(Backend, "/rw/file.txt", "old");
        await Put(Backend, "/rw/other.txt", "other");
    }

    public async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        _backend.Dispose();
    }

    /// <summary>
    /// A crash-safe upload releases its lock before it takes the target's name: a reader that takes a lock (flock,
    /// .NET's FileStream) gets the finished file as soon as it appears, before the protocol disposes the handle.
    /// </summary>
    [Fact]
    public async Task A_committed_upload_is_unlocked_when_it_appears_under_its_name()
    {
        var fs = Session(Permission.All);
        await using var upload = await fs.OpenFileAsync(P("/rw/fresh.txt"), Replace, None);
        await upload.WriteAsync(0, "done"u8.ToArray(), None);
        await upload.CommitAsync(None);

        await using (var reader = await Backend.OpenFileAsync(P("/rw/fresh.txt"), FileOpenOptions.ReadOnly with { ExclusiveLock = true }, None))
        {
            var buffer = new byte[16];
            Assert.Equal("done", Encoding.UTF8.GetString(buffer, 0, await reader.ReadAsync(0, buffer, None)));
        }
    }

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    /// <summary>Sessions share the backend and are not disposed: that would close it.</summary>
    private SessionFileSystem Session(PermissionRules rules, bool atomicUploads = true) =>
        new(Backend, rules, new UploadPolicy(atomicUploads, Fsync: false), NullLogger.Instance);

    private SessionFileSystem Session(Permission root, params (string Path, Permission Granted)[] more) =>
        Session(new PermissionRules([(VirtualPath.Root, root), .. more.Select(r => (P(r.Path), r.Granted))], readOnly: false));

    private static async Task Put(IFileSystem fs, string path, string content, FileOpenOptions? options = null)
    {
        await using var handle = await fs.OpenFileAsync(P(path), options ?? Replace, None);
        await handle.WriteAsync(0, Encoding.UTF8.GetBytes(content), None);
        await handle.CommitAsync(None);
    }

    private static async Task<string> Read(IFileSystem fs, string path)
    {
        await using var handle = await fs.OpenFileAsync(P(path), FileOpenOptions.ReadOnly, None);
        var buffer = new byte[4096];
        int n = await handle.ReadAsync(0, buffer, None);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static async Task<List<string>> Names(IFileSystem fs, string path) =>
        await fs.ListDirectoryAsync(P(path), None).Select(e => e.Name).Order(StringComparer.Ordinal).ToListAsync();

    private static async Task<FsErrorKind> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<FsException>(action)).Kind;

    private static async Task Denied(Func<Task> action) => Assert.Equal(FsErrorKind.PermissionDenied, await ErrorOf(action));

    private static Task Denied(Func<ValueTask> action) => Denied(() => action().AsTask());

    /// <summary>An attempt that may be refused, but only as PermissionDenied; the test then checks what it changed.</summary>
    private static async Task RefusedOrNot(Func<Task> attempt)
    {
        var e = await Record.ExceptionAsync(attempt);
        Assert.True(e is null or FsException { Kind: FsErrorKind.PermissionDenied }, $"unexpected {e}");
    }

    private static Task Run(IFileSystem fs, string operation) => operation switch
    {
        "stat" => fs.GetStatusAsync(P("/rw/file.txt"), true, None).AsTask(),
        "list" => Names(fs, "/rw"),
        "download" => Read(fs, "/rw/file.txt"),
        "upload" => Put(fs, "/rw/new.txt", "x", new FileOpenOptions(FileAccessMode.Write, FileCreateMode.CreateNew)),
        "upload-replace" => Put(fs, "/rw/new.txt", "x"),
        "overwrite" => Put(fs, "/rw/file.txt", "x"),
        "modify" => Put(fs, "/rw/file.txt", "x", Modify),
        "truncate" => fs.SetLengthAsync(P("/rw/file.txt"), 1, None).AsTask(),
        "delete" => fs.DeleteFileAsync(P("/rw/file.txt"), None).AsTask(),
        "rename" => fs.RenameAsync(P("/rw/file.txt"), P("/rw/moved.txt"), new RenameOptions(false), None).AsTask(),
        "rename-over" => fs.RenameAsync(P("/rw/file.txt"), P("/rw/other.txt"), new RenameOptions(true), None).AsTask(),
        "mkdir" => fs.CreateDirectoryAsync(P("/rw/sub"), null, None).AsTask(),
        "rmdir" => fs.DeleteDirectoryAsync(P("/rw/empty"), None).AsTask(),
        "chmod" => fs.SetPermissionsAsync(P("/rw/file.txt"), 0x180, None).AsTask(),
        "chtimes" => fs.SetTimesAsync(P("/rw/file.txt"), null, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc), None).AsTask(),
        "symlink" => fs.CreateSymbolicLinkAsync(P("/rw/link"), "file.txt", None).AsTask(),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static readonly string[] Writes =
    [
        "upload", "upload-replace", "overwrite", "modify", "truncate", "delete", "rename", "rename-over", "mkdir", "rmdir", "chmod",
        "chtimes", "symlink",
    ];

    [Theory]
    [InlineData("stat", Permission.List)]
    [InlineData("list", Permission.List)]
    [InlineData("download", Permission.Download)]
    [InlineData("upload", Permission.Upload)]
    [InlineData("upload-replace", Permission.Upload)]
    [InlineData("overwrite", Permission.Upload | Permission.Overwrite)]
    [InlineData("modify", Permission.Upload | Permission.Overwrite)]
    [InlineData("truncate", Permission.Overwrite)]
    [InlineData("delete", Permission.Delete)]
    [InlineData("rename", Permission.Rename)]
    [InlineData("rename-over", Permission.Rename | Permission.Overwrite)]
    [InlineData("mkdir", Permission.CreateDirectory)]
    [InlineData("rmdir", Permission.DeleteDirectory)]
    [InlineData("chmod", Permission.ChangeMode)]
    [InlineData("chtimes", Permission.ChangeTimes)]
    [InlineData("symlink", Permission.Link)]
    public async Task Each_operation_needs_exactly_its_permissions(string operation, Permission needed)
    {
        foreach (var bit in Enum.GetValues<Permission>().Where(p => p != 0 && (needed & p) == p && (p & (p - 1)) == 0))
        {
            await Denied(() => Run(Session(Permission.All & ~bit), operation));
        }

        Assert.Equal("old", await Read(Backend, "/rw/file.txt"));
        Assert.Equal(Seeded, await Names(Backend, "/rw"));
        await Run(Session(needed), operation);
    }

    [Fact]
    public async Task A_read_only_user_can_read_but_not_write()
    {
        var fs = Session(new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: true));
        await Run(fs, "stat");
        await Run(fs, "list");
        Assert.Equal("old", await Read(fs, "/rw/file.txt"));
        foreach (string operation in Writes)
        {
            await Denied(() => Run(fs, operation));
        }

        Assert.Equal(Seeded, await Names(Backend, "/rw"));
        Assert.Equal("old", await Read(Backend, "/rw/file.txt"));
    }

    [Fact]
    public async Task Rules_apply_per_path_and_the_default_has_no_links()
    {
        var fs = Session(Permission.List | Permission.Download, ("/rw", Permission.Default));
        await Denied(() => Run(fs, "symlink"));
        await Denied(() => fs.CreateHardLinkAsync(P("/rw/file.txt"), P("/rw/hard"), None));
        await Run(fs, "mkdir");
        await Put(fs, "/rw/sub/deep.txt", "deep");
        Assert.Equal("ro", await Read(fs, "/ro/file.txt"));
        await Denied(() => Put(fs, "/ro/new.txt", "x"));
        await Denied(() => Put(fs, "/ro/file.txt", "x"));
        await Denied(() => fs.DeleteFileAsync(P("/ro/file.txt"), None));
        await Denied(() => fs.CreateDirectoryAsync(P("/rwx"), null, None));
    }

    [Fact]
    public async Task Rename_needs_permission_at_both_ends_and_overwrite_to_replace()
    {
        var fs = Session(Permission.List | Permission.Download,
            ("/rw", Permission.Default), ("/rw/empty", Permission.List | Permission.Rename));
        var none = new RenameOptions(false);
        await Denied(() => fs.RenameAsync(P("/rw/file.txt"), P("/ro/x"), none, None));
        await Denied(() => fs.RenameAsync(P("/ro/file.txt"), P("/rw/x"), none, None));
        await fs.RenameAsync(P("/rw/file.txt"), P("/rw/empty/moved.txt"), none, None);
        await Put(Backend, "/rw/empty/taken.txt", "taken");
        await Denied(() => fs.RenameAsync(P("/rw/other.txt"), P("/rw/empty/taken.txt"), new RenameOptions(true), None));
        Assert.Equal("taken", await Read(Backend, "/rw/empty/taken.txt"));
        Assert.Equal("ro", await Read(Backend, "/ro/file.txt"));
    }

    [Fact]
    public async Task A_link_in_a_writable_folder_does_not_open_a_read_only_one()
    {
        await Backend.CreateSymbolicLinkAsync(P("/rw/to-file"), "/ro/file.txt", None);
        await Backend.CreateSymbolicLinkAsync(P("/rw/to-dir"), "../ro", None);
        var fs = Session(Permission.List | Permission.Download, ("/rw", Permission.All));
        Assert.Equal("ro", await Read(fs, "/rw/to-file"));
        Assert.Equal(["file.txt"], await Names(fs, "/rw/to-dir"));
        await Denied(() => Put(fs, "/rw/to-file", "x"));
        await Denied(() => Put(fs, "/rw/to-file", "x", Modify));
        await Denied(() => Put(fs, "/rw/to-dir/new.txt", "x"));
        await Denied(() => Put(fs, "/rw/to-dir/file.txt", "x"));
        await Denied(() => fs.DeleteFileAsync(P("/rw/to-dir/file.txt"), None));
        await Denied(() => fs.CreateDirectoryAsync(P("/rw/to-dir/sub"), null, None));
        await Denied(() => fs.SetPermissionsAsync(P("/rw/to-file"), 0x1FF, None));
        await Denied(() => fs.RenameAsync(P("/rw/other.txt"), P("/rw/to-dir/moved.txt"), new RenameOptions(false), None));
        Assert.Equal(["file.txt"], await Names(Backend, "/ro"));
        Assert.Equal("ro", await Read(Backend, "/ro/file.txt"));
        await Put(fs, "/rw/plain.txt", "fine"); // the same rules still allow writing where the file really is
    }

    [Theory]
    [InlineData(true, FileCreateMode.OpenOrCreate)]
    [InlineData(false, FileCreateMode.Replace)]
    public async Task A_dangling_link_cannot_create_a_file_in_a_read_only_folder(bool atomicUploads, FileCreateMode create)
    {
        await Backend.CreateSymbolicLinkAsync(P("/rw/dangling"), "/ro/planted.txt", None);
        var rules = new PermissionRules([(VirtualPath.Root, Permission.List | Permission.Download), (P("/rw"), Permission.All)], false);
        var options = new FileOpenOptions(FileAccessMode.Write, create);
        await RefusedOrNot(() => Put(Session(rules, atomicUploads), "/rw/dangling", "planted", options));
        Assert.Equal(["file.txt"], await Names(Backend, "/ro"));
    }

    [Fact]
    public async Task A_hard_link_cannot_be_used_to_write_to_a_read_only_file()
    {
        var fs = Session(Permission.List | Permission.Download, ("/rw", Permission.All));
        await RefusedOrNot(async () =>
        {
            await fs.CreateHardLinkAsync(P("/ro/file.txt"), P("/rw/alias"), None);
            await Put(fs, "/rw/alias", "changed", Modify);
        });
        Assert.Equal("ro", await Read(Backend, "/ro/file.txt"));
    }

    [Fact]
    public async Task A_replacing_upload_stays_hidden_until_commit_and_then_replaces_at_once()
    {
        var fs = Session(PermissionRules.Everything);
        await using var before = await Backend.OpenFileAsync(P("/rw/file.txt"), FileOpenOptions.ReadOnly, None);
        await using (var upload = await fs.OpenFileAsync(P("/rw/file.txt"), Replace, None))
        {
            await upload.WriteAsync(0, "brand new"u8.ToArray(), None);
            string temporary = Assert.Single(await Names(Backend, "/rw"), n => n.StartsWith(".mxpart-", StringComparison.Ordinal));
            Assert.Equal(Seeded, await Names(fs, "/rw"));
            Assert.Equal("old", await Read(Backend, "/rw/file.txt"));
            Assert.Equal("brand new", await Read(Backend, "/rw/" + temporary));
            await upload.CommitAsync(None);
            Assert.Equal("brand new", await Read(fs, "/rw/file.txt"));
        }

        Assert.Equal(Seeded, await Names(Backend, "/rw"));
        var buffer = new byte[16];
        int n = await before.ReadAsync(0, buffer, None); // a reader from before keeps the old file whole
        Assert.Equal("old", Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task An_upload_abandoned_without_commit_leaves_the_target_and_no_temporary()
    {
        var fs = Session(PermissionRules.Everything);
        foreach (string path in new[] { "/rw/file.txt", "/rw/fresh.txt" })
        {
            await using var upload = await fs.OpenFileAsync(P(path), Replace, None);
            await upload.WriteAsync(0, "half"u8.ToArray(), None);
        }

        Assert.Equal("old", await Read(Backend, "/rw/file.txt"));
        Assert.Equal(Seeded, await Names(Backend, "/rw"));
    }

    [Fact]
    public async Task Without_atomic_uploads_replace_writes_in_place()
    {
        var fs = Session(PermissionRules.Everything, atomicUploads: false);
        await using var upload = await fs.OpenFileAsync(P("/rw/file.txt"), Replace, None);
        await upload.WriteAsync(0, "direct"u8.ToArray(), None);
        Assert.Equal("direct", await Read(Backend, "/rw/file.txt"));
        Assert.DoesNotContain(await Names(Backend, "/rw"), n => n.StartsWith(".mxpart-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_temporary_names_are_reserved()
    {
        await Put(Backend, "/rw/.mxpart-0123456789abcdef", "someone's upload");
        var fs = Session(PermissionRules.Everything);
        Assert.Equal(Seeded, await Names(fs, "/rw"));
        foreach (var attempt in new Func<Task>[]
                 {
                     () => Read(fs, "/rw/.mxpart-0123456789abcdef"),
                     () => Put(fs, "/rw/.mxpart-0123456789abcdef", "x"),
                     () => Put(fs, "/rw/.mxpart-new", "x", Modify),
                     () => fs.RenameAsync(P("/rw/file.txt"), P("/rw/.mxpart-x"), new RenameOptions(true), None).AsTask(),
                     () => fs.RenameAsync(P("/rw/.mxpart-0123456789abcdef"), P("/rw/mine.txt"), new RenameOptions(true), None).AsTask(),
                 })
        {
            Assert.Equal(FsErrorKind.InvalidName, await ErrorOf(attempt));
        }

        Assert.Equal("someone's upload", await Read(Backend, "/rw/.mxpart-0123456789abcdef"));
        await Put(fs, "/rw/mxpart-is-fine", "ok");
    }
}

public sealed class MemorySessionFileSystemTests : SessionFileSystemTests<MemoryTestBackend>;

public sealed class LocalSessionFileSystemTests : SessionFileSystemTests<LocalTestBackend>;
