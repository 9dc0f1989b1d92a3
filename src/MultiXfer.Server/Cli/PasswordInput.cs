namespace MultiXfer.Server.Cli;

/// <summary>
/// Passwords come from a prompt that does not echo, or from standard input (--password-stdin) for scripts; never
/// from an argument, where ps and shell history would show them.
/// </summary>
internal static class PasswordInput
{
    public static string? Read(bool fromStandardInput, TextWriter error)
    {
        if (fromStandardInput)
        {
            return Console.In.ReadLine();
        }

        if (Console.IsInputRedirected)
        {
            error.WriteLine("multixfer: standard input is not a terminal: pass --password-stdin to read the password from it");
            return null;
        }

        string first = Prompt("Password: ", error);
        string second = Prompt("Again: ", error);
        if (first != second)
        {
            error.WriteLine("multixfer: the passwords differ");
            return null;
        }

        return first;
    }

    private static string Prompt(string prompt, TextWriter error)
    {
        error.Write(prompt);
        var typed = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
            {
                typed.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        error.WriteLine();
        return typed.ToString();
    }
}
