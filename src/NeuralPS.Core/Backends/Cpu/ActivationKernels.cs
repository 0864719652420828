using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The vectorised element-wise activations, forward and backward, and the one dispatch the backend,
/// the GEMM epilogue and the direct convolution share. Each kernel runs over chunks of 256 floats through
/// stack scratch (so y may be x, and dx may be dy): TensorPrimitives does the exp/log/sigmoid/tanh of a
/// chunk, Vector&lt;float&gt; loops do the selects and polynomials, and each loop's scalar tail computes
/// exactly what a lane computes, so results do not depend on alignment.
/// <para>Accuracy (float32, against the float64 definitions in <see cref="CpuActivations"/>): expm1 uses a
/// degree-8 Taylor polynomial below |x| = 0.5 and e^x − 1 above (no cancellation either way), log1p Kahan's
/// log(u)·w/(u − 1), GELU Numerical Recipes' erfc (see <see cref="ErrorFunction"/>), so every kind is within
/// a few float32 ulps in relative terms (the PyTorch reference tests bound it by 1e-6).</para></summary>
internal static class ActivationKernels
{
    private const int Chunk = 256;
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;
    private const float SeluAlpha = (float)CpuActivations.SeluAlpha;
    private const float SeluScale = (float)CpuActivations.SeluScale;

    /// <summary>True for the kinds <see cref="Forward"/> handles (every element-wise kind).</summary>
    public static bool IsElementwise(ActivationKind kind) => kind != ActivationKind.Softmax && IsKnown(kind);

    /// <summary>True for a declared <see cref="ActivationKind"/> (the kinds are 0 .. <see cref="LastKind"/> without gaps;
    /// a test holds that). A range check, not Enum.IsDefined: this runs on every activation call of a training step, and
    /// Enum.IsDefined reads the enum's metadata through the type's shared reflection cache, which another thread that
    /// formats or parses the same enum can replace, so a call then allocates (seen: 168-1440 bytes per 5 steps of the
    /// residual network in ConvZeroAllocationTests when another test class ran beside it).</summary>
    public static bool IsKnown(ActivationKind kind) => (uint)kind <= (uint)LastKind;

    /// <summary>The highest declared kind.</summary>
    internal const ActivationKind LastKind = ActivationKind.HardSwish;

    /// <summary>y = act(x) for an element-wise kind; y may be x.</summary>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y, float alpha, float beta, float threshold)
    {
        switch (kind)
        {
            case ActivationKind.None: x.CopyTo(y); break; // memmove: a no-op copy when y is x
            case ActivationKind.ReLU: TensorPrimitives.Max(x, 0f, y); break;
            case ActivationKind.LeakyReLU: ElementwiseKernels.LeakyRelu(x, y, alpha); break;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(x, y); break;
            case ActivationKind.GELU: Gelu(x, y); break;
            case ActivationKind.GELUTanh: ElementwiseKernels.GeluTanh(x, y); break;
            case ActivationKind.ELU: Elu(x, y, alpha, 1f); break;
            case ActivationKind.SELU: Elu(x, y, SeluAlpha, SeluScale); break;
            case ActivationKind.SiLU: Silu(x, y); break;
            case ActivationKind.Softplus: Softplus(x, y, beta, threshold); break;
            case ActivationKind.HardSigmoid: HardSigmoid(x, y); break;
            case ActivationKind.HardSwish: HardSwish(x, y); break;
            default: throw new InvalidConfigurationException($"Activation {kind} is not element-wise.");
        }
    }

