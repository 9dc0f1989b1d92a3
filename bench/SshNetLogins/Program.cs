using Renci.SshNet;

// SshNetLogins PORT USER KEY_FILE KEX COUNT: COUNT sequential logins to 127.0.0.1:PORT by key, offering only KEX;
// exit 0 when every login used KEX. The bench measures the server's CPU around it.
if (args.Length != 5 || !int.TryParse(args[0], out int port) || !int.TryParse(args[4], out int count))
{
    Console.Error.WriteLine("usage: SshNetLogins PORT USER KEY_FILE KEX COUNT");
    return 2;
}

var key = new PrivateKeyFile(args[2]);
for (int i = 0; i < count; i++)
{
    var info = new ConnectionInfo("127.0.0.1", port, args[1], new PrivateKeyAuthenticationMethod(args[1], key));
    foreach (string other in info.KeyExchangeAlgorithms.Keys.Where(k => k != args[3]).ToList())
    {
        info.KeyExchangeAlgorithms.Remove(other);
    }

    using var client = new SshClient(info);
    client.HostKeyReceived += (_, e) => e.CanTrust = true; // loopback bench against servers it started itself
    client.Connect();
    if (info.CurrentKeyExchangeAlgorithm != args[3].Replace("@openssh.com", "", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"negotiated {info.CurrentKeyExchangeAlgorithm}, not {args[3]}");
        return 1;
    }
}

return 0;
