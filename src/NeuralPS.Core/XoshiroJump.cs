using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core;

/// <summary>The four state words of xoshiro256**, as a value (the dropout mask kernel passes states between
/// threads and vector lanes).</summary>
internal struct XoshiroState
{
    public ulong S0, S1, S2, S3;

    public XoshiroState(ulong s0, ulong s1, ulong s2, ulong s3) { S0 = s0; S1 = s1; S2 = s2; S3 = s3; }

    /// <summary>One xoshiro256** step (the same as <see cref="NeuralRandom.NextUInt64"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong result = BitOperations.RotateLeft(S1 * 5, 7) * 9;
        ulong t = S1 << 17;
        S2 ^= S0; S3 ^= S1; S1 ^= S2; S0 ^= S3; S2 ^= t;
        S3 = BitOperations.RotateLeft(S3, 45);
        return result;
    }
}

/// <summary>Jump-ahead by an arbitrary number of steps for xoshiro256**.
///
/// The state transition T is linear over GF(2) on the 256-bit state, so with p(x) its characteristic polynomial
/// (degree 256; p(T) = 0 by Cayley–Hamilton) and r(x) = x^n mod p(x), T^n(s) = Σ r_i·T^i(s): at most 256 steps
/// with an accumulator, exactly like the official xoshiro jump() (whose JUMP/LONG_JUMP constants are r for
/// n = 2^128 and 2^192; the tests check that). p is found once, by Berlekamp–Massey on 512 bits of one state
/// bit's sequence (a linear sequence of T, so its minimal polynomial divides p; degree 256 means it is p).
/// r for a given n costs ~log2(n) squarings modulo p (a squaring in GF(2)[x] is a bit spread; the reduction
/// uses a table of x^(256+j) mod p), a few µs; callers cache what they reuse.</summary>
internal static class XoshiroJump
{
    // Coefficients of x^0 .. x^255 of p (x^256 implicit), and Reduce[j] = x^(256+j) mod p.
    private static readonly ulong[] s_p;
    private static readonly ulong[] s_reduce;

    static XoshiroJump()
    {
        s_p = CharacteristicPolynomial();
        s_reduce = new ulong[256 * 4];
        Span<ulong> r = stackalloc ulong[4];
        s_p.CopyTo(r); // x^256 ≡ p − x^256 = the low coefficients (GF(2): minus is plus)
        for (int j = 0; j < 256; j++)
        {
            r.CopyTo(s_reduce.AsSpan(j * 4, 4));
            MulX(r);
        }
    }

    /// <summary>The low 256 coefficients of the characteristic polynomial (x^256 implicit).</summary>
    internal static ReadOnlySpan<ulong> Characteristic => s_p;

    private static ulong[] CharacteristicPolynomial()
    {
        // Bit 0 of S0 along 512 steps from an arbitrary non-zero state.
        const int N = 512;
        var seq = new byte[N];
        var s = new XoshiroState(0x9E3779B97F4A7C15UL, 0xBF58476D1CE4E5B9UL, 0x94D049BB133111EBUL, 1);
        for (int i = 0; i < N; i++) { seq[i] = (byte)(s.S0 & 1); s.Next(); }
        // Berlekamp–Massey over GF(2): the shortest C (C_0 = 1) with Σ_{i=0..L} C_i·seq[k−i] = 0 for all k ≥ L.
        var c = new byte[N + 1]; var b = new byte[N + 1]; var t = new byte[N + 1];
        c[0] = b[0] = 1;
        int l = 0, m = 1;
        for (int n = 0; n < N; n++)
        {
            int d = seq[n];
            for (int i = 1; i <= l; i++) d ^= c[i] & seq[n - i];
            if (d == 0) { m++; continue; }
            Array.Copy(c, t, N + 1);
            for (int i = 0; i + m <= N; i++) c[i + m] ^= b[i];
            if (2 * l <= n) { l = n + 1 - l; Array.Copy(t, b, N + 1); m = 1; }
            else m++;
        }
        if (l != 256) throw new InvalidOperationException($"xoshiro256 linear complexity came out {l}, not 256.");
        // p(x) = x^256 + Σ_{i=1..256} C_i·x^(256−i).
        var p = new ulong[4];
        for (int i = 1; i <= 256; i++)
            if (c[i] != 0) { int e = 256 - i; p[e >> 6] |= 1UL << (e & 63); }
        return p;
    }

    // r ← r·x mod p.
    private static void MulX(Span<ulong> r)
    {
        ulong carry = r[3] >> 63;
        r[3] = (r[3] << 1) | (r[2] >> 63);
        r[2] = (r[2] << 1) | (r[1] >> 63);
        r[1] = (r[1] << 1) | (r[0] >> 63);
        r[0] <<= 1;
        if (carry != 0) { r[0] ^= s_p[0]; r[1] ^= s_p[1]; r[2] ^= s_p[2]; r[3] ^= s_p[3]; }
    }

    // The 32 bits of x spread to the even bits of a word (squaring in GF(2)[x] has no cross terms).
    private static ulong Spread(ulong x)
    {
        x &= 0xFFFFFFFFUL;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        return (x | (x << 1)) & 0x5555555555555555UL;
    }

    // r ← r² mod p.
    private static void Square(Span<ulong> r)
    {
        Span<ulong> w = stackalloc ulong[8];
        for (int i = 0; i < 4; i++) { w[2 * i] = Spread(r[i]); w[2 * i + 1] = Spread(r[i] >> 32); }
        for (int i = 0; i < 4; i++) r[i] = w[i];
        for (int hw = 0; hw < 4; hw++)
        {
            for (ulong bits = w[4 + hw]; bits != 0; bits &= bits - 1)
            {
                int j = hw * 64 + BitOperations.TrailingZeroCount(bits);
                var red = s_reduce.AsSpan(j * 4, 4);
                r[0] ^= red[0]; r[1] ^= red[1]; r[2] ^= red[2]; r[3] ^= red[3];
            }
        }
    }

    /// <summary>x^n mod p, as the 256 coefficients (bit i of word i/64 = coefficient of x^i).</summary>
    public static ulong[] Polynomial(BigInteger n)
    {
        if (n.Sign < 0) throw new ArgumentOutOfRangeException(nameof(n));
        var r = new ulong[4];
        r[0] = 1;
        for (long bit = (long)n.GetBitLength() - 1; bit >= 0; bit--)
        {
            Square(r);
            if (!(n >> (int)bit).IsEven) MulX(r);
        }
        return r;
    }

    /// <summary>s ← T^n(s), where <paramref name="r"/> = <see cref="Polynomial"/>(n).</summary>
    public static void Jump(ref XoshiroState s, ReadOnlySpan<ulong> r)
    {
        ulong a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        var x = s;
        for (int i = 0; i < 256; i++)
        {
            // Branch-free: r's bits are random, a branch would mispredict half the time.
            ulong take = 0UL - ((r[i >> 6] >> (i & 63)) & 1);
            a0 ^= x.S0 & take; a1 ^= x.S1 & take; a2 ^= x.S2 & take; a3 ^= x.S3 & take;
            x.Next();
        }
        s = new XoshiroState(a0, a1, a2, a3);
    }
}
