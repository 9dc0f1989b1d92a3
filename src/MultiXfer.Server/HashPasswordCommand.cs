using System.Globalization;
using MultiXfer.Auth;

namespace MultiXfer.Server;

/// <summary>
/// <c>hash-password [--iterations N]</c>: reads one password line from standard input and prints the string to put
/// in <c>Users:NAME:PasswordHash</c>.
/// </summary>
internal static class HashPasswordCommand
{
    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        int iterations = PasswordHasher.DefaultIterations;
        if (args is ["--iterations", var count] &&
            (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 10_000))
        {
            error.WriteLine("hash-password: --iterations must be a number of at least 10000");
            return 2;
        }

        if (args.Length > 0 && args is not ["--iterations", _])
        {
            error.WriteLine("usage: hash-password [--iterations N]   (reads the password from standard input)");
            return 2;
        }

        if (!Console.IsInputRedirected)
        {
            error.Write("Password: ");
        }

        string? password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: no password on standard input");
            return 2;
        }

        if (!PasswordHasher.IsAcceptableLength(password))
        {
            error.WriteLine($"hash-password: passwords are limited to {PasswordHasher.MaxPasswordBytes} bytes");
            return 2;
        }

        output.WriteLine(PasswordHasher.Hash(password, iterations));
        return 0;
    }
}
