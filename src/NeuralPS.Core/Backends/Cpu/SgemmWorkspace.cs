using System.Runtime.InteropServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Per-thread packing buffers of the SGEMM: 64-byte aligned native memory, allocated on a
/// thread's first GEMM and grown (never shrunk) when a larger block is seen, so steady-state calls
/// allocate nothing. Per thread, not per team: two threads never share a packed panel (a shared A
/// buffer across MC blocks of different sizes was a real race in an earlier prototype).
/// Freed by the finalizer when the owning thread ends.</summary>
internal sealed unsafe class SgemmWorkspace
{
    [ThreadStatic] private static SgemmWorkspace? t_current;

    private float* _a;
    private nint _aCapacity;
    private float* _b;
    private nint _bCapacity;

    private SgemmWorkspace()
    {
        // One C tile (MR x NR) for edge tiles, plus one row of scratch for the activations.
        Tile = (float*)NativeMemory.AlignedAlloc((nuint)(TileFloats * sizeof(float)), 64);
        Scratch = (float*)NativeMemory.AlignedAlloc((nuint)(ScratchFloats * sizeof(float)), 64);
    }

    public const int TileFloats = 8 * 64;
    public const int ScratchFloats = 256;

    public static SgemmWorkspace Current => t_current ??= new SgemmWorkspace();

    /// <summary>MR x NR tile for edge tiles (row stride = <see cref="SgemmBlocking.TileStride"/>).</summary>
    public float* Tile { get; }

    /// <summary>Scratch row used by the element-wise epilogue.</summary>
    public float* Scratch { get; }

    public float* PackA(nint floats)
    {
        if (floats > _aCapacity) Grow(ref _a, ref _aCapacity, floats);
        return _a;
    }

    public float* PackB(nint floats)
    {
        if (floats > _bCapacity) Grow(ref _b, ref _bCapacity, floats);
        return _b;
    }

    private static void Grow(ref float* p, ref nint capacity, nint floats)
    {
        if (p != null) NativeMemory.AlignedFree(p);
        // Round up so that small increases do not reallocate again; +64 floats of slack lets the
        // vectorised packers write whole vectors past a panel's end.
        nint size = (floats + 64 + 4095) & ~(nint)4095;
        p = (float*)NativeMemory.AlignedAlloc((nuint)(size * sizeof(float)), 64);
        capacity = size - 64;
    }

    ~SgemmWorkspace()
    {
        if (_a != null) NativeMemory.AlignedFree(_a);
        if (_b != null) NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(Tile);
        NativeMemory.AlignedFree(Scratch);
    }
}
