namespace MultiXfer.Scp.Tests;

/// <summary>
/// The exec line is split like a POSIX shell splits the quoting scp clients produce, and anything only a shell could
/// act on is refused: there is no shell behind this server, and none may be imitated.
/// </summary>
public sealed class ScpCommandLineTests
{
    [Theory]
    [InlineData("scp -t 'a b'", "a b")]
    [InlineData("scp -t \"a b\"", "a b")]
    [InlineData("scp -t a\\ b", "a b")]
    [InlineData("scp -t -- 'x'", "x")]
    [InlineData("scp -t -- -x", "-x")]
    [InlineData("scp -t -", "-")]
    [InlineData("scp -t 'it'\\''s'", "it's")]
    [InlineData("scp -t \"say \\\"hi\\\"\"", "say \"hi\"")]
    [InlineData("scp -t \"back\\\\slash\"", "back\\slash")]
    [InlineData("scp -t \"keep\\n\"", "keep\\n")]
    [InlineData("scp -t 'a'\"b\"c\\ d", "abc d")]
    [InlineData("scp -t '$HOME'", "$HOME")]
    [InlineData("scp -t 'Grüße 日本'", "Grüße 日本")]
    [InlineData("scp  -t\t  x  ", "x")]
    [InlineData("/usr/bin/scp -t x", "x")]
    [InlineData("scp -t ~/dir", "~/dir")]
    [InlineData("scp -t x*?", "x*?")]
    [InlineData("scp -t 'a&b'", "a&b")]
    public void Upload_target_is_unquoted(string line, string target)
    {
        var command = ScpCommandLine.Parse(line);
        Assert.True(command.Sink);
        Assert.Equal([target], command.Paths);
    }

    [Fact]
    public void OpenSsh_upload_form_with_every_flag()
    {
        var command = ScpCommandLine.Parse("scp -v -r -p -d -t -- /upload/dir");
        Assert.True(command.Sink);
        Assert.True(command.Recursive);
        Assert.True(command.PreserveTimes);
        Assert.True(command.TargetMustBeDirectory);
        Assert.Equal(["/upload/dir"], command.Paths);
    }

    [Fact]
    public void OpenSsh_download_form_with_several_paths()
    {
        var command = ScpCommandLine.Parse("scp -r -p -f a b");
        Assert.False(command.Sink);
        Assert.True(command.Recursive);
        Assert.True(command.PreserveTimes);
        Assert.False(command.TargetMustBeDirectory);
        Assert.Equal(["a", "b"], command.Paths);
    }

    [Fact]
    public void Grouped_flags_and_quiet_are_accepted()
    {
        var command = ScpCommandLine.Parse("scp -qrpf 'x y' z");
        Assert.False(command.Sink);
        Assert.True(command.Recursive);
        Assert.True(command.PreserveTimes);
        Assert.Equal(["x y", "z"], command.Paths);
    }

    [Fact]
    public void Without_flags_nothing_is_recursive_or_preserved()
    {
        var command = ScpCommandLine.Parse("scp -f file");
        Assert.False(command.Recursive);
        Assert.False(command.PreserveTimes);
        Assert.False(command.TargetMustBeDirectory);
    }

    [Fact]
    public void After_double_dash_a_dash_word_is_a_path_not_an_option()
    {
        var command = ScpCommandLine.Parse("scp -f -- -r");
        Assert.False(command.Recursive);
        Assert.Equal(["-r"], command.Paths);
    }

    [Theory]
    // Command separators, substitutions, pipes and redirections: a shell would run something else.
    [InlineData("scp -t '/x; touch /tmp/p'")]
    [InlineData("scp -t /x; touch /tmp/p")]
    [InlineData("scp -t x;id")]
    [InlineData("scp -t `id`")]
    [InlineData("scp -t '`id`'")]
    [InlineData("scp -t $(id)")]
    [InlineData("scp -t '$(id)'")]
    [InlineData("scp -t \"$(id)\"")]
    [InlineData("scp -t ${HOME}")]
    [InlineData("scp -t '${HOME}'")]
    [InlineData("scp -t $HOME")]
    [InlineData("scp -t \"$HOME\"")]
    [InlineData("scp -t x$")]
    [InlineData("scp -f x | cat")]
    [InlineData("scp -f x || id")]
    [InlineData("scp -f x && id")]
    [InlineData("scp -f x > /tmp/p")]
    [InlineData("scp -f x >> /tmp/p")]
    [InlineData("scp -t x < /etc/passwd")]
    [InlineData("scp -t x\ntouch /tmp/p")]
    [InlineData("scp -t x\rtouch /tmp/p")]
    // Quoting that does not end.
    [InlineData("scp -t 'x")]
    [InlineData("scp -t \"x")]
    [InlineData("scp -t x\\")]
    // Usage errors.
    [InlineData("scp -t")]
    [InlineData("scp -f")]
    [InlineData("scp x")]
    [InlineData("scp")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("scp -t -f x")]
    [InlineData("scp -tf x")]
    [InlineData("scp -t a b")]
    [InlineData("scp -t ''")]
    [InlineData("scp -f a ''")]
    [InlineData("scp -x -t a")]
    [InlineData("scp -S /bin/sh -t a")]
    [InlineData("scp -o ProxyCommand=id -t a")]
    [InlineData("scp -3 -t a")]
    [InlineData("scp -T -f a")]
    // Not scp at all.
    [InlineData("sh -c 'scp -t x'")]
    [InlineData("bash -c scp")]
    [InlineData("scpx -t a")]
    [InlineData("'sh' -t a")]
    [InlineData("rsync --server -t a")]
    [InlineData("cat /etc/passwd")]
    public void Refused(string line)
    {
        Assert.Throws<ScpUsageException>(() => ScpCommandLine.Parse(line));
    }

    [Fact]
    public void A_line_over_the_limit_is_refused()
    {
        Assert.Throws<ScpUsageException>(() => ScpCommandLine.Parse("scp -t " + new string('a', ScpCommandLine.MaxLength)));
    }

    [Fact]
    public void A_long_line_under_the_limit_is_accepted()
    {
        string path = new('a', ScpCommandLine.MaxLength - 10);
        Assert.Equal([path], ScpCommandLine.Parse("scp -t " + path).Paths);
    }

    [Fact]
    public void Shell_refusals_say_why()
    {
        var e = Assert.Throws<ScpUsageException>(() => ScpCommandLine.Parse("scp -t '/x; touch /tmp/p'"));
        Assert.Contains("shell", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ScpUsageException>(() => ScpCommandLine.Parse("sh -c 'scp -t x'"));
        Assert.Contains("only scp", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The class promises to refuse "any line that would need a shell to mean what it says". A lone '&amp;' is the shell's
    /// background operator: "scp -f a &amp; touch p" means "run scp, and also touch p". It is parsed as a download of four
    /// paths ("a", "&amp;", "touch", "p") instead. Nothing is executed either way; this checks the promise.
    /// </summary>
    [Theory]
    [InlineData("scp -f a & touch p")]
    [InlineData("scp -f a &")]
    public void A_lone_ampersand_is_shell_syntax_and_refused(string line)
    {
        Assert.Throws<ScpUsageException>(() => ScpCommandLine.Parse(line));
    }
}
