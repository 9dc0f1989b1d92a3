using System.Security.Cryptography;

namespace MultiXfer.Sftp.Engine;

/// <summary>One check-file hash: .NET's for md5 and the SHA family, this server's own for sha224.</summary>
internal sealed class CheckFileHash : IDisposable
{
    private readonly IncrementalHash? _platform;
    private readonly Sha224? _sha224;

    public CheckFileHash(string algorithm)
    {
        if (algorithm == "sha224")
        {
            _sha224 = new Sha224();
            return;
        }

        _platform = IncrementalHash.CreateHash(algorithm switch
        {
            "md5" => HashAlgorithmName.MD5,
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "sha384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        });
    }

    public static int LengthOf(string algorithm) => algorithm switch
    {
        "md5" => 16,
        "sha1" => 20,
        "sha224" => Sha224.HashLength,
        "sha256" => 32,
        "sha384" => 48,
        _ => 64,
    };

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_sha224 is not null)
        {
            _sha224.AppendData(data);
        }
        else
        {
            _platform!.AppendData(data);
        }
    }

    public void Finish(Span<byte> destination)
    {
        if (_sha224 is not null)
        {
            _sha224.GetHashAndReset(destination);
        }
        else
        {
            _platform!.GetHashAndReset(destination);
        }
    }

    public void Dispose() => _platform?.Dispose();
}
