using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Crypto;

/// <summary>
/// The Poly1305 one-time authenticator of RFC 8439 §2.5: the message, cut into 16-byte blocks each extended by a 1
/// bit, is evaluated as a polynomial in r modulo p = 2^130 - 5, and s is added modulo 2^128.
/// </summary>
/// <remarks>
/// The accumulator h lives in three 64-bit limbs (h0 + h1·2^64 + h2·2^128, h2 only a few bits) and r in two, so a
/// block costs four 64x64→128 multiplications. Clamping leaves r1 divisible by 4, which lets the product terms at
/// 2^128 and above fold back exactly: r1·2^128 = (r1/4)·2^130 ≡ 5·(r1/4) (mod p), precomputed as s1 = r1 + r1/4.
/// </remarks>
internal static class Poly1305
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    // Compiled fully optimised at once, for code that does not depend on which messages tiered PGO happened to see first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, Span<byte> tag16)
    {
        if (key32.Length != KeySize)
        {
            throw new ArgumentException($"A Poly1305 key is {KeySize} bytes.", nameof(key32));
        }

        if (tag16.Length != TagSize)
        {
            throw new ArgumentException($"A Poly1305 tag is {TagSize} bytes.", nameof(tag16));
        }

        // r is the first half of the key, clamped (RFC 8439 §2.5): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
        ulong r0 = BinaryPrimitives.ReadUInt64LittleEndian(key32) & 0x0FFFFFFC0FFFFFFF;
        ulong r1 = BinaryPrimitives.ReadUInt64LittleEndian(key32[8..]) & 0x0FFFFFFC0FFFFFFC;
        ulong h0 = 0, h1 = 0, h2 = 0;

        int whole = message.Length & ~15;
        Blocks(ref MemoryMarshal.GetReference(message), whole, r0, r1, 1, ref h0, ref h1, ref h2);
        if (whole != message.Length)
        {
            // The last, short block gets its 1 byte right after the message and no 2^128 bit (RFC 8439 §2.5.1).
            Span<byte> last = stackalloc byte[16];
            message[whole..].CopyTo(last);
            last[message.Length - whole] = 1;
            Blocks(ref MemoryMarshal.GetReference(last), 16, r0, r1, 0, ref h0, ref h1, ref h2);
        }

        // h < 2p here, so one conditional subtraction of p reduces it fully: h - p = h + 5 - 2^130, taken when h + 5
        // reaches 2^130. The choice is a mask, not a branch, to keep the time independent of the secret result.
        ulong carry = 0;
        ulong g0 = Add(h0, 5, ref carry);
        ulong g1 = Add(h1, 0, ref carry);
        ulong take = 0UL - ((h2 + carry) >> 2);
        h0 = (h0 & ~take) | (g0 & take);
        h1 = (h1 & ~take) | (g1 & take);

        // tag = (h + s) mod 2^128, s being the second half of the key.
        carry = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(tag16, Add(h0, BinaryPrimitives.ReadUInt64LittleEndian(key32[16..]), ref carry));
        BinaryPrimitives.WriteUInt64LittleEndian(tag16[8..], Add(h1, BinaryPrimitives.ReadUInt64LittleEndian(key32[24..]), ref carry));
    }

    /// <summary>Recomputes the tag and compares it in constant time; a tag of the wrong length is simply not valid.</summary>
    public static bool Verify(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> tag16)
    {
        Span<byte> expected = stackalloc byte[TagSize];
        Compute(key32, message, expected);
        return tag16.Length == TagSize && CryptographicOperations.FixedTimeEquals(expected, tag16);
    }

    /// <summary>h = (h + block + hibit·2^128)·r mod p (partially reduced) for each 16-byte block of the length given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blocks(ref byte message, int length, ulong r0, ulong r1, ulong hibit, ref ulong h0, ref ulong h1, ref ulong h2)
    {
        ulong s1 = r1 + (r1 >> 2);
        ulong a0 = h0, a1 = h1, a2 = h2;
        for (int i = 0; i < length; i += 16)
        {
            ulong carry = 0;
            a0 = Add(a0, ReadUInt64LittleEndian(ref Unsafe.Add(ref message, i)), ref carry);
            a1 = Add(a1, ReadUInt64LittleEndian(ref Unsafe.Add(ref message, i + 8)), ref carry);
            a2 += carry + hibit;

            // (a0 + a1·2^64 + a2·2^128)(r0 + r1·2^64), every term at 2^128 or above folded back through s1; with
            // a2 < 8 and r0, r1 < 2^60, d1 stays below 2^126 and d2 fits in 64 bits.
            ulong d0Hi = Math.BigMul(a0, r0, out ulong d0);
            ulong d1Hi = Math.BigMul(a0, r1, out ulong d1);
            ulong hi = Math.BigMul(a1, s1, out ulong lo);
            carry = 0;
            d0 = Add(d0, lo, ref carry);
            d0Hi += hi + carry;
            hi = Math.BigMul(a1, r0, out lo);
            carry = 0;
            d1 = Add(d1, lo, ref carry);
            d1Hi += hi + carry;
            carry = 0;
            d1 = Add(d1, a2 * s1, ref carry);
            d1Hi += carry;
            carry = 0;
            d1 = Add(d1, d0Hi, ref carry);
            ulong d2 = (a2 * r0) + d1Hi + carry;

            // Partial reduction: keep 130 bits and add the excess times 5, since 2^130 ≡ 5 (mod p).
            carry = 0;
            a0 = Add(d0, (d2 >> 2) + (d2 & ~3UL), ref carry);
            a1 = Add(d1, 0, ref carry);
            a2 = (d2 & 3) + carry;
        }

        h0 = a0;
        h1 = a1;
        h2 = a2;
    }

    /// <summary>a + b + carry, the carry out computed from the top bits rather than compared, so no branch can appear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Add(ulong a, ulong b, ref ulong carry)
    {
        ulong sum = a + b + carry;
        carry = ((a & b) | ((a | b) & ~sum)) >> 63;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadUInt64LittleEndian(ref byte source)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }
}