    /// <summary>dx = dy ⊙ act′(x) for the kinds added with GELU's exact form (their derivatives are taken
    /// from the input). dx may be dy.</summary>
    public static void BackwardFromInput(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha, float beta, float threshold)
    {
        switch (kind)
        {
            case ActivationKind.GELU: GeluBackward(x, dy, dx); break;
            case ActivationKind.GELUTanh: ElementwiseKernels.GeluTanhBackward(x, dy, dx); break;
            case ActivationKind.ELU: EluBackward(x, dy, dx, alpha, 1f); break;
            case ActivationKind.SELU: EluBackward(x, dy, dx, SeluAlpha, SeluScale); break;
            case ActivationKind.SiLU: SiluBackward(x, dy, dx); break;
            case ActivationKind.Softplus: SoftplusBackward(x, dy, dx, beta, threshold); break;
            case ActivationKind.HardSigmoid: HardSigmoidBackward(x, dy, dx); break;
            case ActivationKind.HardSwish: HardSwishBackward(x, dy, dx); break;
            default: throw new InvalidConfigurationException($"Activation {kind} has no input-based backward here.");
        }
    }

    // ---------------------------------------------------------------- the one element loop

    /// <summary>An element-wise operation on whole vectors: out = f(x, a, b, c) lane by lane. <see cref="Inputs"/>
    /// says how many of x, a, b, c it reads (the loop loads no others; they arrive as zero).</summary>
    private interface IVectorMap
    {
        static abstract int Inputs { get; }
        Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c);
    }

    /// <summary>y[i] = op(x[i], a[i], b[i], c[i]) for every i (the inputs the op reads as long as x; y may alias any
    /// input at the same offset). The last, partial vector goes through the same vector code on a zero-padded copy,
    /// so every element is computed exactly as a lane is, whatever the length or alignment; there is no scalar copy
    /// of any operation to keep in step.</summary>
    private static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y)
        where TOp : struct, IVectorMap
    {
        int n = x.Length, w = Vector<float>.Count, i = 0;
        if (y.Length < n || (TOp.Inputs > 1 && a.Length < n) || (TOp.Inputs > 2 && b.Length < n) || (TOp.Inputs > 3 && c.Length < n))
            throw new ArgumentException("Every span must be as long as x.");
        ref float rx = ref MemoryMarshal.GetReference(x), ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b), rc = ref MemoryMarshal.GetReference(c), ry = ref MemoryMarshal.GetReference(y);
        for (; i <= n - w; i += w)
        {
            nuint at = (nuint)i;
            var va = TOp.Inputs > 1 ? Vector.LoadUnsafe(ref ra, at) : default;
            var vb = TOp.Inputs > 2 ? Vector.LoadUnsafe(ref rb, at) : default;
            var vc = TOp.Inputs > 3 ? Vector.LoadUnsafe(ref rc, at) : default;
            op.Apply(Vector.LoadUnsafe(ref rx, at), va, vb, vc).StoreUnsafe(ref ry, at);
        }
        if (i == n) return;
        int r = n - i;
        Span<float> tail = stackalloc float[5 * w];
        tail.Clear();
        x.Slice(i, r).CopyTo(tail);
        if (TOp.Inputs > 1) a.Slice(i, r).CopyTo(tail.Slice(w));
        if (TOp.Inputs > 2) b.Slice(i, r).CopyTo(tail.Slice(2 * w));
        if (TOp.Inputs > 3) c.Slice(i, r).CopyTo(tail.Slice(3 * w));
        var result = tail.Slice(4 * w);
        op.Apply(new Vector<float>(tail), new Vector<float>(tail.Slice(w)), new Vector<float>(tail.Slice(2 * w)), new Vector<float>(tail.Slice(3 * w))).CopyTo(result);
        result.Slice(0, r).CopyTo(y.Slice(i));
    }

    private static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IVectorMap => Map(op, x, default, default, default, y);

    private static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> a, Span<float> y) where TOp : struct, IVectorMap => Map(op, x, a, default, default, y);

    private static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) where TOp : struct, IVectorMap => Map(op, x, a, b, default, y);

    private static Vector<int> Positive(Vector<float> x) => Vector.GreaterThan(x, Vector<float>.Zero);

    // ---------------------------------------------------------------- GELU (exact): ½·x·erfc(−x/√2)

    // erfc(a) for a = |x|/√2 ≥ 0 is t·exp(−a² + P(t)), t = 1/(1 + a/2); erfc(−x/√2) is that for x ≤ 0, 2 − that for x > 0.
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> eBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var e = eBuf.Slice(0, n);
            Map(new ErfcExponent(), xs, e);
            TensorPrimitives.Exp(e, e);
            Map(new GeluFromErfc(), xs, e, y.Slice(start, n));
        }
    }

    // dx = dy·(Φ(x) + x·φ(x)), Φ(x) = ½·erfc(−x/√2), φ(x) = e^(−x²/2)/√(2π); e^(−x²/2) = e^(−a²) is the first
    // factor of erfc's exponential, so the two exponentials are taken separately.
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Span<float> gBuf = stackalloc float[Chunk];
        Span<float> pBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var g = gBuf.Slice(0, n);
            var p = pBuf.Slice(0, n);
            Map(new MinusHalfSquare(), xs, g);
            Map(new ErfcPolynomial(), xs, p);
            TensorPrimitives.Exp(g, g);
            TensorPrimitives.Exp(p, p);
            Map(new GeluGradient(), xs, dy.Slice(start, n), p, g, dx.Slice(start, n));
        }
    }

    /// <summary>t = 1/(1 + a/2), a = |x|/√2 (recomputed where needed: cheaper than a pass through memory).</summary>
    private static Vector<float> ErfcT(Vector<float> x) =>
        Vector<float>.One / (Vector<float>.One + new Vector<float>(0.5f * InvSqrt2) * Vector.Abs(x));

    /// <summary>−a² = −x²/2.</summary>
    private readonly struct MinusHalfSquare : IVectorMap
    {
        public static int Inputs => 1;
        public Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c) => new Vector<float>(-0.5f) * x * x;
    }

    /// <summary>P(t) of erfc.</summary>
    private readonly struct ErfcPolynomial : IVectorMap
    {
        public static int Inputs => 1;
        public Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c) => Polynomial(ErfcT(x));
    }

    /// <summary>−a² + P(t).</summary>
    private readonly struct ErfcExponent : IVectorMap
    {
        public static int Inputs => 1;
        public Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c) =>
            Polynomial(ErfcT(x)) - new Vector<float>(0.5f) * x * x;
    }

    private static Vector<float> Polynomial(Vector<float> t)
    {
        var poly = new Vector<float>(ErrorFunction.C9);
        poly = poly * t + new Vector<float>(ErrorFunction.C8);
        poly = poly * t + new Vector<float>(ErrorFunction.C7);
        poly = poly * t + new Vector<float>(ErrorFunction.C6);
        poly = poly * t + new Vector<float>(ErrorFunction.C5);
        poly = poly * t + new Vector<float>(ErrorFunction.C4);
        poly = poly * t + new Vector<float>(ErrorFunction.C3);
        poly = poly * t + new Vector<float>(ErrorFunction.C2);
        poly = poly * t + new Vector<float>(ErrorFunction.C1);
        return poly * t + new Vector<float>(ErrorFunction.C0);
    }

    /// <summary>y = ½·x·erfc(−x/√2) from x and e = exp(−a² + P(t)).</summary>
    private readonly struct GeluFromErfc : IVectorMap
    {
        public static int Inputs => 2;
        public Vector<float> Apply(Vector<float> x, Vector<float> e, Vector<float> b, Vector<float> c)
        {
            var ec = ErfcT(x) * e;
            return new Vector<float>(0.5f) * x * Vector.ConditionalSelect(Positive(x), new Vector<float>(2f) - ec, ec);
        }
    }

    /// <summary>dx = dy·(Φ(x) + x·φ(x)) from x, dy, e^P and g = e^(−a²).</summary>
    private readonly struct GeluGradient : IVectorMap
    {
        public static int Inputs => 4;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> eP, Vector<float> g)
        {
            var ec = ErfcT(x) * g * eP;
            var cdf = new Vector<float>(0.5f) * Vector.ConditionalSelect(Positive(x), new Vector<float>(2f) - ec, ec);
            return dy * (cdf + x * new Vector<float>(InvSqrt2Pi) * g);
        }
    }

    // ---------------------------------------------------------------- ELU / SELU: scale·(x > 0 ? x : α·expm1(x))

    public static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha, float scale)
    {
        Span<float> eBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var e = eBuf.Slice(0, n);
            TensorPrimitives.Min(xs, 0f, e);   // e^min(x, 0): the positive side is not used and must not overflow
            TensorPrimitives.Exp(e, e);
            Map(new EluOp(alpha, scale), xs, e, y.Slice(start, n));
        }
    }

    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha, float scale)
    {
        Span<float> eBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var e = eBuf.Slice(0, n);
            TensorPrimitives.Min(xs, 0f, e);
            TensorPrimitives.Exp(e, e);
            Map(new EluGradient(alpha, scale), xs, dy.Slice(start, n), e, dx.Slice(start, n));
        }
    }

    /// <summary>scale·(x > 0 ? x : α·expm1(x)) from x and e = e^min(x, 0).</summary>
    private readonly struct EluOp(float alpha, float scale) : IVectorMap
    {
        public static int Inputs => 2;
        public Vector<float> Apply(Vector<float> x, Vector<float> e, Vector<float> b, Vector<float> c) =>
            new Vector<float>(scale) * Vector.ConditionalSelect(Positive(x), x, new Vector<float>(alpha) * ExpM1(x, e));
    }

    /// <summary>dy·(x > 0 ? scale : scale·α·e^x).</summary>
    private readonly struct EluGradient(float alpha, float scale) : IVectorMap
    {
        public static int Inputs => 3;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> e, Vector<float> c) =>
            dy * Vector.ConditionalSelect(Positive(x), new Vector<float>(scale), new Vector<float>(scale * alpha) * e);
    }

    private const float T2 = 1f / 2, T3 = 1f / 6, T4 = 1f / 24, T5 = 1f / 120, T6 = 1f / 720, T7 = 1f / 5040, T8 = 1f / 40320;

    // expm1 from x and e = e^x: Taylor to x⁸/8! below |x| = 0.5 (remainder < 1e-8 relative), e − 1 above.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpM1(Vector<float> x, Vector<float> e)
    {
        var p = new Vector<float>(T8);
        p = p * x + new Vector<float>(T7);
        p = p * x + new Vector<float>(T6);
        p = p * x + new Vector<float>(T5);
        p = p * x + new Vector<float>(T4);
        p = p * x + new Vector<float>(T3);
        p = p * x + new Vector<float>(T2);
        p = p * x + Vector<float>.One;
        p *= x;
        return Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), new Vector<float>(0.5f)), p, e - Vector<float>.One);
    }

    // ---------------------------------------------------------------- SiLU: x·σ(x)

    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> sBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var s = sBuf.Slice(0, n);
            TensorPrimitives.Sigmoid(xs, s);
            TensorPrimitives.Multiply(xs, s, y.Slice(start, n));
        }
    }

    // dx = dy·σ(x)·(1 + x·(1 − σ(x)))
    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Span<float> sBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var s = sBuf.Slice(0, n);
            TensorPrimitives.Sigmoid(xs, s);
            Map(new SiluGradient(), xs, dy.Slice(start, n), s, dx.Slice(start, n));
        }
    }

    private readonly struct SiluGradient : IVectorMap
    {
        public static int Inputs => 3;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> s, Vector<float> c) =>
            dy * (s * (Vector<float>.One + x * (Vector<float>.One - s)));
    }

    // ---------------------------------------------------------------- Softplus: β·x > threshold ? x : log(1 + e^(βx))/β

    // log(1 + e^z) = max(z, 0) + log1p(e^−|z|), log1p(w) = log(u)·w/(u − 1) with u = 1 + w (w when u rounds to 1).
    public static void Softplus(ReadOnlySpan<float> x, Span<float> y, float beta, float threshold)
    {
        Span<float> wBuf = stackalloc float[Chunk];
        Span<float> lBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var w = wBuf.Slice(0, n);
            var l = lBuf.Slice(0, n);
            TensorPrimitives.Multiply(xs, beta, w);
            TensorPrimitives.Abs(w, w);
            TensorPrimitives.Negate(w, w);
            TensorPrimitives.Exp(w, w);            // w = e^−|βx| ∈ (0, 1]
            TensorPrimitives.Add(w, 1f, l);
            TensorPrimitives.Log(l, l);            // log(1 + w) as rounded
            Map(new SoftplusOp(beta, threshold), xs, w, l, y.Slice(start, n));
        }
    }

    // dx = dy·σ(βx) below the threshold, dy above.
    public static void SoftplusBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta, float threshold)
    {
        Span<float> sBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var s = sBuf.Slice(0, n);
            TensorPrimitives.Multiply(xs, beta, s);
            TensorPrimitives.Sigmoid(s, s);
            Map(new SoftplusGradient(beta, threshold), xs, dy.Slice(start, n), s, dx.Slice(start, n));
        }
    }

    /// <summary>From x, w = e^−|βx| and l = log(1 + w) as rounded.</summary>
    private readonly struct SoftplusOp(float beta, float threshold) : IVectorMap
    {
        public static int Inputs => 3;
        public Vector<float> Apply(Vector<float> x, Vector<float> w, Vector<float> l, Vector<float> c)
        {
            var z = new Vector<float>(beta) * x;
            var u = Vector<float>.One + w;
            // u − 1 is 0 only where u rounded to 1; that lane takes w, so its 0/0 is never used.
            var log1p = Vector.ConditionalSelect(Vector.Equals(u, Vector<float>.One), w, l * w / (u - Vector<float>.One));
            return Vector.ConditionalSelect(Vector.GreaterThan(z, new Vector<float>(threshold)), x, (Vector.Max(z, Vector<float>.Zero) + log1p) / new Vector<float>(beta));
        }
    }

    private readonly struct SoftplusGradient(float beta, float threshold) : IVectorMap
    {
        public static int Inputs => 3;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> s, Vector<float> c) =>
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(beta) * x, new Vector<float>(threshold)), dy, dy * s);
    }

    // ---------------------------------------------------------------- HardSigmoid relu6(x + 3)/6, HardSwish x·relu6(x + 3)/6

    public static void HardSigmoid(ReadOnlySpan<float> x, Span<float> y) => Map(new HardSigmoidOp(), x, y);

    public static void HardSigmoidBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Map(new HardSigmoidGradient(), x, dy, dx);

    public static void HardSwish(ReadOnlySpan<float> x, Span<float> y) => Map(new HardSwishOp(), x, y);

    // PyTorch's hardswish_backward: 0 below −3, dy·(x/3 + ½) on [−3, 3], dy above.
    public static void HardSwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => Map(new HardSwishGradient(), x, dy, dx);

    private static Vector<float> Relu6Over6(Vector<float> x) =>
        Vector.Min(Vector.Max(x + new Vector<float>(3f), Vector<float>.Zero), new Vector<float>(6f)) / new Vector<float>(6f);

    private readonly struct HardSigmoidOp : IVectorMap
    {
        public static int Inputs => 1;
        public Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c) => Relu6Over6(x);
    }

    private readonly struct HardSwishOp : IVectorMap
    {
        public static int Inputs => 1;
        public Vector<float> Apply(Vector<float> x, Vector<float> a, Vector<float> b, Vector<float> c) => x * Relu6Over6(x);
    }

    private readonly struct HardSigmoidGradient : IVectorMap
    {
        public static int Inputs => 2;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> b, Vector<float> c)
        {
            var three = new Vector<float>(3f);
            var inside = Vector.BitwiseAnd(Vector.GreaterThan(x, -three), Vector.LessThan(x, three));
            return Vector.ConditionalSelect(inside, dy / new Vector<float>(6f), Vector<float>.Zero);
        }
    }

    private readonly struct HardSwishGradient : IVectorMap
    {
        public static int Inputs => 2;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy, Vector<float> b, Vector<float> c)
        {
            var three = new Vector<float>(3f);
            var middle = Vector.ConditionalSelect(Vector.LessThanOrEqual(x, three), dy * (x / three + new Vector<float>(0.5f)), dy);
            return Vector.ConditionalSelect(Vector.LessThan(x, -three), Vector<float>.Zero, middle);
        }
    }
}
