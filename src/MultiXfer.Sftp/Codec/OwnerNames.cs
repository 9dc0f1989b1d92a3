using System.Collections.Concurrent;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// User and group names for numeric ids (ls -l long names, version 4+ owner strings, users-groups-by-id), read
/// from /etc/passwd and /etc/group. Names are looked up once per id and process; a missing id shows as its number
/// as ls(1) does.
/// </summary>
internal sealed class OwnerNames
{
    public static readonly OwnerNames System = new("/etc/passwd", "/etc/group");

    private readonly string _passwd;
    private readonly string _group;
    private readonly ConcurrentDictionary<uint, string?> _users = new();
    private readonly ConcurrentDictionary<uint, string?> _groups = new();

    public OwnerNames(string passwdFile, string groupFile)
    {
        _passwd = passwdFile;
        _group = groupFile;
    }

    /// <summary>The user name, or null when no account has this id.</summary>
    public string? TryUser(uint id) => _users.GetOrAdd(id, static (key, file) => Lookup(file, key), _passwd);

    public string? TryGroup(uint id) => _groups.GetOrAdd(id, static (key, file) => Lookup(file, key), _group);

    public string User(uint id) => TryUser(id) ?? id.ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    public string Group(uint id) => TryGroup(id) ?? id.ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Both files have "name:x:id:..." lines; the third field is the id.</summary>
    private static string? Lookup(string file, uint id)
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                var fields = line.Split(':', 4);
                if (fields.Length >= 3 && uint.TryParse(fields[2], out uint candidate) && candidate == id)
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
