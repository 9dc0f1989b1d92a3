using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// AES in counter mode as SSH uses it (aes128-ctr, aes192-ctr, aes256-ctr; RFC 4344 §4): the IV is a 128-bit
/// big-endian counter, incremented once per block modulo 2^128, and the stream runs on across calls, so one instance
/// is one direction of a connection. Encryption and decryption are the same XOR.
/// </summary>
/// <remarks>
/// .NET offers no CTR mode, so batches of counter blocks are encrypted with AES-ECB (AES-NI through the platform's
/// library) and the keystream is XORed in; keystream a call does not use is kept for the next call. The ECB pass goes
/// through one reused <see cref="ICryptoTransform"/>: the one-shot <c>Aes.EncryptEcb</c> sets up a native cipher context
/// and allocates on every call, which on 512-block batches made it half as fast.
/// </remarks>
internal sealed class AesCtr : IDisposable
{
    public const int BlockSize = 16;
    private const int BatchBlocks = 512;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counterBlocks = new byte[BatchBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[BatchBlocks * BlockSize];
    private ulong _counterHigh;
    private ulong _counterLow;
    private int _keystreamUsed;
    private int _keystreamLength;
    private bool _disposed;

    public AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv16)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("An AES key is 16, 24 or 32 bytes.", nameof(key));
        }

        if (iv16.Length != BlockSize)
        {
            throw new ArgumentException($"The CTR initial counter is {BlockSize} bytes.", nameof(iv16));
        }

        _aes = Aes.Create();
        _aes.SetKey(key);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
        _counterHigh = BinaryPrimitives.ReadUInt64BigEndian(iv16);
        _counterLow = BinaryPrimitives.ReadUInt64BigEndian(iv16[8..]);
    }

    /// <summary>
    /// XORs the next <c>input.Length</c> keystream bytes into <paramref name="output"/> (same length, or the input itself).
    /// </summary>
    public void Transform(ReadOnlySpan<byte> input, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (output.Length != input.Length)
        {
            throw new ArgumentException("The output must be as long as the input.", nameof(output));
        }

        if (input.Overlaps(output, out int shift) && shift != 0)
        {
            throw new ArgumentException("The output may be the input itself but must not partly overlap it.", nameof(output));
        }

        int done = 0;
        while (done < input.Length)
        {
            if (_keystreamUsed == _keystreamLength)
            {
                // Whole blocks only, and no more than the rest of the input needs: what is left over stays unused.
                Refill(Math.Min(BatchBlocks, (input.Length - done + BlockSize - 1) / BlockSize));
            }

            int n = Math.Min(_keystreamLength - _keystreamUsed, input.Length - done);
            Xor(input.Slice(done, n), _keystream.AsSpan(_keystreamUsed, n), output.Slice(done, n));
            _keystreamUsed += n;
            done += n;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_keystream);
            _ecb.Dispose();
            _aes.Dispose();
        }
    }

    private void Refill(int blocks)
    {
        int length = blocks * BlockSize;
        ref byte counters = ref MemoryMarshal.GetArrayDataReference(_counterBlocks);
        ulong high = _counterHigh, low = _counterLow;
        for (int i = 0; i < length; i += BlockSize)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref counters, i), BigEndian(high));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref counters, i + 8), BigEndian(low));

            // 128-bit increment: the low half carries into the high half, and the whole wraps at 2^128.
            low++;
            high += low == 0 ? 1UL : 0UL;
        }

        _counterHigh = high;
        _counterLow = low;
        _ecb.TransformBlock(_counterBlocks, 0, length, _keystream, 0);
        _keystreamUsed = 0;
        _keystreamLength = length;
    }

    private static ulong BigEndian(ulong value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        ref byte x = ref MemoryMarshal.GetReference(a);
        ref byte y = ref MemoryMarshal.GetReference(b);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)destination.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; length - i >= (nuint)Vector512<byte>.Count; i += (nuint)Vector512<byte>.Count)
            {
                (Vector512.LoadUnsafe(ref x, i) ^ Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; length - i >= (nuint)Vector256<byte>.Count; i += (nuint)Vector256<byte>.Count)
            {
                (Vector256.LoadUnsafe(ref x, i) ^ Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; length - i >= (nuint)Vector128<byte>.Count; i += (nuint)Vector128<byte>.Count)
            {
                (Vector128.LoadUnsafe(ref x, i) ^ Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref x, i) ^ Unsafe.Add(ref y, i));
        }
    }
}
