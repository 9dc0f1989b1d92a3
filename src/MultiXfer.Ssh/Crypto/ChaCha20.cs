using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// ChaCha20 as Bernstein first defined it ("ChaCha, a variant of Salsa20", 2008): 20 rounds, a 64-bit block counter in
/// state words 12-13 and a 64-bit nonce in words 14-15. chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305) uses
/// this layout, not RFC 8439's 32-bit counter and 96-bit nonce; the block function itself is RFC 8439 §2.3's.
/// </summary>
/// <remarks>
/// Wide kernels run 16 (AVX-512), 8 (AVX2) or 4 (SSE2) blocks at once with one block per vector lane ("vertical"
/// layout, so the rounds need no shuffles), then transpose the lanes back into consecutive 64-byte blocks. Whatever
/// the kernels leave (less than 4 blocks, or everything on a CPU without them) goes through the scalar block function.
/// </remarks>
internal sealed class ChaCha20
{
    public const int KeySize = 32;
    public const int NonceSize = 8;
    public const int BlockSize = 64;

    // "expand 32-byte k" read as four little-endian words (RFC 8439 §2.3).
    private const uint Sigma0 = 0x61707865, Sigma1 = 0x3320646e, Sigma2 = 0x79622d32, Sigma3 = 0x6b206574;

    /// <summary>The widest kernel this CPU runs: the one the public <c>Transform</c> uses.</summary>
    /// <remarks>
    /// 16 lanes of AVX-512 ran twice as fast as 8 of AVX2 on the machine this was measured on (AMD EPYC); where the
    /// runtime judges 512-bit vectors not worth it (<see cref="Vector512.IsHardwareAccelerated"/>), AVX2 is used.
    /// </remarks>
    internal static readonly SimdWidth Widest =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Avx2.IsSupported ? SimdWidth.Vector256
        : Sse2.IsSupported ? SimdWidth.Vector128
        : SimdWidth.Scalar;

    private readonly uint _k0, _k1, _k2, _k3, _k4, _k5, _k6, _k7;

