using System.IO.Hashing;
using System.Security.Cryptography;

namespace MultiXfer.Ftp.Checksums;

/// <summary>The digests FTP clients ask for: HASH's (draft-bryan-ftpext-hash-02 §3) and the X* commands'.</summary>
internal enum ChecksumAlgorithm
{
    Sha256,
    Sha512,
    Sha1,
    Md5,
    Crc32,
}

internal static class ChecksumAlgorithms
{
    /// <summary>The order FEAT lists them in: the draft's recommended SHA-256 first (§3.4), CRC32 last.</summary>
    public static readonly ChecksumAlgorithm[] All =
        [ChecksumAlgorithm.Sha256, ChecksumAlgorithm.Sha512, ChecksumAlgorithm.Sha1, ChecksumAlgorithm.Md5, ChecksumAlgorithm.Crc32];

    /// <summary>The names of the draft's hash registry (§6), as HASH replies and OPTS HASH take them.</summary>
    public static string NameOf(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Sha256 => "SHA-256",
        ChecksumAlgorithm.Sha512 => "SHA-512",
        ChecksumAlgorithm.Sha1 => "SHA-1",
        ChecksumAlgorithm.Md5 => "MD5",
        _ => "CRC32",
    };

    public static bool TryParse(string name, out ChecksumAlgorithm algorithm)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(NameOf(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        algorithm = default;
        return false;
    }

    /// <summary>A fresh hasher: .NET's (OpenSSL's) for the cryptographic ones, System.IO.Hashing's CRC-32.</summary>
    public static IChecksum Create(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => new Crc32Checksum(),
        ChecksumAlgorithm.Sha256 => new CryptographicChecksum(HashAlgorithmName.SHA256),
        ChecksumAlgorithm.Sha512 => new CryptographicChecksum(HashAlgorithmName.SHA512),
        ChecksumAlgorithm.Sha1 => new CryptographicChecksum(HashAlgorithmName.SHA1),
        _ => new CryptographicChecksum(HashAlgorithmName.MD5),
    };

    private sealed class CryptographicChecksum(HashAlgorithmName name) : IChecksum
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(name);

        public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public byte[] Finish() => _hash.GetHashAndReset();

        public void Dispose() => _hash.Dispose();
    }

    private sealed class Crc32Checksum : IChecksum
    {
        private readonly Crc32 _crc = new();

        public void Append(ReadOnlySpan<byte> data) => _crc.Append(data);

        /// <summary>Big-endian, so its hex is the number clients print (cksum -a crc32b, ProFTPD's "AF083B2D").</summary>
        public byte[] Finish()
        {
            uint value = _crc.GetCurrentHashAsUInt32();
            return [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>One running digest.</summary>
internal interface IChecksum : IDisposable
{
    void Append(ReadOnlySpan<byte> data);

    byte[] Finish();
}
