using MultiXfer.Auth;

namespace MultiXfer.Server;

/// <summary>
/// <c>hash-password [--algorithm argon2id|pbkdf2-sha512] [--iterations N]</c>: reads one password line from standard
/// input and prints the string to put in <c>Users:NAME:PasswordHash</c>. Argon2id unless told otherwise;
/// <c>--iterations</c> applies to PBKDF2 only.
/// </summary>
internal static class HashPasswordCommand
{
    public static int Run(string algorithm, int? iterations, TextReader input, TextWriter output, TextWriter error)
    {
        if (iterations is < 10_000)
        {
            error.WriteLine("hash-password: --iterations must be a number of at least 10000");
            return 2;
        }

        if (iterations is not null && algorithm != "pbkdf2-sha512")
        {
            error.WriteLine("hash-password: --iterations applies to --algorithm pbkdf2-sha512 only");
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

        output.WriteLine(iterations is { } rounds ? PasswordHasher.HashPbkdf2(password, rounds) : PasswordHasher.Hash(password, algorithm));
        return 0;
    }
}
