using MultiXfer.Auth;
using MultiXfer.Fsio;

namespace MultiXfer.Auth.Tests;

public sealed class UserStoreTests
{
    private static readonly string GoodHash = PasswordHasher.HashPbkdf2("pw", 10_000);

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    private static UserOptions Good() => new() { PasswordHash = GoodHash };

    private static List<string> Validate(string name, UserOptions user) =>
        UserStore.Validate(new Dictionary<string, UserOptions> { [name] = user });

    [Fact]
    public void A_good_entry_has_no_problems()
    {
        var user = Good();
        user.Home = "/srv/bob";
        user.Protocols = ["ftp", "sftp"];
        user.Permissions["/"] = "list, download";
        user.Permissions["/incoming"] = "*";
        Assert.Empty(Validate("bob", user));
    }

    [Theory]
    [InlineData("bob smith")]
    [InlineData("")]
    [InlineData("bob/../root")]
    [InlineData("bob:admin")]
    [InlineData("böb")]
    public void A_bad_user_name_is_reported_under_its_key(string name)
    {
        var problem = Assert.Single(Validate(name, Good()));
        Assert.StartsWith($"Users:{name}: user names", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("alice.smith_2-x@example.org", true)]
    [InlineData("A1", true)]
    [InlineData(" a", false)]
    [InlineData("a\tb", false)]
    [InlineData("a*", false)]
    public void User_names_are_letters_digits_and_a_few_marks(string name, bool valid)
    {
        Assert.Equal(valid, UserStore.IsValidUserName(name));
    }

    [Fact]
    public void User_names_are_at_most_64_characters()
    {
        Assert.True(UserStore.IsValidUserName(new string('u', 64)));
        Assert.False(UserStore.IsValidUserName(new string('u', 65)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plaintext")]
    [InlineData("$pbkdf2-sha512$i=1$AAAA$AAAA")]
    public void A_bad_hash_is_reported_under_its_key(string hash)
    {
        var problem = Assert.Single(Validate("bob", new UserOptions { PasswordHash = hash }));
        Assert.StartsWith("Users:bob:PasswordHash: ", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("srv/bob")]
    [InlineData("/bad\u0000name")]
    public void A_bad_home_is_reported_under_its_key(string home)
    {
        var user = Good();
        user.Home = home;
        var problem = Assert.Single(Validate("bob", user));
        Assert.StartsWith("Users:bob:Home: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_home_with_an_overlong_name_is_reported()
    {
        var user = Good();
        user.Home = "/" + new string('x', 256);
        var problem = Assert.Single(Validate("bob", user));
        Assert.StartsWith("Users:bob:Home: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_protocol_is_reported_by_name()
    {
        var user = Good();
        user.Protocols = ["ftp", "gopher"];
        var problem = Assert.Single(Validate("bob", user));
        Assert.StartsWith("Users:bob:Protocols: ", problem, StringComparison.Ordinal);
        Assert.Contains("'gopher'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_permission_is_reported_with_its_path()
    {
        var user = Good();
        user.Permissions["/pub"] = "list, fly";
        var problem = Assert.Single(Validate("bob", user));
        Assert.StartsWith("Users:bob:Permissions:/pub: ", problem, StringComparison.Ordinal);
        Assert.Contains("'fly'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_permission_path_is_reported()
    {
        var user = Good();
        user.Permissions["pub"] = "list";
        var problem = Assert.Single(Validate("bob", user));
        Assert.StartsWith("Users:bob:Permissions: ", problem, StringComparison.Ordinal);
        Assert.Contains("'pub'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_user_is_reported()
    {
        var users = new Dictionary<string, UserOptions>
        {
            ["ok"] = Good(),
            ["bad one"] = new() { PasswordHash = "x", Home = "rel", Protocols = ["smtp"] },
            ["carol"] = new() { PasswordHash = GoodHash, Permissions = { ["/a"] = "jump,list,swim" } },
        };
        var problems = UserStore.Validate(users);
        Assert.Equal(6, problems.Count);
        Assert.Equal(4, problems.Count(p => p.StartsWith("Users:bad one:", StringComparison.Ordinal)));
        Assert.Equal(2, problems.Count(p => p.StartsWith("Users:carol:Permissions:/a:", StringComparison.Ordinal)));
        Assert.DoesNotContain(problems, p => p.StartsWith("Users:ok", StringComparison.Ordinal));
    }

    [Fact]
    public void The_home_defaults_to_the_user_name()
    {
        var record = UserStore.FromOptions("bob", Good());
        Assert.Equal(P("/bob"), record.Account.Home);
        Assert.Equal("bob", record.Account.Name);
        Assert.False(record.Account.ReadOnly);
        Assert.False(record.Account.IsAnonymous);
    }

    [Fact]
    public void A_configured_home_is_normalised()
    {
        var user = Good();
        user.Home = "/srv//x/../bob/";
        Assert.Equal(P("/srv/bob"), UserStore.FromOptions("bob", user).Account.Home);
    }

    [Fact]
    public void Protocols_default_to_all_and_can_be_restricted()
    {
        var all = UserStore.FromOptions("bob", Good()).Account;
        foreach (string protocol in Protocols.All)
        {
            Assert.True(all.MayUse(protocol));
        }

        var user = Good();
        user.Protocols = ["sftp"];
        var restricted = UserStore.FromOptions("bob", user).Account;
        Assert.True(restricted.MayUse("sftp"));
        Assert.False(restricted.MayUse("ftp"));
        Assert.False(restricted.MayUse("SFTP"));
    }

    [Fact]
    public void The_stored_hash_is_parsed()
    {
        var record = UserStore.FromOptions("bob", Good());
        Assert.NotNull(record.Password);
        Assert.Equal(10_000, Assert.IsType<MultiXfer.Auth.Passwords.Pbkdf2Password>(record.Password).Iterations);
        Assert.True(record.Password.Verify("pw"));
    }

    [Fact]
    public void A_user_with_keys_may_have_no_password()
    {
        var options = Good();
        options.PasswordHash = "";
        Assert.Contains(UserStore.Validate(new Dictionary<string, UserOptions> { ["bob"] = options }), p => p.Contains("PasswordHash", StringComparison.Ordinal));

        options.AuthorizedKeys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbFN5RA3vQr4Qz1DYh0d5yj8w9T0S9oV6XGcT1l5yzE bob"];
        Assert.Empty(UserStore.Validate(new Dictionary<string, UserOptions> { ["bob"] = options }));
        Assert.Null(UserStore.FromOptions("bob", options).Password);
    }

    [Fact]
    public void Permission_rules_are_built_from_names()
    {
        var user = Good();
        user.Permissions["/"] = "list,download";
        user.Permissions["/incoming"] = " LIST , Upload,mkdir ";
        user.Permissions["/mine"] = "*";
        var rules = UserStore.FromOptions("bob", user).Account.Permissions;
        Assert.Equal(Permission.List | Permission.Download, rules.For(P("/anything")));
        Assert.Equal(Permission.List | Permission.Upload | Permission.CreateDirectory, rules.For(P("/incoming/x")));
        Assert.Equal(Permission.All, rules.For(P("/mine/deep/er")));
    }

    [Fact]
    public void Without_rules_a_user_gets_the_default()
    {
        var rules = UserStore.FromOptions("bob", Good()).Account.Permissions;
        Assert.Equal(Permission.Default, rules.For(P("/x")));
        Assert.True(rules.IsUniform);
    }

    [Fact]
    public void A_read_only_user_gets_no_write_permission_even_from_star()
    {
        var user = Good();
        user.ReadOnly = true;
        user.Permissions["/mine"] = "*";
        var account = UserStore.FromOptions("bob", user).Account;
        Assert.True(account.ReadOnly);
        Assert.Equal(Permission.List | Permission.Download, account.Permissions.For(P("/mine/x")));
        Assert.Equal(Permission.List | Permission.Download, account.Permissions.For(P("/other")));
    }

    [Fact]
    public async Task Users_are_found_by_exact_name()
    {
        var store = new UserStore([UserStore.FromOptions("bob", Good()), UserStore.FromOptions("alice", Good())]);
        Assert.Equal(2, store.Count);
        Assert.Equal("bob", (await store.FindAsync("bob", CancellationToken.None))?.Account.Name);
        Assert.Null(await store.FindAsync("Bob", CancellationToken.None));
        Assert.Null(await store.FindAsync("bob ", CancellationToken.None));
        Assert.Null(await store.FindAsync("", CancellationToken.None));
    }
}
