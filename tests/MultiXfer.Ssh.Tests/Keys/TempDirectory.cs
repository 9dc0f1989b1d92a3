using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>A private scratch directory; files are written 0600 because ssh-keygen refuses readable private keys.</summary>
internal sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("multixfer-keys-");

    public string Path(string name) => System.IO.Path.Combine(_directory.FullName, name);

    public string Write(string name, string text)
    {
        string path = Path(name);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(text);
        }

        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
