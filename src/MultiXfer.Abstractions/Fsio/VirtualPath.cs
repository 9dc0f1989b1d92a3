using System.Text;

namespace MultiXfer.Fsio;

/// <summary>
/// A normalised absolute path inside a user's root, as the user sees it: always starts with '/', has no empty,
/// '.' or '..' segments, no NUL or control characters, and fits the POSIX limits. Every protocol turns client
/// input into a <see cref="VirtualPath"/> through <see cref="Resolve"/> and nothing else, so lexical
/// normalisation happens in exactly one place; backends confine symbolic links when they resolve it.
/// </summary>
public readonly struct VirtualPath : IEquatable<VirtualPath>
{
    /// <summary>PATH_MAX on Linux, in UTF-8 bytes.</summary>
    public const int MaxLength = 4096;

    /// <summary>NAME_MAX on Linux, in UTF-8 bytes.</summary>
    public const int MaxNameLength = 255;

    public static readonly VirtualPath Root = new("/");

    private readonly string? _value;

    private VirtualPath(string value) => _value = value;

    public string Value => _value ?? "/";

    public bool IsRoot => Value.Length == 1;

    /// <summary>The last segment, or "/" for the root.</summary>
    public string Name => IsRoot ? "/" : Value[(Value.LastIndexOf('/') + 1)..];

    /// <summary>The containing directory; the root is its own parent (as in a chroot).</summary>
    public VirtualPath Parent
    {
        get
        {
            if (IsRoot)
            {
                return this;
            }

            int slash = Value.LastIndexOf('/');
            return slash == 0 ? Root : new VirtualPath(Value[..slash]);
        }
    }

    /// <summary>The path relative to the root, without a leading slash ("" for the root).</summary>
    public string Relative => Value[1..];

    /// <summary>
    /// Resolves <paramref name="input"/> against <paramref name="current"/>. '/' is the only separator, as in POSIX,
    /// SFTP (draft -13 §6) and the kernel: '\' is an ordinary character of a name (OpenSSH, ProFTPD and vsftpd treat it
    /// so), and because this is the one place paths are split and the kernel resolves the result, no layer can read a
    /// name differently. '..' at the root stays at the root; NUL, overlong names and paths are refused.
    /// </summary>
    /// <exception cref="FsException">With <see cref="FsErrorKind.InvalidName"/>.</exception>
    public static VirtualPath Resolve(VirtualPath current, string input)
    {
        if (!TryResolve(current, input, out var result, out var problem))
        {
            throw new FsException(FsErrorKind.InvalidName, problem);
        }

        return result;
    }

    public static bool TryResolve(VirtualPath current, string input, out VirtualPath result, out string problem)
    {
        result = current;
        problem = "";
        if (input.Length == 0)
        {
            return true;
        }

        // A UTF-16 string is at most 3 UTF-8 bytes per char; a longer input cannot fit MaxLength anyway.
        if (input.Length > MaxLength)
        {
            problem = "path too long";
            return false;
        }

        bool absolute = input[0] == '/';
        var segments = new List<string>();
        if (!absolute && !current.IsRoot)
        {
            segments.AddRange(current.Relative.Split('/'));
        }

        int start = 0;
        for (int i = 0; i <= input.Length; i++)
        {
            if (i < input.Length)
            {
                char c = input[i];
                if (c == '\0')
                {
                    problem = "path contains a NUL character";
                    return false;
                }

                if (c != '/')
                {
                    continue;
                }
            }

            var segment = input.AsSpan(start, i - start);
            start = i + 1;
            if (segment.IsEmpty || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxNameLength)
            {
                problem = "name too long";
                return false;
            }

            segments.Add(segment.ToString());
        }

        string value = "/" + string.Join('/', segments);
        if (Encoding.UTF8.GetByteCount(value) > MaxLength)
        {
            problem = "path too long";
            return false;
        }

        result = new VirtualPath(value);
        return true;
    }

    /// <summary>True when <paramref name="name"/> can be one path segment: not empty, '.' or '..', no '/' or NUL (any other character
    /// a POSIX name may hold is allowed; protocols that cannot carry some, as FTP a line break, leave such names out).</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || name is "." or ".." || Encoding.UTF8.GetByteCount(name) > MaxNameLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c is '/' or '\0')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends one already validated segment.</summary>
    public VirtualPath Append(string name)
    {
        if (!IsValidName(name))
        {
            throw new FsException(FsErrorKind.InvalidName, "invalid name");
        }

        return new VirtualPath(IsRoot ? "/" + name : Value + "/" + name);
    }

    /// <summary>True when this path is <paramref name="ancestor"/> or lies beneath it.</summary>
    public bool IsSameOrUnder(VirtualPath ancestor) =>
        ancestor.IsRoot || Value == ancestor.Value ||
        (Value.StartsWith(ancestor.Value, StringComparison.Ordinal) && Value[ancestor.Value.Length] == '/');

    /// <summary>Segments from the root down; empty for the root.</summary>
    public string[] Segments() => IsRoot ? [] : Relative.Split('/');

    public bool Equals(VirtualPath other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is VirtualPath other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>
    /// The path for logs and messages: control characters (a name may hold a line break) are shown as \xHH, so a
    /// name can neither forge a log line nor steer a terminal. Protocols send <see cref="Value"/>.
    /// </summary>
    public override string ToString()
    {
        string value = Value;
        if (!value.AsSpan().ContainsAnyInRange('\0', '\x1f') && !value.Contains('\x7f'))
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 16);
        foreach (char c in value)
        {
            if (c < 0x20 || c == 0x7f)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    public static bool operator ==(VirtualPath left, VirtualPath right) => left.Equals(right);

    public static bool operator !=(VirtualPath left, VirtualPath right) => !left.Equals(right);
}
