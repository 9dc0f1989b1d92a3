namespace MultiXfer.Sftp.Codec;

/// <summary>
/// Version 6's text-hint and mime-type attributes (draft -13 §7.10, §7.11), guessed from the file name's extension:
/// the server never reads content to answer a STAT. Unknown extensions get neither attribute.
/// </summary>
internal static class MediaTypes
{
    /// <summary>text-hint values: the name suggests text or binary content ("guessed", not "known").</summary>
    public const byte GuessedText = 1;
    public const byte GuessedBinary = 3;

    private static readonly Dictionary<string, (string MimeType, bool Text)> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = ("text/plain", true),
        [".log"] = ("text/plain", true),
        [".md"] = ("text/markdown", true),
        [".csv"] = ("text/csv", true),
        [".html"] = ("text/html", true),
        [".htm"] = ("text/html", true),
        [".css"] = ("text/css", true),
        [".js"] = ("text/javascript", true),
        [".json"] = ("application/json", true),
        [".xml"] = ("application/xml", true),
        [".yaml"] = ("application/yaml", true),
        [".yml"] = ("application/yaml", true),
        [".sh"] = ("application/x-sh", true),
        [".pdf"] = ("application/pdf", false),
        [".zip"] = ("application/zip", false),
        [".gz"] = ("application/gzip", false),
        [".tar"] = ("application/x-tar", false),
        [".png"] = ("image/png", false),
        [".jpg"] = ("image/jpeg", false),
        [".jpeg"] = ("image/jpeg", false),
        [".gif"] = ("image/gif", false),
        [".mp4"] = ("video/mp4", false),
        [".bin"] = ("application/octet-stream", false),
    };

    public static bool TryGuess(string name, out string mimeType, out byte textHint)
    {
        if (ByExtension.TryGetValue(Path.GetExtension(name), out var known))
        {
            mimeType = known.MimeType;
            textHint = known.Text ? GuessedText : GuessedBinary;
            return true;
        }

        mimeType = "";
        textHint = 0;
        return false;
    }
}
