using MultiXfer.Auth;
using MultiXfer.Fsio;

namespace MultiXfer.Auth.Tests;

public sealed class PermissionRulesTests
{
    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    private static PermissionRules Rules(bool readOnly, params (string Path, Permission Granted)[] rules) =>
        new(rules.Select(r => (P(r.Path), r.Granted)), readOnly);

    [Fact]
    public void The_longest_containing_rule_wins_whatever_the_order_given()
    {
        var rules = Rules(false,
            ("/pub/in", Permission.Upload),
            ("/", Permission.List),
            ("/pub", Permission.List | Permission.Download));

        Assert.Equal(Permission.Upload, rules.For(P("/pub/in")));
        Assert.Equal(Permission.Upload, rules.For(P("/pub/in/deep/file")));
        Assert.Equal(Permission.List | Permission.Download, rules.For(P("/pub")));
        Assert.Equal(Permission.List | Permission.Download, rules.For(P("/pub/other")));
        Assert.Equal(Permission.List, rules.For(P("/elsewhere")));
        Assert.Equal(Permission.List, rules.For(VirtualPath.Root));
    }

    [Fact]
    public void A_rule_covers_whole_segments_only()
    {
        var rules = Rules(false, ("/", Permission.List), ("/pub", Permission.All));
        Assert.Equal(Permission.List, rules.For(P("/public")));
        Assert.Equal(Permission.List, rules.For(P("/pub2/x")));
        Assert.Equal(Permission.List, rules.For(P("/pu")));
        Assert.Equal(Permission.All, rules.For(P("/pub/lic")));
    }

    [Fact]
    public void Read_only_strips_every_write_permission()
    {
        var rules = Rules(true, ("/", Permission.All), ("/in", Permission.Upload | Permission.List));
        Assert.Equal(Permission.List | Permission.Download, rules.For(P("/x")));
        Assert.Equal(Permission.List, rules.For(P("/in/x")));
        foreach (var write in Enum.GetValues<Permission>().Where(p => p != Permission.None && (Permission.Writes & p) == p))
        {
            Assert.False(rules.Allows(P("/x"), write), write.ToString());
        }
    }

    [Fact]
    public void Without_a_root_rule_the_root_gets_the_default()
    {
        var rules = Rules(false, ("/pub", Permission.List));
        Assert.Equal(Permission.Default, rules.For(P("/other")));
        Assert.Equal(Permission.List, rules.For(P("/pub/x")));

        var readOnly = Rules(true, ("/pub", Permission.All));
        Assert.Equal(Permission.List | Permission.Download, readOnly.For(P("/other")));
    }

    [Fact]
    public void The_default_grants_everything_but_links()
    {
        var everything = PermissionRules.Everything;
        Assert.Equal(Permission.Default, everything.For(P("/any/where")));
        Assert.Equal(Permission.All & ~Permission.Link, Permission.Default);
        Assert.False(everything.Allows(P("/x"), Permission.Link));
        Assert.True(everything.Allows(P("/x"), Permission.Upload | Permission.Overwrite | Permission.Delete));
        Assert.True(everything.Allows(P("/x"), Permission.DeleteDirectory | Permission.ChangeMode | Permission.ChangeTimes));
    }

    [Fact]
    public void Allows_needs_every_requested_bit()
    {
        var rules = Rules(false, ("/", Permission.Upload));
        Assert.True(rules.Allows(P("/f"), Permission.Upload));
        Assert.False(rules.Allows(P("/f"), Permission.Upload | Permission.Overwrite));
        Assert.True(rules.Allows(P("/f"), Permission.None));
    }

    [Fact]
    public void Only_a_single_rule_for_the_whole_tree_is_uniform()
    {
        Assert.True(PermissionRules.Everything.IsUniform);
        Assert.True(Rules(false, ("/", Permission.List)).IsUniform);
        Assert.True(Rules(true).IsUniform);
        Assert.False(Rules(false, ("/pub", Permission.List)).IsUniform);
        Assert.False(Rules(false, ("/", Permission.List), ("/pub", Permission.All)).IsUniform);
    }

    [Theory]
    [InlineData("list", Permission.List)]
    [InlineData("DOWNLOAD", Permission.Download)]
    [InlineData(" upload ", Permission.Upload)]
    [InlineData("overwrite", Permission.Overwrite)]
    [InlineData("delete", Permission.Delete)]
    [InlineData("rename", Permission.Rename)]
    [InlineData("mkdir", Permission.CreateDirectory)]
    [InlineData("rmdir", Permission.DeleteDirectory)]
    [InlineData("chmod", Permission.ChangeMode)]
    [InlineData("chtimes", Permission.ChangeTimes)]
    [InlineData("symlink", Permission.Link)]
    [InlineData("*", Permission.All)]
    public void Permission_names_parse_case_insensitively(string name, Permission expected)
    {
        Assert.True(PermissionNames.TryParse(name, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("all")]
    [InlineData("read")]
    [InlineData("list,download")]
    public void Unknown_permission_names_do_not_parse(string name)
    {
        Assert.False(PermissionNames.TryParse(name, out var parsed));
        Assert.Equal(Permission.None, parsed);
    }
}
