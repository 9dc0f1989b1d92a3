using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Listing;

namespace MultiXfer.Ftp.Tests;

public sealed class UnixListFormatterTests
{
    private static readonly DateTime Now = new(2024, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    private static FileStatus Status(FileType type = FileType.Regular, int mode = 0x1A4, long size = 1234, DateTime? modified = null,
        long links = 1) => new()
    {
        Type = type,
        Size = size,
        Permissions = mode,
        ModifiedUtc = modified ?? new DateTime(2024, 5, 20, 14, 42, 5, DateTimeKind.Utc),
        AccessedUtc = Now,
        LinkCount = links,
        OwnerId = 1000,
        GroupId = 1000,
    };

    [Fact]
    public void A_recent_file_shows_the_time()
    {
        Assert.Equal("-rw-r--r--    1 ftp      ftp              1234 May 20 14:42 notes.txt",
            UnixListFormatter.Format("notes.txt", Status(), null, Now));
    }

    [Theory]
    [InlineData(2023, 1, 5)]
    [InlineData(2023, 12, 1)] // a little over six months ago
    [InlineData(2025, 1, 5)] // in the future
    public void An_old_or_future_file_shows_the_year(int year, int month, int day)
    {
        var modified = new DateTime(year, month, day, 9, 30, 0, DateTimeKind.Utc);
        string expected = $"-rw-r--r--    1 ftp      ftp              1234 {modified:MMM dd}  {year} old.txt";
        Assert.Equal(expected, UnixListFormatter.Format("old.txt", Status(modified: modified), null, Now));
    }

    [Fact]
    public void Directories_and_links_have_their_type_letter()
    {
        Assert.Equal("drwxr-xr-x    3 ftp      ftp              4096 May 20 14:42 sub",
            UnixListFormatter.Format("sub", Status(FileType.Directory, 0x1ED, 4096, links: 3), null, Now));
        Assert.Equal("lrwxrwxrwx    1 ftp      ftp                 8 May 20 14:42 latest -> v2/a b.txt",
            UnixListFormatter.Format("latest", Status(FileType.SymbolicLink, 0x1FF, 8), "v2/a b.txt", Now));
        Assert.StartsWith("-", UnixListFormatter.Mode(Status(FileType.Special)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x000, "----------")]
    [InlineData(0x1FF, "-rwxrwxrwx")]
    [InlineData(0x9ED, "-rwsr-xr-x")] // 04755
    [InlineData(0x9A4, "-rwSr--r--")] // 04644
    [InlineData(0x5ED, "-rwxr-sr-x")] // 02755
    [InlineData(0x5A4, "-rw-r-Sr--")] // 02644
    [InlineData(0x3FF, "-rwxrwxrwt")] // 01777
    [InlineData(0x3FE, "-rwxrwxrwT")] // 01776
    [InlineData(0xFFF, "-rwsrwsrwt")] // 07777
    [InlineData(0x124, "-r--r--r--")]
    public void Mode_letters_include_setuid_setgid_and_sticky(int mode, string expected)
    {
        Assert.Equal(expected, UnixListFormatter.Mode(Status(mode: mode)));
    }

    [Theory]
    [InlineData("plain", true)]
    [InlineData("with space", true)]
    [InlineData("ünï", true)]
    [InlineData("line\nbreak", false)]
    [InlineData("carriage\rreturn", false)]
    public void Names_that_would_break_lines_are_not_listable(string name, bool listable)
    {
        Assert.Equal(listable, UnixListFormatter.IsListable(name));
    }
}

public sealed class MlstFactsTests
{
    private static readonly FileStatus File = new()
    {
        Type = FileType.Regular,
        Size = 1234,
        Permissions = 0x1A4,
        ModifiedUtc = new DateTime(2024, 5, 20, 14, 42, 5, DateTimeKind.Utc),
        AccessedUtc = DateTime.UnixEpoch,
        Device = 0x801,
        Inode = 0x1F,
    };

    private static readonly FileStatus Dir = new()
    {
        Type = FileType.Directory,
        Size = 4096,
        Permissions = 0x1ED,
        ModifiedUtc = new DateTime(2023, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        AccessedUtc = DateTime.UnixEpoch,
        Device = 0x801,
        Inode = 0x20,
    };

    [Theory]
    [InlineData("type;size;", "type;size;")]
    [InlineData("Type;SIZE;bogus;unix.mode", "type;size;unix.mode;")]
    [InlineData(" modify ; perm ;;", "modify;perm;")]
    [InlineData("unknown;", "")]
    [InlineData("", "")]
    public void Parse_selects_only_known_facts(string list, string selected)
    {
        Assert.Equal(selected, MlstFacts.Parse(list).SelectedList);
    }

    [Fact]
    public void The_feature_line_lists_every_fact_and_stars_the_selected()
    {
        Assert.Equal("MLST type*;size*;modify;perm;unique;unix.mode;", MlstFacts.Parse("type;size;").FeatureLine);
        Assert.Equal("MLST type*;size*;modify*;perm*;unique*;unix.mode*;", MlstFacts.Default.FeatureLine);
        Assert.Equal("MLST type;size;modify;perm;unique;unix.mode;", MlstFacts.Parse("").FeatureLine);
    }

    [Fact]
    public void A_file_shows_every_fact()
    {
        Assert.Equal("type=file;size=1234;modify=20240520144205;perm=adfrw;unique=801g1f;unix.mode=0644; notes.txt",
            MlstFacts.Default.Format("notes.txt", File, Permission.Default));
    }

    [Fact]
    public void A_directory_has_no_size_and_directory_perm_letters()
    {
        Assert.Equal("type=dir;modify=20230102030405;perm=cdelfmp;unique=801g20;unix.mode=0755; sub",
            MlstFacts.Default.Format("sub", Dir, Permission.Default));
        Assert.Equal("type=cdir;perm=el; /pub", MlstFacts.Parse("type;size;perm").Format("/pub", Dir, Permission.List, "cdir"));
    }

    [Theory]
    [InlineData(Permission.List | Permission.Download, "r", "el")]
    [InlineData(Permission.Upload, "", "c")]
    [InlineData(Permission.Upload | Permission.Overwrite, "aw", "c")]
    [InlineData(Permission.Delete | Permission.Rename, "df", "fp")]
    [InlineData(Permission.CreateDirectory | Permission.DeleteDirectory, "", "dm")]
    [InlineData(Permission.None, "", "")]
    public void Perm_letters_follow_what_the_user_may_do(Permission granted, string file, string directory)
    {
        var perm = MlstFacts.Parse("perm");
        Assert.Equal($"perm={file}; f", perm.Format("f", File, granted));
        Assert.Equal($"perm={directory}; d", perm.Format("d", Dir, granted));
    }

    [Fact]
    public void Only_selected_facts_are_formatted()
    {
        Assert.Equal("size=1234; f", MlstFacts.Parse("size").Format("f", File, Permission.All));
        Assert.Equal(" f", MlstFacts.Parse("").Format("f", File, Permission.All));
        Assert.Equal(" d", MlstFacts.Parse("size").Format("d", Dir, Permission.All));
        var link = new FileStatus
        {
            Type = FileType.SymbolicLink, Size = 3, Permissions = 0x1FF, ModifiedUtc = default, AccessedUtc = default,
        };
        Assert.Equal("type=OS.unix=symlink; l", MlstFacts.Parse("type").Format("l", link, Permission.All));
    }
}
