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
    // '\' is a character of a name, not a separator: these are single names inside the root.
    [InlineData("..\\x", "/..\\x")]
    [InlineData("..\\..\\..\\etc\\passwd", "/..\\..\\..\\etc\\passwd")]
    [InlineData("../..\\../x", "/..\\../x")]
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
    public void NUL_is_refused(string input)
    {
        var e = Assert.Throws<FsException>(() => At(input));
        Assert.Equal(FsErrorKind.InvalidName, e.Kind);
    }

    /// <summary>POSIX names may hold any byte but '/' and NUL; OpenSSH's own tests create such names.</summary>
    [Theory]
    [InlineData("/line\r\nbreak")]
    [InlineData("/tab\there")]
    [InlineData("/del\u007f")]
    [InlineData("/a\\b")]
    public void Other_characters_are_part_of_a_name(string input) => Assert.Equal(input, At(input).Value);

    [Fact]
    public void Control_characters_are_escaped_where_a_path_is_shown_in_logs_and_messages()
    {
        Assert.Equal("/new\\x0aline\\x1b[31m", At("/new\nline\u001b[31m").ToString());
        Assert.Equal("/plain\\name", At("/plain\\name").ToString());
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
    [InlineData("a\0b", false)]
    [InlineData("a\\b", true)]
    [InlineData("a\nb", true)]
    [InlineData("name with spaces", true)]
    [InlineData("ünïcødé", true)]
    public void Single_names_are_validated(string name, bool valid)
    {
        Assert.Equal(valid, VirtualPath.IsValidName(name));
    }
}
