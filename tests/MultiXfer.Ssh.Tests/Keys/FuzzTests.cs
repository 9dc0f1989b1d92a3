using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>Random damage to valid inputs (fixed seeds, so failures reproduce): parsers answer, they never throw.</summary>
public sealed class FuzzTests
{
    public static TheoryData<string> Kinds => ["ed25519", "rsa", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Damaged_blobs_and_signatures_never_throw(string kind)
    {
        var random = new Random(kind.Length);
        using var host = SshHostKey.Generate(kind);
        byte[] data = Encoding.ASCII.GetBytes("data");
        byte[] signature = host.Sign(host.SignatureAlgorithms[0], data);
        var allowed = new HashSet<string>(host.SignatureAlgorithms);
        for (int i = 0; i < 2000; i++)
        {
            byte[] blob = Damage(host.PublicKey.Blob, random);
            if (SshPublicKey.TryParse(blob, out var key, out string problem, 1024))
            {
                Assert.Equal(blob.AsSpan().SequenceEqual(host.PublicKey.Blob), key.Equals(host.PublicKey));
            }
            else
            {
                Assert.NotEmpty(problem);
            }

            byte[] damaged = Damage(signature, random);
            Assert.Equal(damaged.AsSpan().SequenceEqual(signature), host.PublicKey.Verify(data, damaged, allowed));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Damaged_private_key_files_never_throw(string kind)
    {
        var random = new Random(kind.Length);
        using var host = SshHostKey.Generate(kind);
        var (label, data) = PemArmor.Decode(PrivateKeyFile.Write(host, "fuzz"));
        for (int i = 0; i < 300; i++)
        {
            if (PrivateKeyFile.TryLoad(PemArmor.Encode(label, Damage(data, random), 70), out var key, out string problem))
            {
                key.Dispose();
            }
            else
            {
                Assert.NotEmpty(problem);
            }
        }
    }

    [Fact]
    public void Damaged_authorized_keys_lines_never_throw()
    {
        var random = new Random(7);
        using var host = SshHostKey.Generate("ed25519");
        string line = $"from=\"10.0.0.0/8,!10.1.*\",expiry-time=\"20300101\",no-pty {PrivateKeyFile.PublicKeyLine(host.PublicKey, "c")}";
        const string Alphabet = "\"\\,=! \t/*?#abcAZ09:.\r";
        var lines = Enumerable.Range(0, 3000).Select(_ =>
        {
            var chars = line.ToCharArray();
            for (int n = random.Next(1, 4); n > 0; n--)
            {
                chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
            }

            return new string(chars);
        }).ToList();

        var result = AuthorizedKeys.Parse(string.Join('\n', lines), 2048);

        Assert.Equal(lines.Count(l => !l.Trim(" \t\r").StartsWith('#')), result.Keys.Count + result.Problems.Count);
        Assert.All(result.Keys, k => _ = k.Permits(System.Net.IPAddress.Parse("10.2.3.4"), DateTimeOffset.UnixEpoch));
    }

    /// <summary>Flips, overwrites, truncates or extends a copy of <paramref name="input"/>.</summary>
    private static byte[] Damage(byte[] input, Random random)
    {
        byte[] copy = [.. input];
        switch (random.Next(4))
        {
            case 0:
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                copy.AsSpan(random.Next(copy.Length - 4), 4).Fill((byte)random.Next(256));
                return copy;
            case 2:
                return copy[..random.Next(copy.Length)];
            default:
                return [.. copy, .. new byte[random.Next(1, 9)]];
        }
    }
}
