using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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

    // ---------------------------------------------------------------- GELU (exact): ½·x·erfc(−x/√2)

    // erfc(a) for a = |x|/√2 ≥ 0 is t·exp(−a² + P(t)), t = 1/(1 + a/2); erfc(−x/√2) is that for x ≤ 0, 2 − that for x > 0.
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> tBuf = stackalloc float[Chunk];
        Span<float> eBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var t = tBuf.Slice(0, n);
            var e = eBuf.Slice(0, n);
            ErfcArgument(xs, t, e);
            TensorPrimitives.Exp(e, e);
            var ys = y.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var vx = new Vector<float>(xs.Slice(i));
                    var ec = new Vector<float>(t.Slice(i)) * new Vector<float>(e.Slice(i));
                    var erfc = Vector.ConditionalSelect(Vector.GreaterThan(vx, Vector<float>.Zero), new Vector<float>(2f) - ec, ec);
                    (new Vector<float>(0.5f) * vx * erfc).CopyTo(ys.Slice(i));
                }
            }
            for (; i < n; i++)
            {
                float ec = t[i] * e[i];
                float erfc = xs[i] > 0f ? 2f - ec : ec;
                ys[i] = 0.5f * xs[i] * erfc;
            }
        }
    }

    // dx = dy·(Φ(x) + x·φ(x)), Φ(x) = ½·erfc(−x/√2), φ(x) = e^(−x²/2)/√(2π); e^(−x²/2) = e^(−a²) is the first
    // factor of erfc's exponential, so the two exponentials are taken separately.
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Span<float> tBuf = stackalloc float[Chunk];
        Span<float> gBuf = stackalloc float[Chunk];
        Span<float> pBuf = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var t = tBuf.Slice(0, n);
            var g = gBuf.Slice(0, n);
            var p = pBuf.Slice(0, n);
            for (int k = 0; k < n; k++)
            {
                float a = MathF.Abs(xs[k]) * InvSqrt2;
                float tk = 1f / (1f + 0.5f * a);
                t[k] = tk;
                g[k] = -a * a;
                p[k] = ErrorFunction.Polynomial(tk);
            }
            TensorPrimitives.Exp(g, g);
            TensorPrimitives.Exp(p, p);
            var dys = dy.Slice(start, n);
            var dxs = dx.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var half = new Vector<float>(0.5f);
                var two = new Vector<float>(2f);
                var c = new Vector<float>(InvSqrt2Pi);
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var vx = new Vector<float>(xs.Slice(i));
                    var vg = new Vector<float>(g.Slice(i));
                    var ec = new Vector<float>(t.Slice(i)) * vg * new Vector<float>(p.Slice(i));
                    var cdf = half * Vector.ConditionalSelect(Vector.GreaterThan(vx, Vector<float>.Zero), two - ec, ec);
                    (new Vector<float>(dys.Slice(i)) * (cdf + vx * c * vg)).CopyTo(dxs.Slice(i));
                }
            }
            for (; i < n; i++)
            {
                float ec = t[i] * g[i] * p[i];
                float cdf = 0.5f * (xs[i] > 0f ? 2f - ec : ec);
                dxs[i] = dys[i] * (cdf + xs[i] * InvSqrt2Pi * g[i]);
            }
        }
    }

    // t = 1/(1 + a/2) and −a² + P(t), a = |x|/√2, vectorised.
    private static void ErfcArgument(ReadOnlySpan<float> x, Span<float> t, Span<float> arg)
    {
        int i = 0, n = x.Length;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            var half = new Vector<float>(0.5f);
            var s = new Vector<float>(InvSqrt2);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = Vector.Abs(new Vector<float>(x.Slice(i))) * s;
                var vt = one / (one + half * a);
                var poly = new Vector<float>(ErrorFunction.C9);
                poly = poly * vt + new Vector<float>(ErrorFunction.C8);
                poly = poly * vt + new Vector<float>(ErrorFunction.C7);
                poly = poly * vt + new Vector<float>(ErrorFunction.C6);
                poly = poly * vt + new Vector<float>(ErrorFunction.C5);
                poly = poly * vt + new Vector<float>(ErrorFunction.C4);
                poly = poly * vt + new Vector<float>(ErrorFunction.C3);
                poly = poly * vt + new Vector<float>(ErrorFunction.C2);
                poly = poly * vt + new Vector<float>(ErrorFunction.C1);
                poly = poly * vt + new Vector<float>(ErrorFunction.C0);
                vt.CopyTo(t.Slice(i));
                (poly - a * a).CopyTo(arg.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            float a = MathF.Abs(x[i]) * InvSqrt2;
            float vt = 1f / (1f + 0.5f * a);
            float poly = ErrorFunction.C9;
            poly = poly * vt + ErrorFunction.C8;
            poly = poly * vt + ErrorFunction.C7;
            poly = poly * vt + ErrorFunction.C6;
            poly = poly * vt + ErrorFunction.C5;
            poly = poly * vt + ErrorFunction.C4;
            poly = poly * vt + ErrorFunction.C3;
            poly = poly * vt + ErrorFunction.C2;
            poly = poly * vt + ErrorFunction.C1;
            poly = poly * vt + ErrorFunction.C0;
            t[i] = vt;
            arg[i] = poly - a * a;
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
            var ys = y.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var va = new Vector<float>(alpha);
                var vs = new Vector<float>(scale);
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var vx = new Vector<float>(xs.Slice(i));
                    var em1 = ExpM1(vx, new Vector<float>(e.Slice(i)));
                    (vs * Vector.ConditionalSelect(Vector.GreaterThan(vx, Vector<float>.Zero), vx, va * em1)).CopyTo(ys.Slice(i));
                }
            }
            for (; i < n; i++)
            {
                float xi = xs[i];
                ys[i] = scale * (xi > 0f ? xi : alpha * ExpM1(xi, e[i]));
            }
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
            var dys = dy.Slice(start, n);
            var dxs = dx.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vs = new Vector<float>(scale);
                var vsa = new Vector<float>(scale * alpha);
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var slope = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(xs.Slice(i)), Vector<float>.Zero), vs, vsa * new Vector<float>(e.Slice(i)));
                    (new Vector<float>(dys.Slice(i)) * slope).CopyTo(dxs.Slice(i));
                }
            }
            for (; i < n; i++) dxs[i] = dys[i] * (xs[i] > 0f ? scale : scale * alpha * e[i]);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpM1(float x, float e)
    {
        if (!(MathF.Abs(x) < 0.5f)) return e - 1f;
        float p = T8;
        p = p * x + T7;
        p = p * x + T6;
        p = p * x + T5;
        p = p * x + T4;
        p = p * x + T3;
        p = p * x + T2;
        p = p * x + 1f;
        return p * x;
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
            var dys = dy.Slice(start, n);
            var dxs = dx.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var vs = new Vector<float>(s.Slice(i));
                    (new Vector<float>(dys.Slice(i)) * (vs * (Vector<float>.One + new Vector<float>(xs.Slice(i)) * (Vector<float>.One - vs)))).CopyTo(dxs.Slice(i));
                }
            }
            for (; i < n; i++) dxs[i] = dys[i] * (s[i] * (1f + xs[i] * (1f - s[i])));
        }
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
            var ys = y.Slice(start, n);
            for (int i = 0; i < n; i++)
            {
                float xi = xs[i], z = beta * xi, wi = w[i], u = 1f + wi;
                float log1p = u == 1f ? wi : l[i] * wi / (u - 1f);
                ys[i] = z > threshold ? xi : (MathF.Max(z, 0f) + log1p) / beta;
            }
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
            var dys = dy.Slice(start, n);
            var dxs = dx.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vb = new Vector<float>(beta);
                var vt = new Vector<float>(threshold);
                for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var g = new Vector<float>(dys.Slice(i));
                    Vector.ConditionalSelect(Vector.GreaterThan(vb * new Vector<float>(xs.Slice(i)), vt), g, g * new Vector<float>(s.Slice(i))).CopyTo(dxs.Slice(i));
                }
            }
            for (; i < n; i++) dxs[i] = beta * xs[i] > threshold ? dys[i] : dys[i] * s[i];
        }
    }

    // ---------------------------------------------------------------- HardSigmoid relu6(x + 3)/6, HardSwish x·relu6(x + 3)/6

    public static void HardSigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var three = new Vector<float>(3f);
            var six = new Vector<float>(6f);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                (Vector.Min(Vector.Max(new Vector<float>(x.Slice(i)) + three, Vector<float>.Zero), six) / six).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++) y[i] = MathF.Min(MathF.Max(x[i] + 3f, 0f), 6f) / 6f;
    }

    public static void HardSigmoidBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var three = new Vector<float>(3f);
            var six = new Vector<float>(6f);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vx = new Vector<float>(x.Slice(i));
                var inside = Vector.BitwiseAnd(Vector.GreaterThan(vx, -three), Vector.LessThan(vx, three));
                Vector.ConditionalSelect(inside, new Vector<float>(dy.Slice(i)) / six, Vector<float>.Zero).CopyTo(dx.Slice(i));
            }
        }
        for (; i < x.Length; i++) dx[i] = x[i] > -3f && x[i] < 3f ? dy[i] / 6f : 0f;
    }

    public static void HardSwish(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var three = new Vector<float>(3f);
            var six = new Vector<float>(6f);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vx = new Vector<float>(x.Slice(i));
                (vx * Vector.Min(Vector.Max(vx + three, Vector<float>.Zero), six) / six).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] * MathF.Min(MathF.Max(x[i] + 3f, 0f), 6f) / 6f;
    }

    // PyTorch's hardswish_backward: 0 below −3, dy·(x/3 + ½) on [−3, 3], dy above.
    public static void HardSwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var three = new Vector<float>(3f);
            var half = new Vector<float>(0.5f);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vx = new Vector<float>(x.Slice(i));
                var g = new Vector<float>(dy.Slice(i));
                var middle = Vector.ConditionalSelect(Vector.LessThanOrEqual(vx, three), g * (vx / three + half), g);
                Vector.ConditionalSelect(Vector.LessThan(vx, -three), Vector<float>.Zero, middle).CopyTo(dx.Slice(i));
            }
        }
        for (; i < x.Length; i++)
        {
            float xi = x[i];
            dx[i] = xi < -3f ? 0f : xi <= 3f ? dy[i] * (xi / 3f + 0.5f) : dy[i];
        }
    }
}