    public ChaCha20(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"A ChaCha20 key is {KeySize} bytes.", nameof(key));
        }

        // State words 4-11 are the key read as little-endian words (RFC 8439 §2.3).
        _k0 = BinaryPrimitives.ReadUInt32LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt32LittleEndian(key[4..]);
        _k2 = BinaryPrimitives.ReadUInt32LittleEndian(key[8..]);
        _k3 = BinaryPrimitives.ReadUInt32LittleEndian(key[12..]);
        _k4 = BinaryPrimitives.ReadUInt32LittleEndian(key[16..]);
        _k5 = BinaryPrimitives.ReadUInt32LittleEndian(key[20..]);
        _k6 = BinaryPrimitives.ReadUInt32LittleEndian(key[24..]);
        _k7 = BinaryPrimitives.ReadUInt32LittleEndian(key[28..]);
    }

    /// <summary>Blocks per kernel call; tests and the bench pin a narrower kernel to exercise and measure each one.</summary>
    internal enum SimdWidth
    {
        Scalar = 1,
        Vector128 = 4,
        Vector256 = 8,
        Vector512 = 16,
    }

    /// <summary>
    /// XORs <paramref name="input"/> with the keystream that starts at block <paramref name="initialCounter"/> and
    /// writes the result to <paramref name="output"/> (same length; it may be the very same memory as the input).
    /// The counter is 64 bits wide and carries from word 12 into word 13, as in the original ChaCha.
    /// </summary>
    public void Transform(ReadOnlySpan<byte> nonce8, ulong initialCounter, ReadOnlySpan<byte> input, Span<byte> output) =>
        Transform(nonce8, initialCounter, input, output, Widest);

    // Compiled fully optimised at once: with tiered PGO the code depended on which calls happened to come first (a
    // 4-byte header, a pinned narrow kernel), and the bench saw a third of the throughput vanish.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Transform(ReadOnlySpan<byte> nonce8, ulong initialCounter, ReadOnlySpan<byte> input, Span<byte> output, SimdWidth widest)
    {
        if (nonce8.Length != NonceSize)
        {
            throw new ArgumentException($"The ChaCha20 nonce is {NonceSize} bytes.", nameof(nonce8));
        }

        if (output.Length != input.Length)
        {
            throw new ArgumentException("The output must be as long as the input.", nameof(output));
        }

        // The kernels read a whole stride before writing it, so only exact overlap (in place) is safe.
        if (input.Overlaps(output, out int shift) && shift != 0)
        {
            throw new ArgumentException("The output may be the input itself but must not partly overlap it.", nameof(output));
        }

        // Words 14-15: the nonce bytes read little-endian (OpenSSH stores the sequence number big-endian in them).
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce8);
        uint n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce8[4..]);
        ulong counter = initialCounter;
        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        int length = input.Length;
        int done = 0;

        if (widest >= SimdWidth.Vector512 && Avx512F.IsSupported)
        {
            for (; length - done >= 16 * BlockSize; done += 16 * BlockSize, counter += 16)
            {
                Blocks16(n0, n1, counter, ref Unsafe.Add(ref src, done), ref Unsafe.Add(ref dst, done));
            }
        }

        if (widest >= SimdWidth.Vector256 && Avx2.IsSupported)
        {
            for (; length - done >= 8 * BlockSize; done += 8 * BlockSize, counter += 8)
            {
                Blocks8(n0, n1, counter, ref Unsafe.Add(ref src, done), ref Unsafe.Add(ref dst, done));
            }
        }

        if (widest >= SimdWidth.Vector128 && Sse2.IsSupported)
        {
            for (; length - done >= 4 * BlockSize; done += 4 * BlockSize, counter += 4)
            {
                Blocks4(n0, n1, counter, ref Unsafe.Add(ref src, done), ref Unsafe.Add(ref dst, done));
            }
        }

        if (done == length)
        {
            return;
        }

        Span<uint> keystream = stackalloc uint[16];
        for (; done < length; done += BlockSize, counter++)
        {
            Block(n0, n1, counter, keystream);
            int n = Math.Min(BlockSize, length - done);
            for (int i = 0; i < n; i++)
            {
                // Byte i of the block is byte (i mod 4) of word i/4, serialised little-endian (RFC 8439 §2.3).
                Unsafe.Add(ref dst, done + i) = (byte)(Unsafe.Add(ref src, done + i) ^ (keystream[i >> 2] >> ((i & 3) * 8)));
            }
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(keystream));
    }

    /// <summary>Writes the 64 keystream bytes of block <paramref name="counter"/>.</summary>
    public void KeystreamBlock(ReadOnlySpan<byte> nonce8, ulong counter, Span<byte> output64)
    {
        if (nonce8.Length != NonceSize)
        {
            throw new ArgumentException($"The ChaCha20 nonce is {NonceSize} bytes.", nameof(nonce8));
        }

        if (output64.Length != BlockSize)
        {
            throw new ArgumentException($"A ChaCha20 block is {BlockSize} bytes.", nameof(output64));
        }

        Span<uint> words = stackalloc uint[16];
        Block(BinaryPrimitives.ReadUInt32LittleEndian(nonce8), BinaryPrimitives.ReadUInt32LittleEndian(nonce8[4..]), counter, words);
        for (int i = 0; i < 16; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output64[(4 * i)..], words[i]);
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(words));
    }

    /// <summary>The block function (RFC 8439 §2.3): 10 double rounds, then the input state added word by word.</summary>
    private void Block(uint n0, uint n1, ulong counter, Span<uint> output)
    {
        uint x0 = Sigma0, x1 = Sigma1, x2 = Sigma2, x3 = Sigma3;
        uint x4 = _k0, x5 = _k1, x6 = _k2, x7 = _k3, x8 = _k4, x9 = _k5, x10 = _k6, x11 = _k7;
        uint x12 = (uint)counter, x13 = (uint)(counter >> 32), x14 = n0, x15 = n1;
        for (int i = 0; i < 10; i++)
        {
            // Column round, then diagonal round (RFC 8439 §2.3).
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        output[0] = x0 + Sigma0;
        output[1] = x1 + Sigma1;
        output[2] = x2 + Sigma2;
        output[3] = x3 + Sigma3;
        output[4] = x4 + _k0;
        output[5] = x5 + _k1;
        output[6] = x6 + _k2;
        output[7] = x7 + _k3;
        output[8] = x8 + _k4;
        output[9] = x9 + _k5;
        output[10] = x10 + _k6;
        output[11] = x11 + _k7;
        output[12] = x12 + (uint)counter;
        output[13] = x13 + (uint)(counter >> 32);
        output[14] = x14 + n0;
        output[15] = x15 + n1;
    }

    /// <summary>The quarter round of RFC 8439 §2.1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = uint.RotateLeft(d ^ a, 16);
        c += d; b = uint.RotateLeft(b ^ c, 12);
        a += b; d = uint.RotateLeft(d ^ a, 8);
        c += d; b = uint.RotateLeft(b ^ c, 7);
    }

    // ---- 16 blocks per call, one per lane of a 512-bit vector --------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Blocks16(uint n0, uint n1, ulong counter, ref byte src, ref byte dst)
    {
        // Lane i counts block counter + i; a lane whose low word wrapped carries into its high word.
        var lo = Vector512.Create((uint)counter) + Vector512<uint>.Indices;
        var hi = Vector512.Create((uint)(counter >> 32)) - Vector512.LessThan(lo, Vector512.Create((uint)counter));
        Vector512<uint> x0 = Vector512.Create(Sigma0), x1 = Vector512.Create(Sigma1);
        Vector512<uint> x2 = Vector512.Create(Sigma2), x3 = Vector512.Create(Sigma3);
        Vector512<uint> x4 = Vector512.Create(_k0), x5 = Vector512.Create(_k1), x6 = Vector512.Create(_k2), x7 = Vector512.Create(_k3);
        Vector512<uint> x8 = Vector512.Create(_k4), x9 = Vector512.Create(_k5), x10 = Vector512.Create(_k6), x11 = Vector512.Create(_k7);
        Vector512<uint> x12 = lo, x13 = hi, x14 = Vector512.Create(n0), x15 = Vector512.Create(n1);
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        Interleave(x0 + Vector512.Create(Sigma0), x1 + Vector512.Create(Sigma1), x2 + Vector512.Create(Sigma2),
            x3 + Vector512.Create(Sigma3), out var a0, out var a1, out var a2, out var a3);
        Interleave(x4 + Vector512.Create(_k0), x5 + Vector512.Create(_k1), x6 + Vector512.Create(_k2), x7 + Vector512.Create(_k3),
            out var b0, out var b1, out var b2, out var b3);
        Interleave(x8 + Vector512.Create(_k4), x9 + Vector512.Create(_k5), x10 + Vector512.Create(_k6), x11 + Vector512.Create(_k7),
            out var c0, out var c1, out var c2, out var c3);
        Interleave(x12 + lo, x13 + hi, x14 + Vector512.Create(n0), x15 + Vector512.Create(n1),
            out var d0, out var d1, out var d2, out var d3);

        // 128-bit lane q of aj/bj/cj/dj now holds words 0-3/4-7/8-11/12-15 of block 4q + j.
        XorStore(a0, b0, c0, d0, ref src, ref dst);
        XorStore(a1, b1, c1, d1, ref Unsafe.Add(ref src, BlockSize), ref Unsafe.Add(ref dst, BlockSize));
        XorStore(a2, b2, c2, d2, ref Unsafe.Add(ref src, 2 * BlockSize), ref Unsafe.Add(ref dst, 2 * BlockSize));
        XorStore(a3, b3, c3, d3, ref Unsafe.Add(ref src, 3 * BlockSize), ref Unsafe.Add(ref dst, 3 * BlockSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        a += b; d = Avx512F.RotateLeft(d ^ a, 16);
        c += d; b = Avx512F.RotateLeft(b ^ c, 12);
        a += b; d = Avx512F.RotateLeft(d ^ a, 8);
        c += d; b = Avx512F.RotateLeft(b ^ c, 7);
    }

    /// <summary>
    /// Transposes 4x4 words inside every 128-bit lane: given words w..w+3 of 4 blocks per lane (lane word i = block i),
    /// output j holds, in each lane, words w..w+3 of that lane's block j.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector512<uint> w0, Vector512<uint> w1, Vector512<uint> w2, Vector512<uint> w3,
        out Vector512<uint> j0, out Vector512<uint> j1, out Vector512<uint> j2, out Vector512<uint> j3)
    {
        var t0 = Avx512F.UnpackLow(w0, w1).AsUInt64();
        var t1 = Avx512F.UnpackHigh(w0, w1).AsUInt64();
        var t2 = Avx512F.UnpackLow(w2, w3).AsUInt64();
        var t3 = Avx512F.UnpackHigh(w2, w3).AsUInt64();
        j0 = Avx512F.UnpackLow(t0, t2).AsUInt32();
        j1 = Avx512F.UnpackHigh(t0, t2).AsUInt32();
        j2 = Avx512F.UnpackLow(t1, t3).AsUInt32();
        j3 = Avx512F.UnpackHigh(t1, t3).AsUInt32();
    }

    /// <summary>
    /// a, b, c, d hold words 0-3, 4-7, 8-11, 12-15 of four blocks (one per 128-bit lane, 4 blocks apart in the
    /// stream); a 4x4 transpose of the lanes yields each block whole, which is XORed into place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, ref byte src, ref byte dst)
    {
        var ab02 = Avx512F.Shuffle4x128(a, b, 0b10_00_10_00); // a.lane0, a.lane2, b.lane0, b.lane2
        var ab13 = Avx512F.Shuffle4x128(a, b, 0b11_01_11_01);
        var cd02 = Avx512F.Shuffle4x128(c, d, 0b10_00_10_00);
        var cd13 = Avx512F.Shuffle4x128(c, d, 0b11_01_11_01);
        XorStore(Avx512F.Shuffle4x128(ab02, cd02, 0b10_00_10_00), ref src, ref dst, 0);      // a0 b0 c0 d0: block 0
        XorStore(Avx512F.Shuffle4x128(ab13, cd13, 0b10_00_10_00), ref src, ref dst, 4 * BlockSize);
        XorStore(Avx512F.Shuffle4x128(ab02, cd02, 0b11_01_11_01), ref src, ref dst, 8 * BlockSize);
        XorStore(Avx512F.Shuffle4x128(ab13, cd13, 0b11_01_11_01), ref src, ref dst, 12 * BlockSize);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(Vector512<uint> keystream, ref byte src, ref byte dst, nuint offset) =>
        (Vector512.LoadUnsafe(ref src, offset) ^ keystream.AsByte()).StoreUnsafe(ref dst, offset);

    // ---- 8 blocks per call, one per lane of a 256-bit vector ---------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Blocks8(uint n0, uint n1, ulong counter, ref byte src, ref byte dst)
    {
        var lo = Vector256.Create((uint)counter) + Vector256<uint>.Indices;
        var hi = Vector256.Create((uint)(counter >> 32)) - Vector256.LessThan(lo, Vector256.Create((uint)counter));
        Vector256<uint> x0 = Vector256.Create(Sigma0), x1 = Vector256.Create(Sigma1);
        Vector256<uint> x2 = Vector256.Create(Sigma2), x3 = Vector256.Create(Sigma3);
        Vector256<uint> x4 = Vector256.Create(_k0), x5 = Vector256.Create(_k1), x6 = Vector256.Create(_k2), x7 = Vector256.Create(_k3);
        Vector256<uint> x8 = Vector256.Create(_k4), x9 = Vector256.Create(_k5), x10 = Vector256.Create(_k6), x11 = Vector256.Create(_k7);
        Vector256<uint> x12 = lo, x13 = hi, x14 = Vector256.Create(n0), x15 = Vector256.Create(n1);
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        Interleave(x0 + Vector256.Create(Sigma0), x1 + Vector256.Create(Sigma1), x2 + Vector256.Create(Sigma2),
            x3 + Vector256.Create(Sigma3), out var a0, out var a1, out var a2, out var a3);
        Interleave(x4 + Vector256.Create(_k0), x5 + Vector256.Create(_k1), x6 + Vector256.Create(_k2), x7 + Vector256.Create(_k3),
            out var b0, out var b1, out var b2, out var b3);
        Interleave(x8 + Vector256.Create(_k4), x9 + Vector256.Create(_k5), x10 + Vector256.Create(_k6), x11 + Vector256.Create(_k7),
            out var c0, out var c1, out var c2, out var c3);
        Interleave(x12 + lo, x13 + hi, x14 + Vector256.Create(n0), x15 + Vector256.Create(n1),
            out var d0, out var d1, out var d2, out var d3);

        // Lane 0 of aj..dj is block j, lane 1 is block 4 + j.
        XorStore(a0, b0, c0, d0, ref src, ref dst);
        XorStore(a1, b1, c1, d1, ref Unsafe.Add(ref src, BlockSize), ref Unsafe.Add(ref dst, BlockSize));
        XorStore(a2, b2, c2, d2, ref Unsafe.Add(ref src, 2 * BlockSize), ref Unsafe.Add(ref dst, 2 * BlockSize));
        XorStore(a3, b3, c3, d3, ref Unsafe.Add(ref src, 3 * BlockSize), ref Unsafe.Add(ref dst, 3 * BlockSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d = RotateLeft16(d ^ a);
        c += d; b = RotateLeft(b ^ c, 12);
        a += b; d = RotateLeft8(d ^ a);
        c += d; b = RotateLeft(b ^ c, 7);
    }

    // AVX-512VL rotates in one instruction; plain AVX2 moves whole bytes with one shuffle and shifts otherwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, n) : (x << n) | (x >>> (32 - n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft16(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 16)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
            2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft8(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 8)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
            3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<uint> w0, Vector256<uint> w1, Vector256<uint> w2, Vector256<uint> w3,
        out Vector256<uint> j0, out Vector256<uint> j1, out Vector256<uint> j2, out Vector256<uint> j3)
    {
        var t0 = Avx2.UnpackLow(w0, w1).AsUInt64();
        var t1 = Avx2.UnpackHigh(w0, w1).AsUInt64();
        var t2 = Avx2.UnpackLow(w2, w3).AsUInt64();
        var t3 = Avx2.UnpackHigh(w2, w3).AsUInt64();
        j0 = Avx2.UnpackLow(t0, t2).AsUInt32();
        j1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
        j2 = Avx2.UnpackLow(t1, t3).AsUInt32();
        j3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
    }

    /// <summary>a, b, c, d: words 0-3, 4-7, 8-11, 12-15 of block 0 (low lanes) and block 4 (high lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, ref byte src, ref byte dst)
    {
        XorStore(Avx2.Permute2x128(a, b, 0x20), ref src, ref dst, 0);
        XorStore(Avx2.Permute2x128(c, d, 0x20), ref src, ref dst, 32);
        XorStore(Avx2.Permute2x128(a, b, 0x31), ref src, ref dst, 4 * BlockSize);
        XorStore(Avx2.Permute2x128(c, d, 0x31), ref src, ref dst, 4 * BlockSize + 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(Vector256<uint> keystream, ref byte src, ref byte dst, nuint offset) =>
        (Vector256.LoadUnsafe(ref src, offset) ^ keystream.AsByte()).StoreUnsafe(ref dst, offset);

    // ---- 4 blocks per call, one per lane of a 128-bit vector ---------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Blocks4(uint n0, uint n1, ulong counter, ref byte src, ref byte dst)
    {
        var lo = Vector128.Create((uint)counter) + Vector128<uint>.Indices;
        var hi = Vector128.Create((uint)(counter >> 32)) - Vector128.LessThan(lo, Vector128.Create((uint)counter));
        Vector128<uint> x0 = Vector128.Create(Sigma0), x1 = Vector128.Create(Sigma1);
        Vector128<uint> x2 = Vector128.Create(Sigma2), x3 = Vector128.Create(Sigma3);
        Vector128<uint> x4 = Vector128.Create(_k0), x5 = Vector128.Create(_k1), x6 = Vector128.Create(_k2), x7 = Vector128.Create(_k3);
        Vector128<uint> x8 = Vector128.Create(_k4), x9 = Vector128.Create(_k5), x10 = Vector128.Create(_k6), x11 = Vector128.Create(_k7);
        Vector128<uint> x12 = lo, x13 = hi, x14 = Vector128.Create(n0), x15 = Vector128.Create(n1);
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        Interleave(x0 + Vector128.Create(Sigma0), x1 + Vector128.Create(Sigma1), x2 + Vector128.Create(Sigma2),
            x3 + Vector128.Create(Sigma3), out var a0, out var a1, out var a2, out var a3);
        Interleave(x4 + Vector128.Create(_k0), x5 + Vector128.Create(_k1), x6 + Vector128.Create(_k2), x7 + Vector128.Create(_k3),
            out var b0, out var b1, out var b2, out var b3);
        Interleave(x8 + Vector128.Create(_k4), x9 + Vector128.Create(_k5), x10 + Vector128.Create(_k6), x11 + Vector128.Create(_k7),
            out var c0, out var c1, out var c2, out var c3);
        Interleave(x12 + lo, x13 + hi, x14 + Vector128.Create(n0), x15 + Vector128.Create(n1),
            out var d0, out var d1, out var d2, out var d3);

        // aj..dj are block j whole.
        XorStore(a0, b0, c0, d0, ref src, ref dst, 0);
        XorStore(a1, b1, c1, d1, ref src, ref dst, BlockSize);
        XorStore(a2, b2, c2, d2, ref src, ref dst, 2 * BlockSize);
        XorStore(a3, b3, c3, d3, ref src, ref dst, 3 * BlockSize);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d = RotateLeft(d ^ a, 16);
        c += d; b = RotateLeft(b ^ c, 12);
        a += b; d = RotateLeft(d ^ a, 8);
        c += d; b = RotateLeft(b ^ c, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft(Vector128<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, n) : (x << n) | (x >>> (32 - n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector128<uint> w0, Vector128<uint> w1, Vector128<uint> w2, Vector128<uint> w3,
        out Vector128<uint> j0, out Vector128<uint> j1, out Vector128<uint> j2, out Vector128<uint> j3)
    {
        var t0 = Sse2.UnpackLow(w0, w1).AsUInt64();
        var t1 = Sse2.UnpackHigh(w0, w1).AsUInt64();
        var t2 = Sse2.UnpackLow(w2, w3).AsUInt64();
        var t3 = Sse2.UnpackHigh(w2, w3).AsUInt64();
        j0 = Sse2.UnpackLow(t0, t2).AsUInt32();
        j1 = Sse2.UnpackHigh(t0, t2).AsUInt32();
        j2 = Sse2.UnpackLow(t1, t3).AsUInt32();
        j3 = Sse2.UnpackHigh(t1, t3).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(
        Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d, ref byte src, ref byte dst, nuint offset)
    {
        (Vector128.LoadUnsafe(ref src, offset) ^ a.AsByte()).StoreUnsafe(ref dst, offset);
        (Vector128.LoadUnsafe(ref src, offset + 16) ^ b.AsByte()).StoreUnsafe(ref dst, offset + 16);
        (Vector128.LoadUnsafe(ref src, offset + 32) ^ c.AsByte()).StoreUnsafe(ref dst, offset + 32);
        (Vector128.LoadUnsafe(ref src, offset + 48) ^ d.AsByte()).StoreUnsafe(ref dst, offset + 48);
    }
}
