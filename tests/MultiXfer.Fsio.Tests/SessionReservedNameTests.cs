using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Fsio.Memory;
using MultiXfer.Fsio.Session;

namespace MultiXfer.Fsio.Tests;

/// <summary>The upload-temporary prefix is the server's, and refusals do not reveal what exists.</summary>
public sealed class SessionReservedNameTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    private static (SessionFileSystem Session, IFileSystem Backend) Create(PermissionRules rules)
    {
        var backend = new MemoryStorage().OpenRoot(P("/u"));
        return (new SessionFileSystem(backend, rules, new UploadPolicy(Atomic: true, Fsync: false), NullLogger.Instance), backend);
    }

    [Fact]
    public async Task No_operation_creates_a_name_with_the_upload_prefix()
    {
        var (session, _) = Create(new PermissionRules([(VirtualPath.Root, Permission.All)], readOnly: false));
        await using var file = await session.OpenFileAsync(P("/f"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), None);
        await file.CommitAsync(None);

        async Task<FsErrorKind> Kind(Func<Task> action) => (await Assert.ThrowsAsync<FsException>(action)).Kind;
        Assert.Equal(FsErrorKind.InvalidName, await Kind(() => session.CreateDirectoryAsync(P("/.mxpart-dir"), null, None).AsTask()));
        Assert.Equal(FsErrorKind.InvalidName, await Kind(() => session.CreateSymbolicLinkAsync(P("/.mxpart-s"), "f", None).AsTask()));
        Assert.Equal(FsErrorKind.InvalidName, await Kind(() => session.CreateHardLinkAsync(P("/f"), P("/.mxpart-h"), None).AsTask()));
        Assert.Equal(FsErrorKind.InvalidName, await Kind(() =>
            session.RenameAsync(P("/f"), P("/.mxpart-r"), new RenameOptions(false), None).AsTask()));
        Assert.Equal(FsErrorKind.InvalidName, await Kind(() =>
            session.OpenFileAsync(P("/.mxpart-o"), FileOpenOptions.ReadOnly, None).AsTask()));
    }

    [Fact]
    public async Task A_user_without_upload_rights_learns_nothing_about_what_exists()
    {
        var (session, backend) = Create(new PermissionRules([(VirtualPath.Root, Permission.List)], readOnly: false));
        await backend.CreateDirectoryAsync(P("/existing-dir"), null, None);
        var write = new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace);
        var onDirectory = await Assert.ThrowsAsync<FsException>(() => session.OpenFileAsync(P("/existing-dir"), write, None).AsTask());
        var onMissing = await Assert.ThrowsAsync<FsException>(() => session.OpenFileAsync(P("/missing"), write, None).AsTask());
        Assert.Equal(FsErrorKind.PermissionDenied, onDirectory.Kind);
        Assert.Equal(onMissing.Kind, onDirectory.Kind);
    }
}
