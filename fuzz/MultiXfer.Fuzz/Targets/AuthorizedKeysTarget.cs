using System.Net;
using System.Text;
using MultiXfer.Fuzz.Support;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// authorized_keys text (sshd(8) AUTHORIZED_KEYS FILE FORMAT: [options] keytype base64 [comment], from= pattern
/// lists with CIDR and negation, expiry-time=, quoting) as AuthorizedKeyStore reads a user's file: the whole text
/// through AuthorizedKeys.Parse (which reports bad lines as problems and never throws), then every accepted key's
/// Permits for IPv4, IPv6 and mapped clients, as a login would evaluate it. The input is decoded as UTF-8 like
/// File.ReadAllText.
/// </summary>
internal static class AuthorizedKeysTarget
{
    private static readonly IPAddress[] Clients =
    [
        IPAddress.Parse("127.0.0.1"), IPAddress.Parse("10.1.2.3"), IPAddress.Parse("192.168.0.200"), IPAddress.Parse("::1"),
        IPAddress.Parse("2001:db8::1"), IPAddress.Parse("::ffff:10.0.0.1"),
    ];

    public static void Run(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        var result = AuthorizedKeys.Parse(text, 2048);
        int lines = text.AsSpan().Count('\n') + 1;
        if (result.Problems.Any(p => p.Line < 0 || p.Line > lines || string.IsNullOrEmpty(p.Reason)))
        {
            throw new FuzzInvariantException("a problem without a reason or with a line number outside the text");
        }

        foreach (var key in result.Keys)
        {
            foreach (var client in Clients)
            {
                _ = key.Permits(client, DateTimeOffset.UnixEpoch);
                _ = key.Permits(client, new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
            }

            _ = key.Key.Fingerprint;
        }

        // A single line as configuration gives it (Users:NAME:AuthorizedKeys entries).
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        _ = AuthorizedKeys.TryParseLine(newline < 0 ? text : text[..newline], 1024, out _, out _);
    }
}
