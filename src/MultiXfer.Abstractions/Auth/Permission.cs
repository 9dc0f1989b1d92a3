namespace MultiXfer.Auth;

/// <summary>What a user may do under a path. Names in configuration are the lower-case words in the comments.</summary>
[Flags]
public enum Permission
{
    None = 0,
    /// <summary>list: read directory listings and file status.</summary>
    List = 1 << 0,
    /// <summary>download: read file content.</summary>
    Download = 1 << 1,
    /// <summary>upload: create files and write new content.</summary>
    Upload = 1 << 2,
    /// <summary>overwrite: replace or modify an existing file.</summary>
    Overwrite = 1 << 3,
    /// <summary>delete: remove files and links.</summary>
    Delete = 1 << 4,
    /// <summary>rename: move entries.</summary>
    Rename = 1 << 5,
    /// <summary>mkdir: create directories.</summary>
    CreateDirectory = 1 << 6,
    /// <summary>rmdir: remove directories.</summary>
    DeleteDirectory = 1 << 7,
    /// <summary>chmod: change permission bits.</summary>
    ChangeMode = 1 << 8,
    /// <summary>chtimes: change access and modification times.</summary>
    ChangeTimes = 1 << 9,
    /// <summary>symlink: create symbolic and hard links. Off unless granted by name or by "*".</summary>
    Link = 1 << 10,

    All = List | Download | Upload | Overwrite | Delete | Rename | CreateDirectory | DeleteDirectory | ChangeMode | ChangeTimes | Link,

    /// <summary>What a user without explicit rules gets: everything but creating links.</summary>
    Default = All & ~Link,

    /// <summary>Every permission that changes storage; a read-only user has none of them.</summary>
    Writes = Upload | Overwrite | Delete | Rename | CreateDirectory | DeleteDirectory | ChangeMode | ChangeTimes | Link,
}

public static class PermissionNames
{
    private static readonly (string Name, Permission Value)[] Table =
    [
        ("list", Permission.List),
        ("download", Permission.Download),
        ("upload", Permission.Upload),
        ("overwrite", Permission.Overwrite),
        ("delete", Permission.Delete),
        ("rename", Permission.Rename),
        ("mkdir", Permission.CreateDirectory),
        ("rmdir", Permission.DeleteDirectory),
        ("chmod", Permission.ChangeMode),
        ("chtimes", Permission.ChangeTimes),
        ("symlink", Permission.Link),
        ("*", Permission.All),
    ];

    public static IEnumerable<string> Known => Table.Select(t => t.Name);

    public static bool TryParse(string name, out Permission permission)
    {
        foreach (var (candidate, value) in Table)
        {
            if (string.Equals(candidate, name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                permission = value;
                return true;
            }
        }

        permission = Permission.None;
        return false;
    }
}
