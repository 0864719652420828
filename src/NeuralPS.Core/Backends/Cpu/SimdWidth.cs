using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>One SIMD width of float32 for kernels written once for every width (the pattern of
/// TensorPrimitives' operators): a kernel generic over <c>TS : struct, ISimd&lt;TV&gt;</c> is compiled by the
/// JIT separately for each struct below, with the static abstract calls inlined, so each width runs code as
/// if written for it alone. <see cref="Simd512"/> needs AVX-512F; <see cref="Simd256"/> AVX (FMA where the
/// CPU has it); <see cref="Simd128"/> is SSE on x64 and AdvSimd (NEON) on ARM64.</summary>
internal unsafe interface ISimd<TV> where TV : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    static abstract TV Load(float* p);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TV Create(float value);

    /// <summary>Every lane set to *<paramref name="p"/>, as one load (vbroadcastss, NEON ld1r). For a value read
    /// from memory in a hot loop: <see cref="Create"/> of a loaded float is a load and a shuffle on x64 without
    /// AVX2, and that shuffle takes an FP pipe slot from the multiply-adds.</summary>
    static abstract TV LoadBroadcast(float* p);

    /// <summary>a·b + acc, fused where the CPU has FMA.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV acc);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TV v);

    static abstract TV Zero { get; }

    /// <summary>0, 1, …, Lanes − 1.</summary>
    static abstract TV Indices { get; }

    static abstract void Store(TV v, float* p);

    static abstract TV Add(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    static abstract TV Sqrt(TV a);

    /// <summary>All bits set in the lanes where a &gt; b (false where either is NaN).</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>All bits set in the lanes where a ≥ b.</summary>
    static abstract TV GreaterThanOrEqual(TV a, TV b);

    /// <summary>All bits set in the NaN lanes.</summary>
    static abstract TV IsNaN(TV a);

    static abstract TV Or(TV a, TV b);

    static abstract TV And(TV a, TV b);

    /// <summary>Per bit: mask ? a : b.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>Truncates each lane to int32 and stores the Lanes ints at <paramref name="p"/>.</summary>
    static abstract void StoreInt32(TV v, int* p);

    /// <summary>Of the 2·Lanes floats a‖b: the even-indexed ones in order, and the odd-indexed ones.</summary>
    static abstract void Deinterleave(TV a, TV b, out TV even, out TV odd);

    /// <summary>dst row t (Lanes floats at dst + t·dstStride) = column t of the Lanes × Lanes tile at src
    /// (row r at src + r·srcStride), transposed in registers.</summary>
    static abstract void TransposeTile(float* src, nint srcStride, float* dst, nint dstStride);
}

internal readonly unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static int Lanes => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadBroadcast(float* p) => Vector512.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> acc) => Avx512F.FusedMultiplyAdd(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Vector512.Sum(v);

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> v, float* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> IsNaN(Vector512<float> a) => ~Vector512.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInt32(Vector512<float> v, int* p) => Vector512.ConvertToInt32(v).Store(p);

    public static Vector512<float> Indices => Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(Vector512<float> a, Vector512<float> b, out Vector512<float> even, out Vector512<float> odd)
    {
        var e = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        even = Avx512F.PermuteVar16x32x2(a, e, b);
        odd = Avx512F.PermuteVar16x32x2(a, e + Vector512<int>.One, b);
    }

    /// <summary>Stages 1–2 per group of 4 rows: unpack 32-bit then 64-bit pairs (s{g}{c} lane l = rows 4g..4g+3
    /// of column 4l+c); stages 3–4: a 4×4 transpose of 128-bit lanes for each c, output row 4l+c (64 shuffles per 256 floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeTile(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Group(src, srcStride, out var s00, out var s01, out var s02, out var s03);
        Group(src + 4 * srcStride, srcStride, out var s10, out var s11, out var s12, out var s13);
        Group(src + 8 * srcStride, srcStride, out var s20, out var s21, out var s22, out var s23);
        Group(src + 12 * srcStride, srcStride, out var s30, out var s31, out var s32, out var s33);
        StoreLanes(s00, s10, s20, s30, dst, dstStride);
        StoreLanes(s01, s11, s21, s31, dst + dstStride, dstStride);
        StoreLanes(s02, s12, s22, s32, dst + 2 * dstStride, dstStride);
        StoreLanes(s03, s13, s23, s33, dst + 3 * dstStride, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group(float* src, nint stride, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        var r0 = Vector512.Load(src);
        var r1 = Vector512.Load(src + stride);
        var r2 = Vector512.Load(src + 2 * stride);
        var r3 = Vector512.Load(src + 3 * stride);
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        c0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        c1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        c2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        c3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    // Rows 4l+c for l = 0..3 are written at dst + 4l·stride (dst already offset by c rows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, float* dst, nint stride)
    {
        var x0 = Avx512F.Shuffle4x128(g0, g1, 0x44);
        var x1 = Avx512F.Shuffle4x128(g0, g1, 0xEE);
        var x2 = Avx512F.Shuffle4x128(g2, g3, 0x44);
        var x3 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        Vector512.Store(Avx512F.Shuffle4x128(x0, x2, 0x88), dst);
        Vector512.Store(Avx512F.Shuffle4x128(x0, x2, 0xDD), dst + 4 * stride);
        Vector512.Store(Avx512F.Shuffle4x128(x1, x3, 0x88), dst + 8 * stride);
        Vector512.Store(Avx512F.Shuffle4x128(x1, x3, 0xDD), dst + 12 * stride);
    }
}

internal readonly unsafe struct Simd256 : ISimd<Vector256<float>>
{
    public static bool IsSupported => Avx.IsSupported && Vector256.IsHardwareAccelerated;

    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadBroadcast(float* p) => Avx.BroadcastScalarToVector256(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc) : a * b + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Vector256.Sum(v);

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> v, float* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> IsNaN(Vector256<float> a) => ~Vector256.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInt32(Vector256<float> v, int* p) => Vector256.ConvertToInt32(v).Store(p);

    public static Vector256<float> Indices => Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);

    /// <summary>vshufps takes lanes 0,2 (or 1,3) of a and b within each 128-bit half; vpermpd puts the halves'
    /// 64-bit pairs in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(Vector256<float> a, Vector256<float> b, out Vector256<float> even, out Vector256<float> odd)
    {
        even = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        odd = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
    }

    /// <summary>The usual 8×8: unpack pairs, shuffle quads, exchange 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeTile(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var r0 = Vector256.Load(src); var r1 = Vector256.Load(src + srcStride);
        var r2 = Vector256.Load(src + 2 * srcStride); var r3 = Vector256.Load(src + 3 * srcStride);
        var r4 = Vector256.Load(src + 4 * srcStride); var r5 = Vector256.Load(src + 5 * srcStride);
        var r6 = Vector256.Load(src + 6 * srcStride); var r7 = Vector256.Load(src + 7 * srcStride);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).Store(dst); Avx.Permute2x128(u1, u5, 0x20).Store(dst + dstStride);
        Avx.Permute2x128(u2, u6, 0x20).Store(dst + 2 * dstStride); Avx.Permute2x128(u3, u7, 0x20).Store(dst + 3 * dstStride);
        Avx.Permute2x128(u0, u4, 0x31).Store(dst + 4 * dstStride); Avx.Permute2x128(u1, u5, 0x31).Store(dst + 5 * dstStride);
        Avx.Permute2x128(u2, u6, 0x31).Store(dst + 6 * dstStride); Avx.Permute2x128(u3, u7, 0x31).Store(dst + 7 * dstStride);
    }
}

