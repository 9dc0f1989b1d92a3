namespace MultiXfer.Ftp.Listing;

/// <summary>
/// The argument of LIST, NLST and STAT: leading ls-style options ("-la"), then a path that may end in a glob.
/// Only options made of letters count, so "-" names are still reachable with "./-name".
/// </summary>
internal readonly record struct ListArguments(bool ShowHidden, bool DirectoryItself, string Path)
{
    public static ListArguments Parse(string argument)
    {
        bool all = false, directory = false;
        string rest = argument.TrimStart();
        while (rest.StartsWith('-'))
        {
            int end = rest.IndexOf(' ');
            string option = end < 0 ? rest : rest[..end];
            if (option.Length < 2 || !option.Skip(1).All(char.IsAsciiLetterOrDigit))
            {
                break;
            }

            all |= option.Contains('a') || option.Contains('A');
            directory |= option.Contains('d');
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
        }

        return new ListArguments(all, directory, rest);
    }
}
