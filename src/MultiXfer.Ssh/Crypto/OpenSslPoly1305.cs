using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// Poly1305 (RFC 8439 §2.5) from OpenSSL 3's libcrypto through EVP_MAC "POLY1305": the library .NET itself loads
/// for TLS on Linux. Its vectorised code (AVX2, AVX-512) tags a 32 KiB packet several times faster than
/// <see cref="Poly1305"/>'s portable 64-bit limbs, which took 28 % of the server's CPU on a chacha20-poly1305 upload.
/// One context per cipher direction, given a new key for every packet (the key is one-time, OpenSSH
/// PROTOCOL.chacha20poly1305). Where libcrypto 3 cannot be loaded <see cref="TryCreate"/> returns null, and the
/// managed code serves.
/// </summary>
internal sealed partial class OpenSslPoly1305 : IDisposable
{
    private const string LibCrypto = "libcrypto.so.3";

    private static readonly nint s_algorithm = Fetch();

    private readonly ContextHandle _context;

    private OpenSslPoly1305(ContextHandle context) => _context = context;

    /// <summary>A context of its own, or null when OpenSSL 3's Poly1305 is not there.</summary>
    public static OpenSslPoly1305? TryCreate()
    {
        if (s_algorithm == 0)
        {
            return null;
        }

        var context = EVP_MAC_CTX_new(s_algorithm);
        if (context.IsInvalid)
        {
            context.Dispose();
            return null;
        }

        return new OpenSslPoly1305(context);
    }

    public unsafe void Compute(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, Span<byte> tag16)
    {
        if (key32.Length != Poly1305.KeySize)
        {
            throw new ArgumentException($"A Poly1305 key is {Poly1305.KeySize} bytes.", nameof(key32));
        }

        if (tag16.Length != Poly1305.TagSize)
        {
            throw new ArgumentException($"A Poly1305 tag is {Poly1305.TagSize} bytes.", nameof(tag16));
        }

        fixed (byte* key = key32, data = message, tag = tag16)
        {
            nuint written = 0;
            if (EVP_MAC_init(_context, key, (nuint)key32.Length, 0) != 1
                || EVP_MAC_update(_context, data, (nuint)message.Length) != 1
                || EVP_MAC_final(_context, tag, &written, (nuint)tag16.Length) != 1
                || written != (nuint)tag16.Length)
            {
                throw new CryptographicException("OpenSSL's Poly1305 failed");
            }
        }
    }

    /// <summary>Recomputes the tag and compares it in constant time, as <see cref="Poly1305.Verify"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> tag16)
    {
        Span<byte> expected = stackalloc byte[Poly1305.TagSize];
        Compute(key32, message, expected);
        return tag16.Length == Poly1305.TagSize && CryptographicOperations.FixedTimeEquals(expected, tag16);
    }

    public void Dispose() => _context.Dispose();

    /// <summary>The algorithm, fetched once for the process (EVP_MAC_fetch is not cheap); 0 when unavailable.</summary>
    private static nint Fetch()
    {
        try
        {
            return EVP_MAC_fetch(0, "POLY1305", null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    [LibraryImport(LibCrypto, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint EVP_MAC_fetch(nint libraryContext, string algorithm, string? properties);

    [LibraryImport(LibCrypto)]
    private static partial ContextHandle EVP_MAC_CTX_new(nint algorithm);

    [LibraryImport(LibCrypto)]
    private static unsafe partial int EVP_MAC_init(ContextHandle context, byte* key, nuint keyLength, nint parameters);

    [LibraryImport(LibCrypto)]
    private static unsafe partial int EVP_MAC_update(ContextHandle context, byte* data, nuint length);

    [LibraryImport(LibCrypto)]
    private static unsafe partial int EVP_MAC_final(ContextHandle context, byte* output, nuint* written, nuint size);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_MAC_CTX_free(nint context);

    /// <summary>An EVP_MAC_CTX, freed when disposed or, failing that, when collected.</summary>
    private sealed class ContextHandle() : SafeHandle(0, ownsHandle: true)
    {
        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            EVP_MAC_CTX_free(handle);
            return true;
        }
    }
}
