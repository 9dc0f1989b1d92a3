using MultiXfer.Fsio;

namespace MultiXfer.Fsio.Tests;

public sealed class VirtualPathTests
{
    private static VirtualPath At(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    [Theory]
    [InlineData("../x", "/x")]
    [InlineData("/../x", "/x")]
    [InlineData("/./../x", "/x")]
    [InlineData("//../x", "/x")]
    [InlineData("a/b/../../../x", "/x")]
    [InlineData("/testdir/testdir2/../../..", "/")]
    [InlineData("..\\x", "/x")]
    [InlineData("..\\..\\..\\etc\\passwd", "/etc/passwd")]
    [InlineData("/../u10/secret", "/u10/secret")]
    [InlineData("a//b///c/", "/a/b/c")]
    [InlineData("./a/./b/.", "/a/b")]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("...", "/...")]
    [InlineData("..a", "/..a")]
    public void Traversal_never_leaves_the_root(string input, string expected)
    {
        Assert.Equal(expected, At(input).Value);
    }

    [Theory]
    [InlineData("..", "/a")]
    [InlineData("../../..", "/")]
    [InlineData("c", "/a/b/c")]
    [InlineData("../c", "/a/c")]
    [InlineData("/c", "/c")]
    [InlineData("", "/a/b")]
    public void Relative_paths_resolve_against_the_current_directory(string input, string expected)
    {
        Assert.Equal(expected, VirtualPath.Resolve(At("/a/b"), input).Value);
    }

    [Theory]
    [InlineData("x\0y")]
    [InlineData("a/\0")]
    [InlineData("line\r\nbreak")]
    [InlineData("tab\there")]
    [InlineData("del\u007f")]
    public void Control_characters_and_NUL_are_refused(string input)
    {
        var e = Assert.Throws<FsException>(() => At(input));
        Assert.Equal(FsErrorKind.InvalidName, e.Kind);
    }

    [Fact]
    public void Overlong_names_and_paths_are_refused()
    {
        Assert.Equal(FsErrorKind.InvalidName, Assert.Throws<FsException>(() => At(new string('n', 256))).Kind);
        Assert.Equal("/" + new string('n', 255), At(new string('n', 255)).Value);

        // 255 two-byte characters are 510 UTF-8 bytes: over NAME_MAX although only 255 chars.
        Assert.Equal(FsErrorKind.InvalidName, Assert.Throws<FsException>(() => At(new string('é', 255))).Kind);

        string deep = string.Join('/', Enumerable.Repeat(new string('d', 200), 25));
        Assert.Equal(FsErrorKind.InvalidName, Assert.Throws<FsException>(() => At(deep)).Kind);
        Assert.Equal(FsErrorKind.InvalidName, Assert.Throws<FsException>(() => At(new string('/', 8192) + "x")).Kind);
    }

    [Fact]
    public void A_huge_dot_dot_chain_stays_at_the_root_without_error()
    {
        string chain = string.Concat(Enumerable.Repeat("../", 1300)) + "etc/passwd";
        Assert.Equal("/etc/passwd", At(chain).Value);
    }

    [Fact]
    public void Parent_name_and_ancestry_are_lexical()
    {
        var path = At("/a/b/c");
        Assert.Equal("/a/b", path.Parent.Value);
        Assert.Equal("c", path.Name);
        Assert.Equal(VirtualPath.Root, VirtualPath.Root.Parent);
        Assert.True(path.IsSameOrUnder(At("/a")));
        Assert.True(path.IsSameOrUnder(VirtualPath.Root));
        Assert.False(At("/u10/secret").IsSameOrUnder(At("/u1")));
        Assert.False(At("/ab").IsSameOrUnder(At("/a")));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a\nb", false)]
    [InlineData("name with spaces", true)]
    [InlineData("ünïcødé", true)]
    public void Single_names_are_validated(string name, bool valid)
    {
        Assert.Equal(valid, VirtualPath.IsValidName(name));
    }
}
