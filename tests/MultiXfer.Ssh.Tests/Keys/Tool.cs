using System.Diagnostics;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>Runs the real OpenSSH and OpenSSL tools, the independent peers these tests check against.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string program, IEnumerable<string> arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>ssh-keygen that must succeed; returns its standard output.</summary>
    public static string SshKeygen(params string[] arguments)
    {
        var result = Run("ssh-keygen", arguments);
        Assert.True(result.ExitCode == 0, $"ssh-keygen {string.Join(' ', arguments)} failed: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>The fingerprint field of `ssh-keygen -l -E sha256 -f file` ("256 SHA256:... comment (ED25519)").</summary>
    public static string KeygenFingerprint(string path) => SshKeygen("-l", "-E", "sha256", "-f", path).Split(' ')[1];

    /// <summary>"type base64" of `ssh-keygen -y -f file`, without the comment.</summary>
    public static string KeygenPublicKey(string path) => string.Join(' ', SshKeygen("-y", "-f", path).Trim().Split(' ')[..2]);
}
