using System.Globalization;
using System.Text;
using MultiXfer.Auth;
using MultiXfer.Fsio;

namespace MultiXfer.Ftp.Listing;

[Flags]
internal enum MlstFact
{
    None = 0,
    Type = 1,
    Size = 2,
    Modify = 4,
    Perm = 8,
    Unique = 16,
    UnixMode = 32,
    All = Type | Size | Modify | Perm | Unique | UnixMode,
}

/// <summary>The facts MLST/MLSD report (RFC 3659 section 7), selectable with OPTS MLST.</summary>
internal readonly record struct MlstFacts(MlstFact Selected)
{
    private static readonly (string Name, MlstFact Fact)[] Names =
    [
        ("type", MlstFact.Type), ("size", MlstFact.Size), ("modify", MlstFact.Modify),
        ("perm", MlstFact.Perm), ("unique", MlstFact.Unique), ("unix.mode", MlstFact.UnixMode),
    ];

    public static MlstFacts Default => new(MlstFact.All);

    /// <summary>The FEAT line: every fact, the selected ones marked with '*'.</summary>
    public string FeatureLine
    {
        get
        {
            var selected = Selected;
            return "MLST " + string.Concat(Names.Select(n => n.Name + ((selected & n.Fact) != 0 ? "*;" : ";")));
        }
    }

    public string SelectedList
    {
        get
        {
            var selected = Selected;
            return string.Concat(Names.Where(n => (selected & n.Fact) != 0).Select(n => n.Name + ";"));
        }
    }

    /// <summary>OPTS MLST fact;fact;: unknown facts are ignored, as RFC 3659 section 7.9 requires.</summary>
    public static MlstFacts Parse(string list)
    {
        var selected = MlstFact.None;
        foreach (string name in list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var (known, fact) in Names)
            {
                if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
                {
                    selected |= fact;
                }
            }
        }

        return new MlstFacts(selected);
    }

    /// <summary>"fact=value;...; name" for one entry. <paramref name="typeOverride"/> gives cdir/pdir.</summary>
    public string Format(string name, FileStatus status, Permission granted, string? typeOverride = null)
    {
        var line = new StringBuilder(96);
        if ((Selected & MlstFact.Type) != 0)
        {
            line.Append("type=").Append(typeOverride ?? TypeOf(status)).Append(';');
        }

        if ((Selected & MlstFact.Size) != 0 && !status.IsDirectory)
        {
            line.Append("size=").Append(status.Size.ToString(CultureInfo.InvariantCulture)).Append(';');
        }

        if ((Selected & MlstFact.Modify) != 0)
        {
            line.Append("modify=").Append(status.ModifiedUtc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)).Append(';');
        }

        if ((Selected & MlstFact.Perm) != 0)
        {
            line.Append("perm=").Append(PermOf(status, granted)).Append(';');
        }

        if ((Selected & MlstFact.Unique) != 0)
        {
            line.Append("unique=").Append(status.Device.ToString("x", CultureInfo.InvariantCulture)).Append('g')
                .Append(status.Inode.ToString("x", CultureInfo.InvariantCulture)).Append(';');
        }

        if ((Selected & MlstFact.UnixMode) != 0)
        {
            line.Append("unix.mode=0").Append(Convert.ToString(status.Permissions, 8)).Append(';');
        }

        return line.Append(' ').Append(name).ToString();
    }

    private static string TypeOf(FileStatus status) => status.Type switch
    {
        FileType.Regular => "file",
        FileType.Directory => "dir",
        FileType.SymbolicLink => "OS.unix=symlink",
        _ => "OS.unix=special",
    };

    /// <summary>RFC 3659 section 7.5.5 perm letters, from what this user may do there.</summary>
    private static string PermOf(FileStatus status, Permission granted)
    {
        var perm = new StringBuilder(8);
        bool Has(Permission p) => (granted & p) == p;
        if (status.IsDirectory)
        {
            if (Has(Permission.Upload)) perm.Append('c');
            if (Has(Permission.DeleteDirectory)) perm.Append('d');
            if (Has(Permission.List)) perm.Append("el");
            if (Has(Permission.Rename)) perm.Append('f');
            if (Has(Permission.CreateDirectory)) perm.Append('m');
            if (Has(Permission.Delete)) perm.Append('p');
        }
        else
        {
            if (Has(Permission.Upload | Permission.Overwrite)) perm.Append('a');
            if (Has(Permission.Delete)) perm.Append('d');
            if (Has(Permission.Rename)) perm.Append('f');
            if (Has(Permission.Download)) perm.Append('r');
            if (Has(Permission.Upload | Permission.Overwrite)) perm.Append('w');
        }

        return perm.ToString();
    }
}
