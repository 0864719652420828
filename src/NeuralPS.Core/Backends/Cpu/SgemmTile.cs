using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>How a micro-kernel writes its accumulators into C, decided once per K block:
/// v = Alpha·acc; when ReadC, v = C·Beta + v (fused); when Epilogue (last K block), v += column bias,
/// row bias, then the inline activation (None/ReLU/LeakyReLU; the others run over the finished tile
/// right after, see <see cref="SgemmEpilogueOps"/>).</summary>
internal unsafe struct TileStore
{
    public float Alpha;
    public float Beta;
    /// <summary>Alpha ≠ 1 (skip 24 multiplies per tile otherwise; matters when K is tiny).</summary>
    public bool ScaleAlpha;
    public bool ReadC;
    public bool Epilogue;
    public ActivationKind Activation;
    public float Slope;

    /// <summary>The same decisions as bits (read once per tile into a register by the kernels):
    /// ScaleBit = alpha ≠ 1, ReadCBit, EpilogueBit, ReluBit / LeakyBit = inline activation on the last slice.</summary>
    public int Flags;
    public const int ScaleBit = 1, ReadCBit = 2, EpilogueBit = 4, ReluBit = 8, LeakyBit = 16;

    /// <summary>Raw accumulators into a scratch tile (edge tiles are merged into C afterwards).</summary>
    public static TileStore Raw => new() { Alpha = 1f, Beta = 0f, ReadC = false, Epilogue = false, Flags = 0 };

    public static TileStore For(float alpha, float beta, bool first, bool last, ActivationKind activation, float slope)
    {
        var st = new TileStore
        {
            Alpha = alpha,
            ScaleAlpha = alpha != 1f,
            Beta = first ? beta : 1f,
            ReadC = !first || beta != 0f,
            Epilogue = last,
            Activation = activation,
            Slope = slope,
        };
        st.Flags = (st.ScaleAlpha ? ScaleBit : 0) | (st.ReadC ? ReadCBit : 0) | (last ? EpilogueBit : 0)
            | (last && activation == ActivationKind.ReLU ? ReluBit : 0) | (last && activation == ActivationKind.LeakyReLU ? LeakyBit : 0);
        return st;
    }
}

/// <summary>Compile-time integers for specialising the micro-kernels: the JIT compiles one body per
/// struct type argument and folds <c>T.Value</c> to a constant, removing the unused accumulators.</summary>
internal interface IConst
{
    static abstract int Value { get; }
}

internal struct C0 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; } }
internal struct C1 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; } }
internal struct C2 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2; } }
internal struct C3 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3; } }
internal struct C4 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 4; } }
internal struct C5 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; } }
internal struct C6 : IConst { public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 6; } }

/// <summary>A run of micro-tiles done by one kernel call: Count tiles, and after each the A, B and C
/// pointers (and the bias pointers, when present) move by these many floats. One call per run instead of
/// one per tile: the call, argument and flag overhead (~60 cycles) mattered when K is tiny.</summary>
internal struct TileSteps
{
    public int Count;
    public nint A, B, C, ColumnBias, RowBias;

    public static TileSteps One => new() { Count = 1 };
}
