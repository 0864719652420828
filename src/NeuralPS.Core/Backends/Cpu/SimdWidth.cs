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
internal unsafe interface ISimd<TV> where TV : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    static abstract TV Load(float* p);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TV Create(float value);

    /// <summary>a·b + acc, fused where the CPU has FMA.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV acc);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TV v);
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
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> acc) => Avx512F.FusedMultiplyAdd(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Vector512.Sum(v);
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
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc) : a * b + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Vector256.Sum(v);
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
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, a, b)
        : a * b + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v) => Vector128.Sum(v);
}
