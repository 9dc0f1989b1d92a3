using Microsoft.Extensions.Hosting;
using MultiXfer.Server;
using MultiXfer.Server.Certificates;
using MultiXfer.Server.Hosting;

// First, before anything initialises OpenSSL: the TLS policy (strong suites, with session resumption kept).
OpenSslPolicy.Apply();

if (args is [var command, ..] && MultiXfer.Server.Cli.CliApp.Commands.Contains(command))
{
    return await MultiXfer.Server.Cli.CliApp.RunAsync(args);
}

if (args is ["sftp-server", .. var sftpArgs])
{
    return await SftpServerCommand.RunAsync(sftpArgs, Console.Out, Console.Error);
}

var (host, problems) = MultiXferHost.Build(args);
if (host is null)
{
    Console.Error.WriteLine("MultiXfer: the configuration is not valid:");
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"  {problem}");
    }

    return 2;
}

using (host)
{
    try
    {
        await host.RunAsync();
        return 0;
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine($"MultiXfer: cannot start: {e.Message}");
        return 1;
    }
}