internal readonly unsafe struct Simd128 : ISimd<Vector128<float>>
{
    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadBroadcast(float* p) =>
        Avx.IsSupported ? Avx.BroadcastScalarToVector128(p)
        : AdvSimd.IsSupported ? AdvSimd.LoadAndReplicateToVector128(p)
        : Vector128.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, a, b)
        : a * b + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v) => Vector128.Sum(v);

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> v, float* p) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThanOrEqual(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> IsNaN(Vector128<float> a) => ~Vector128.Equals(a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Or(Vector128<float> a, Vector128<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInt32(Vector128<float> v, int* p) => Vector128.ConvertToInt32(v).Store(p);

    public static Vector128<float> Indices => Vector128.Create(0f, 1, 2, 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(Vector128<float> a, Vector128<float> b, out Vector128<float> even, out Vector128<float> odd)
    {
        if (Sse.IsSupported)
        {
            even = Sse.Shuffle(a, b, 0b10_00_10_00);
            odd = Sse.Shuffle(a, b, 0b11_01_11_01);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            even = AdvSimd.Arm64.UnzipEven(a, b);
            odd = AdvSimd.Arm64.UnzipOdd(a, b);
        }
        else
        {
            even = Vector128.Create(a.GetElement(0), a.GetElement(2), b.GetElement(0), b.GetElement(2));
            odd = Vector128.Create(a.GetElement(1), a.GetElement(3), b.GetElement(1), b.GetElement(3));
        }
    }

    /// <summary>4×4: interleave pairs of rows, then pairs of 64-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeTile(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var r0 = Vector128.Load(src); var r1 = Vector128.Load(src + srcStride);
        var r2 = Vector128.Load(src + 2 * srcStride); var r3 = Vector128.Load(src + 3 * srcStride);
        if (Sse.IsSupported)
        {
            var t0 = Sse.UnpackLow(r0, r1); var t1 = Sse.UnpackLow(r2, r3);
            var t2 = Sse.UnpackHigh(r0, r1); var t3 = Sse.UnpackHigh(r2, r3);
            Sse.MoveLowToHigh(t0, t1).Store(dst); Sse.MoveHighToLow(t1, t0).Store(dst + dstStride);
            Sse.MoveLowToHigh(t2, t3).Store(dst + 2 * dstStride); Sse.MoveHighToLow(t3, t2).Store(dst + 3 * dstStride);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            var t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsDouble(); var t1 = AdvSimd.Arm64.ZipLow(r2, r3).AsDouble();
            var t2 = AdvSimd.Arm64.ZipHigh(r0, r1).AsDouble(); var t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsDouble();
            AdvSimd.Arm64.ZipLow(t0, t1).AsSingle().Store(dst); AdvSimd.Arm64.ZipHigh(t0, t1).AsSingle().Store(dst + dstStride);
            AdvSimd.Arm64.ZipLow(t2, t3).AsSingle().Store(dst + 2 * dstStride); AdvSimd.Arm64.ZipHigh(t2, t3).AsSingle().Store(dst + 3 * dstStride);
        }
        else
        {
            for (int t = 0; t < 4; t++)
                Vector128.Create(src[t], src[srcStride + t], src[2 * srcStride + t], src[3 * srcStride + t]).Store(dst + t * dstStride);
        }
    }

}
