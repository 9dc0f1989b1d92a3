namespace MultiXfer.Scp.Tests;

/// <summary>fnmatch-style * and ? (no brackets), with a leading '.' matched only literally, as a shell glob does.</summary>
public sealed class WildcardTests
{
    [Theory]
    [InlineData("*", "a")]
    [InlineData("*", "abc.txt")]
    [InlineData("*.txt", "a.txt")]
    [InlineData("*.txt", ".txt.txt", false)]
    [InlineData("*.txt", "a.txt.gz", false)]
    [InlineData("a*", "a")]
    [InlineData("a*b", "ab")]
    [InlineData("a*b", "axxb")]
    [InlineData("a*b", "axxbxb")]
    [InlineData("a*b", "axxbx", false)]
    [InlineData("a*b*c", "abc")]
    [InlineData("a*b*c", "a-b-b-c-c")]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("?", "a")]
    [InlineData("?", "", false)]
    [InlineData("?", "ab", false)]
    [InlineData("??", "ab")]
    [InlineData("a?c", "abc")]
    [InlineData("a?c", "ac", false)]
    [InlineData("*?", "a")]
    [InlineData("*?", "", false)]
    [InlineData("**", "anything")]
    [InlineData("*", "")]
    [InlineData("", "")]
    [InlineData("", "a", false)]
    [InlineData("abc", "abc")]
    [InlineData("abc", "ABC", false)]
    [InlineData("abc", "abcd", false)]
    [InlineData("日*", "日本語")]
    [InlineData("?本?", "日本語")]
    [InlineData("a b*", "a b c")]
    [InlineData("[ab]", "[ab]")]
    [InlineData("[ab]", "a", false)]
    // A leading dot is never matched by a wildcard ...
    [InlineData("*", ".hidden", false)]
    [InlineData("?hidden", ".hidden", false)]
    [InlineData("*hidden", ".hidden", false)]
    // ... only by a literal dot.
    [InlineData(".*", ".hidden")]
    [InlineData(".h?dden", ".hidden")]
    // Dots elsewhere are ordinary.
    [InlineData("a*", "a.b.c")]
    [InlineData("*c", "a.b.c")]
    public void Matches(string pattern, string name, bool expected = true)
    {
        Assert.Equal(expected, Wildcard.Matches(pattern, name));
    }

    [Fact]
    public void Long_pathological_pattern_finishes_quickly()
    {
        string name = new string('a', 5000) + "b";
        string pattern = string.Concat(Enumerable.Repeat("*a", 100)) + "c";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Wildcard.Matches(pattern, name));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
