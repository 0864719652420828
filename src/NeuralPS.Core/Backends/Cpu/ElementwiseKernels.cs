using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Element-wise kernels that System.Numerics.Tensors.TensorPrimitives has no single call for
/// (a select on a sign, a derivative from the output). They are memory-bound: one pass over a few
/// arrays, so Vector&lt;float&gt; (AVX2 width by default, also on AVX-512 hardware) already runs at
/// the cache's bandwidth; wider hand-written vectors did not pay off. Each loop ends with a scalar
/// tail that computes exactly what a vector lane computes, so results do not depend on alignment.
/// The scalar definitions in <see cref="CpuActivations"/> are the reference the tests compare with.</summary>
internal static class ElementwiseKernels
{
    // GELU (tanh approximation) constants, identical to CpuActivations.
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float GeluC = 0.044715f;
    private const int Chunk = 256; // stack scratch for multi-pass kernels: 1 KiB per buffer, stays in L1

    /// <summary>y = x &gt; 0 ? x : alpha·x.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(alpha);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * va).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] > 0f ? x[i] : alpha * x[i];
    }

    /// <summary>dx = r &gt; 0 ? dy : slope·dy, where r is the activation's output (or input): ReLU has slope 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SignSelectBackward(ReadOnlySpan<float> r, ReadOnlySpan<float> dy, Span<float> dx, float slope)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vs = new Vector<float>(slope);
            for (; i <= r.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(dy.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(r.Slice(i)), Vector<float>.Zero), g, g * vs).CopyTo(dx.Slice(i));
            }
        }
        for (; i < r.Length; i++) dx[i] = r[i] > 0f ? dy[i] : slope * dy[i];
    }

    /// <summary>Sigmoid: dx = dy·y·(1 − y).</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = new Vector<float>(y.Slice(i));
                (new Vector<float>(dy.Slice(i)) * (vy * (Vector<float>.One - vy))).CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++) dx[i] = dy[i] * (y[i] * (1f - y[i]));
    }

    /// <summary>Tanh: dx = dy·(1 − y²).</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = new Vector<float>(y.Slice(i));
                (new Vector<float>(dy.Slice(i)) * (Vector<float>.One - vy * vy)).CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
    }

    /// <summary>GELU (tanh approximation) in chunks: u = √(2/π)(x + 0.044715x³), y = 0.5x(1 + tanh u).
    /// Chunked through a stack buffer so y may be x and tanh runs vectorised in TensorPrimitives.</summary>
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> s = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var u = s.Slice(0, n);
            TensorPrimitives.Multiply(xs, xs, u);            // x²
            TensorPrimitives.Multiply(u, xs, u);             // x³
            TensorPrimitives.MultiplyAdd(u, GeluC, xs, u);   // x + c·x³
            TensorPrimitives.Multiply(u, Sqrt2OverPi, u);    // u
            TensorPrimitives.Tanh(u, u);
            TensorPrimitives.Add(u, 1f, u);
            TensorPrimitives.Multiply(u, 0.5f, u);
            TensorPrimitives.Multiply(xs, u, y.Slice(start, n));
        }
    }

    /// <summary>GELU (tanh) backward: dx = dy·(0.5(1 + t) + 0.5x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), t = tanh u.</summary>
    public static void GeluTanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Span<float> t = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var ts = t.Slice(0, n);
            TensorPrimitives.Multiply(xs, xs, ts);
            TensorPrimitives.Multiply(ts, xs, ts);
            TensorPrimitives.MultiplyAdd(ts, GeluC, xs, ts);
            TensorPrimitives.Multiply(ts, Sqrt2OverPi, ts);
            TensorPrimitives.Tanh(ts, ts);
            var dys = dy.Slice(start, n);
            var dxs = dx.Slice(start, n);
            for (int i = 0; i < n; i++)
            {
                float xi = xs[i], ti = ts[i];
                float du = Sqrt2OverPi * (1f + 3f * GeluC * xi * xi);
                dxs[i] = dys[i] * (0.5f * (1f + ti) + 0.5f * xi * (1f - ti * ti) * du);
            }
        }
    }

    /// <summary>One row of softmax: y = exp(x − max) / Σ exp(x − max). y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        float sum = TensorPrimitives.Sum(y);
        TensorPrimitives.Multiply(y, 1f / sum, y);
    }

    /// <summary>One row of the softmax Jacobian-vector product: dx = y ⊙ (dy − Σ dy·y). dx may be dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxBackwardRow(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        float dot = TensorPrimitives.Dot(dy, y);
        TensorPrimitives.Subtract(dy, dot, dx);
        TensorPrimitives.Multiply(dx, y, dx);
    }
}
