using System.Diagnostics;
using MultiXfer.Ftp.Listing;
using MultiXfer.Fsio;

namespace MultiXfer.Ftp.Tests;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("file.txt", "*.txt", true)]
    [InlineData("file.txt", "*", true)]
    [InlineData("file.txt", "file.txt", true)]
    [InlineData("file.txt", "?ile.???", true)]
    [InlineData("file.txt", "f*e*t", true)]
    [InlineData("file.txt", "*.TXT", false)]
    [InlineData("file.txt", "*.tx", false)]
    [InlineData("file.txt", "?file.txt", false)]
    [InlineData("file.txt", "file.txt?", false)]
    [InlineData("xaybzc", "*a*b*c", true)]
    [InlineData("xaybzc", "*a*b*c*", true)]
    [InlineData("xaybz", "*a*b*c*", false)]
    [InlineData("abcabcabd", "*abd", true)]
    [InlineData("aaa", "a**a", true)]
    [InlineData("", "", true)]
    [InlineData("", "*", true)]
    [InlineData("", "?", false)]
    [InlineData("a", "", false)]
    public void Stars_and_question_marks_match_as_in_a_shell(string name, string pattern, bool matches)
    {
        Assert.Equal(matches, NamePattern.Matches(name, pattern));
    }

    [Theory]
    [InlineData("*x", "*")]
    [InlineData("a*b", "a*")]
    [InlineData("a*b", "*b")]
    [InlineData("2*3=6", "2*")]
    public void A_star_in_the_name_is_still_matched_by_a_star_in_the_pattern(string name, string pattern)
    {
        // '*' is a legal character in a Unix file name; the pattern's star must stay a wildcard when it meets one.
        Assert.True(NamePattern.Matches(name, pattern));
    }

    [Fact]
    public void Pathological_patterns_finish_quickly()
    {
        string name = new('a', 255);
        var watch = Stopwatch.StartNew();
        Assert.False(NamePattern.Matches(name, new string('*', 100) + "b"));
        Assert.False(NamePattern.Matches(name, string.Concat(Enumerable.Repeat("a*", 100)) + "b"));
        Assert.True(NamePattern.Matches(name, string.Concat(Enumerable.Repeat("*a", 100)) + "*"));
        for (int i = 0; i < 100; i++)
        {
            NamePattern.Matches(name, string.Concat(Enumerable.Repeat("?*", 120)) + "b");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("*.txt", true)]
    [InlineData("a?", true)]
    [InlineData("plain", false)]
    [InlineData("[abc]", false)]
    public void Only_star_and_question_mark_are_wildcards(string segment, bool wild)
    {
        Assert.Equal(wild, NamePattern.HasWildcards(segment));
    }
}

public sealed class ListArgumentsTests
{
    [Theory]
    [InlineData("-la /path", true, false, "/path")]
    [InlineData("-a", true, false, "")]
    [InlineData("-A sub", true, false, "sub")]
    [InlineData("-l", false, false, "")]
    [InlineData("-l -a x", true, false, "x")]
    [InlineData("-d dir", false, true, "dir")]
    [InlineData("-ld", false, true, "")]
    [InlineData("  -la   /a b ", true, false, "/a b ")]
    [InlineData("", false, false, "")]
    [InlineData("/path", false, false, "/path")]
    [InlineData("name with spaces", false, false, "name with spaces")]
    [InlineData("-my file", false, false, "file")] // documented: letters after '-' are options; use ./-my to name it
    public void Leading_letter_options_are_taken_and_the_rest_is_the_path(string argument, bool all, bool directory, string path)
    {
        Assert.Equal(new ListArguments(all, directory, path), ListArguments.Parse(argument));
    }

    [Theory]
    [InlineData("-")]
    [InlineData("--")]
    [InlineData("-foo.txt")]
    [InlineData("./-la")]
    public void Names_starting_with_a_dash_that_are_not_options_stay_names(string argument)
    {
        var parsed = ListArguments.Parse(argument);
        Assert.Equal(argument, parsed.Path);
        Assert.False(parsed.ShowHidden);
    }
}
