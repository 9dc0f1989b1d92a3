using System.Security.Cryptography;
using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>OpenSSH's SSHSIG file signatures (PROTOCOL.sshsig), the one way ssh-keygen signs and verifies arbitrary data.</summary>
internal static class SshSig
{
    private const string Label = "SSH SIGNATURE";

    private static ReadOnlySpan<byte> Magic => "SSHSIG"u8;

    public sealed record Parsed(byte[] PublicKey, string Namespace, string HashAlgorithm, byte[] Signature);

    /// <summary>What is actually signed: "SSHSIG", string namespace, string reserved, string hash_algorithm, string H(message).</summary>
    public static byte[] SignedData(string ns, string hashAlgorithm, byte[] message)
    {
        byte[] hash = hashAlgorithm switch
        {
            "sha512" => SHA512.HashData(message),
            "sha256" => SHA256.HashData(message),
            _ => throw new ArgumentException(hashAlgorithm),
        };
        using var writer = new SshWriter();
        writer.WriteBytes(Magic);
        writer.WriteString(ns);
        writer.WriteString(ReadOnlySpan<byte>.Empty);
        writer.WriteString(hashAlgorithm);
        writer.WriteString(hash);
        return writer.ToArray();
    }

    /// <summary>
    /// The armored file: "SSHSIG", uint32 version 1, string publickey, string namespace, string reserved,
    /// string hash_algorithm, string signature.
    /// </summary>
    public static string Armor(byte[] publicKey, string ns, string hashAlgorithm, byte[] signature)
    {
        using var writer = new SshWriter();
        writer.WriteBytes(Magic);
        writer.WriteUInt32(1);
        writer.WriteString(publicKey);
        writer.WriteString(ns);
        writer.WriteString(ReadOnlySpan<byte>.Empty);
        writer.WriteString(hashAlgorithm);
        writer.WriteString(signature);
        return PemArmor.Encode(Label, writer.Written, 76);
    }

    public static Parsed Dearmor(string text)
    {
        var (label, data) = PemArmor.Decode(text);
        Assert.Equal(Label, label);
        Assert.True(data.AsSpan().StartsWith(Magic));
        var reader = new SshReader(data.AsSpan(Magic.Length));
        Assert.Equal(1u, reader.ReadUInt32());
        var publicKey = reader.ReadString().ToArray();
        string ns = Encoding.UTF8.GetString(reader.ReadString());
        reader.ReadString();
        string hash = Encoding.UTF8.GetString(reader.ReadString());
        var signature = reader.ReadString().ToArray();
        Assert.True(reader.IsAtEnd);
        return new Parsed(publicKey, ns, hash, signature);
    }
}
