using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Direct convolution for a single input channel (the first layer of an image network), stride 1,
/// dilation 1, output rows of at least 16 pixels, AVX-512.
///
/// Why: with C = 1 the im2col GEMM has a depth of only kh·kw (9), so the SGEMM spends its time packing
/// and storing tiles, not multiplying; and the filter gradient is a GEMM with n = 9 columns, which
/// wastes most of a 64-wide micro-tile. Computed directly, each output row is a handful of 16-wide
/// vectors (the last one overlapping the previous so no lane is masked) accumulated from kh·kw shifted
/// input rows, four filters at a time so each input vector loaded feeds four FMAs.
/// Padding is handled by copying each image into a zero-bordered plane first (cheap for one channel).
/// Work is split over images across the thread team; the filter gradient keeps one partial per thread
/// and adds them in a fixed order (deterministic for a given thread count).
/// Measured on the seed CNN's first conv (64 × 1×28×28 → 32×26×26, one thread, interleaved with
/// im2col + OpenBLAS SGEMM per image): forward 1.2–1.7×, filter gradient 1.7× (with the 3×3 two-filter
/// kernel; a memory-accumulator version was 0.4×) the reference's GFLOP/s.</summary>
internal static unsafe class ConvDirect
{
    public static bool Applies(in ConvolutionGeometry g) =>
        Lanes > 0 && g.InputChannels == 1 && g.Groups == 1
        && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.OutputWidth >= Lanes && g.KernelArea <= 64;

    /// <summary>The vector width the kernels run at (written once over <see cref="ISimd{TV}"/>): 16, 8 or 4 floats; 0 without vectors.</summary>
    private static int Lanes => Simd512.IsSupported ? 16 : Simd256.IsSupported ? 8 : Simd128.IsSupported ? 4 : 0;

    private static void ForwardPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) ForwardPart<Simd512, Vector512<float>>(state, start, end);
        else if (Simd256.IsSupported) ForwardPart<Simd256, Vector256<float>>(state, start, end);
        else ForwardPart<Simd128, Vector128<float>>(state, start, end);
    }

    private static void BackwardFilterPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) BackwardFilterPart<Simd512, Vector512<float>>(state, start, end, part);
        else if (Simd256.IsSupported) BackwardFilterPart<Simd256, Vector256<float>>(state, start, end, part);
        else BackwardFilterPart<Simd128, Vector128<float>>(state, start, end, part);
    }

    private struct Job
    {
        public float* X, W, Bias, Y, Dy, Dw, Partials;
        public ConvolutionGeometry G;
        public ActivationKind Activation;
        public float Alpha;
    }

    private static int PaddedWidth(in ConvolutionGeometry g) => g.InputWidth + g.PadLeft + g.PadRight;
    private static int PaddedHeight(in ConvolutionGeometry g) => g.InputHeight + g.PadTop + g.PadBottom;
    private static bool Padded(in ConvolutionGeometry g) => g.PadTop + g.PadBottom + g.PadLeft + g.PadRight > 0;

    public static void Forward(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, ActivationKind act, float alpha)
    {
        var job = new Job { X = x, W = w, Bias = bias, Y = y, G = g, Activation = act, Alpha = alpha };
        ConvParallel.ForEachClaimed(g.Batch, ConvParallel.PartsFor(g.Batch, (long)g.OutputSize * g.KernelArea), &ForwardPart, &job);
    }

    /// <summary>dW (and dBias when not null) of the convolution given dy. With <paramref name="y"/> (the
    /// forward's output) the ReLU-family derivative is applied on the fly: dz = y &gt; 0 ? dy : slope·dy.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void BackwardFilter(float* x, float* dy, float* dw, in ConvolutionGeometry g, float* y = null, float slope = 0f, float* dbias = null)
    {
        int parts = ConvParallel.PartsFor(g.Batch, (long)g.OutputSize * g.KernelArea);
        int stride = g.WeightSize + g.Filters; // a part's partial: its dW, then its dBias
        var partials = ConvScratch.Partials((long)Math.Max(parts - 1, 1) * stride);
        var bias0 = ConvScratch.Output(g.Filters);
        fixed (float* pp = partials, pb0 = bias0)
        {
            var job = new Job { X = x, Dy = dy, Dw = dw, Y = y, Alpha = slope, Bias = pb0, Partials = pp, G = g };
            int used = ConvParallel.ForParts(g.Batch, parts, &BackwardFilterPart, &job);
            var acc = new Span<float>(dw, g.WeightSize);
            var bacc = new Span<float>(pb0, g.Filters);
            for (int p = 1; p < used; p++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)(p - 1) * stride, g.WeightSize), acc);
                System.Numerics.Tensors.TensorPrimitives.Add(bacc, new ReadOnlySpan<float>(pp + (long)(p - 1) * stride + g.WeightSize, g.Filters), bacc);
            }
            if (dbias != null) bacc.CopyTo(new Span<float>(dbias, g.Filters));
        }
    }

    /// <summary>The image's plane, or a zero-bordered copy of it when the convolution pads.</summary>
    private static float* Source(float* plane, in ConvolutionGeometry g, float[]? padBuffer, float* padded)
    {
        if (padBuffer is null) return plane;
        int pw = PaddedWidth(g);
        new Span<float>(padded, PaddedHeight(g) * pw).Clear();
        for (int r = 0; r < g.InputHeight; r++)
            Buffer.MemoryCopy(plane + r * g.InputWidth, padded + (r + g.PadTop) * pw + g.PadLeft, g.InputWidth * sizeof(float), g.InputWidth * sizeof(float));
        return padded;
    }

    // y[n, k, oy, ox] = act(bias[k] + Σ_{i,j} w[k, 0, i, j]·xp[n, oy + i, ox + j]), xp = x with its zero border
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPart<TS, TV>(void* state, int start, int end)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        var job = (Job*)state;
        var g = job->G;
        int kh = g.KernelHeight, kw = g.KernelWidth, ka = g.KernelArea, ow = g.OutputWidth, oh = g.OutputHeight, ohw = g.OutputPlane;
        int srcW = PaddedWidth(g);
        var act = job->Activation;
        bool inlineAct = act is ActivationKind.None or ActivationKind.ReLU or ActivationKind.LeakyReLU;
        var slope = TS.Create(act == ActivationKind.LeakyReLU ? job->Alpha : 0f);
        float[]? padBuffer = Padded(g) ? ConvScratch.Staging((long)PaddedHeight(g) * srcW + 16) : null;
        fixed (float* padded = padBuffer)
        {
            for (int n = start; n < end; n++)
            {
                float* src = Source(job->X + (long)n * g.InputSize, g, padBuffer, padded);
                float* yn = job->Y + (long)n * g.OutputSize;
                if (kh == 3 && kw == 3 && oh >= 3)
                {
                    for (int k = 0; k < g.Filters; k++)
                        Forward3x3<TS, TV>(src, srcW, job->W + k * 9, job->Bias == null ? 0f : job->Bias[k], yn + (long)k * ohw,
                            oh, ow, inlineAct && act != ActivationKind.None, slope);
                }
                else
                {
                    for (int k0 = 0; k0 < g.Filters; k0 += 4)
                    {
                        // Four filters at a time; a short last group repeats its last filter and drops the copies.
                        int k1 = Math.Min(k0 + 1, g.Filters - 1), k2 = Math.Min(k0 + 2, g.Filters - 1), k3 = Math.Min(k0 + 3, g.Filters - 1);
                        float* w0 = job->W + k0 * ka, w1 = job->W + k1 * ka, w2 = job->W + k2 * ka, w3 = job->W + k3 * ka;
                        var b0 = TS.Create(job->Bias == null ? 0f : job->Bias[k0]);
                        var b1 = TS.Create(job->Bias == null ? 0f : job->Bias[k1]);
                        var b2 = TS.Create(job->Bias == null ? 0f : job->Bias[k2]);
                        var b3 = TS.Create(job->Bias == null ? 0f : job->Bias[k3]);
                        float* y0 = yn + (long)k0 * ohw, y1 = yn + (long)k1 * ohw, y2 = yn + (long)k2 * ohw, y3 = yn + (long)k3 * ohw;
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox += lanes)
                            {
                                int o = Math.Min(ox, ow - lanes); // the last vector overlaps the previous one
                                TV a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                                float* s = src + oy * srcW + o;
                                for (int i = 0; i < kh; i++, s += srcW)
                                {
                                    int t = i * kw;
                                    for (int j = 0; j < kw; j++)
                                    {
                                        var xv = TS.Load(s + j);
                                        a0 = TS.MultiplyAdd(TS.LoadBroadcast(w0 + t + j), xv, a0);
                                        a1 = TS.MultiplyAdd(TS.LoadBroadcast(w1 + t + j), xv, a1);
                                        a2 = TS.MultiplyAdd(TS.LoadBroadcast(w2 + t + j), xv, a2);
                                        a3 = TS.MultiplyAdd(TS.LoadBroadcast(w3 + t + j), xv, a3);
                                    }
                                }
                                if (inlineAct && act != ActivationKind.None)
                                {
                                    a0 = TS.Select(TS.GreaterThan(a0, TS.Zero), a0, TS.Multiply(a0, slope));
                                    a1 = TS.Select(TS.GreaterThan(a1, TS.Zero), a1, TS.Multiply(a1, slope));
                                    a2 = TS.Select(TS.GreaterThan(a2, TS.Zero), a2, TS.Multiply(a2, slope));
                                    a3 = TS.Select(TS.GreaterThan(a3, TS.Zero), a3, TS.Multiply(a3, slope));
                                }
                                int off = oy * ow + o;
                                // Stores in reverse so that a repeated last filter ends with its own value.
                                TS.Store(a3, y3 + off);
                                TS.Store(a2, y2 + off);
                                TS.Store(a1, y1 + off);
                                TS.Store(a0, y0 + off);
                            }
                        }
                    }
                }
                if (!inlineAct)
                {
                    var span = new Span<float>(yn, g.OutputSize);
                    ActivationKernels.Forward(act, span, span, job->Alpha, CpuActivations.DefaultBeta, CpuActivations.DefaultThreshold);
                }
            }
        }
    }

    /// <summary>Whether <see cref="ForwardMaxPool2x2"/> computes this convolution and the 2×2 stride-2 unpadded max pool
    /// that reads its whole output at inference: the kernel of <see cref="ForwardMaxPool2x2Training"/> without the argmax.</summary>
    public static bool AppliesPooled(in ConvolutionGeometry g, in PoolingGeometry p) => AppliesPooledKernel(g, p);

    /// <summary>Inference of a 3×3 one-channel convolution and the 2×2 max pool after it in one pass (see
    /// <see cref="AppliesPooled"/>): <see cref="ForwardMaxPool2x2Training"/>'s pass keeping no argmax, so the pooled values
    /// are bit for bit the two layers'. The convolution's output (86.5 KB per image for the seed CNN) is never written to
    /// memory and read back. A NaN wins its window as in the pool.</summary>
    public static void ForwardMaxPool2x2(float* x, float* w, float* bias, float* y, in ConvolutionGeometry g, in PoolingGeometry p, ActivationKind act, float alpha) =>
        ForwardMaxPool2x2Training(x, w, bias, y, null, g, p, act, alpha);

    /// <summary>Training uses <see cref="ForwardMaxPool2x2Training"/> and <see cref="BackwardFilterMaxPooled"/> for the
    /// network's first layer when it is such a pair. NEURALPS_FUSED_POOL_TRAINING=0 turns it off (tests compare both).</summary>
    public static bool FusedPoolTraining { get; set; } = Environment.GetEnvironmentVariable("NEURALPS_FUSED_POOL_TRAINING") != "0";

    /// <summary>Whether <see cref="ForwardMaxPool2x2Training"/> computes this convolution and the 2×2 stride-2 unpadded max
    /// pool that reads its output: a 3×3 one-channel convolution <see cref="Applies"/> takes (any pooled width: the pooled
    /// rows go through the pool's own row kernel).</summary>
    public static bool AppliesPooledTraining(in ConvolutionGeometry g, in PoolingGeometry p) => FusedPoolTraining && AppliesPooledKernel(g, p);

    private static bool AppliesPooledKernel(in ConvolutionGeometry g, in PoolingGeometry p) =>
        Applies(g) && g.KernelHeight == 3 && g.KernelWidth == 3 && g.OutputHeight >= 2
        && p.WindowHeight == 2 && p.WindowWidth == 2 && p.StrideHeight == 2 && p.StrideWidth == 2
        && p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0
        && p.Batch == g.Batch && p.Channels == g.Filters && p.InputHeight == g.OutputHeight && p.InputWidth == g.OutputWidth
        && p.OutputHeight >= 1 && p.OutputWidth >= 1 && g.OutputPlane < (1 << 24);

    private struct PoolTrainingJob
    {
        public float* X, W, Bias, Y, Dy, Dw, DBias, Partials;
        public int* Argmax;
        public ConvolutionGeometry G;
        public PoolingGeometry P;
        public ActivationKind Activation;
        public float Alpha;
    }

    /// <summary>The training forward of a 3×3 one-channel convolution (ReLU, or LeakyReLU with a slope ≥ 0) and the 2×2 max
    /// pool after it, in one pass (see <see cref="AppliesPooledTraining"/>): per image, filter and pooled row, the two
    /// convolution rows are computed as <see cref="Forward3x3{TS, TV}"/> computes them (same order of sums, then the
    /// activation), kept in L1, and the pool's own row kernel (Pool2d.MaxRow2x2) takes their maxima and argmax (index in the
    /// convolution's output plane). So <paramref name="y"/> and <paramref name="argmax"/> are bit for bit what the two layers
    /// give, and the convolution's output (86.5 KB per image for the seed CNN, 5.5 MB per batch of 64) is never written to
    /// memory and read back. The backward needs only the pooled values and the argmax (<see cref="BackwardFilterMaxPooled"/>).
    /// With <paramref name="argmax"/> null (inference, <see cref="ForwardMaxPool2x2"/>) only the maxima are kept.</summary>
    public static void ForwardMaxPool2x2Training(float* x, float* w, float* bias, float* y, int* argmax, in ConvolutionGeometry g, in PoolingGeometry p,
        ActivationKind act, float alpha)
    {
        var job = new PoolTrainingJob { X = x, W = w, Bias = bias, Y = y, Argmax = argmax, G = g, P = p, Activation = act, Alpha = alpha };
        ConvParallel.ForEachClaimed(g.Batch, ConvParallel.PartsFor(g.Batch, (long)g.OutputSize * g.KernelArea), &ForwardPoolTrainingPart, &job);
    }

    private static void ForwardPoolTrainingPart(void* state, int start, int end, int part)
    {
        var job = (PoolTrainingJob*)state;
        if (job->Argmax == null)
        {
            if (Simd512.IsSupported) ForwardPoolTrainingPart<Simd512, Vector512<float>, C0>(job, start, end);
            else if (Simd256.IsSupported) ForwardPoolTrainingPart<Simd256, Vector256<float>, C0>(job, start, end);
            else ForwardPoolTrainingPart<Simd128, Vector128<float>, C0>(job, start, end);
        }
        else if (Simd512.IsSupported) ForwardPoolTrainingPart<Simd512, Vector512<float>, C1>(job, start, end);
        else if (Simd256.IsSupported) ForwardPoolTrainingPart<Simd256, Vector256<float>, C1>(job, start, end);
        else ForwardPoolTrainingPart<Simd128, Vector128<float>, C1>(job, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPoolTrainingPart<TS, TV, TIndex>(PoolTrainingJob* job, int start, int end)
        where TS : struct, ISimd<TV> where TV : unmanaged where TIndex : struct, IConst
    {
        bool keepArgmax = TIndex.Value != 0; // C0: inference (ForwardMaxPool2x2), the maxima only
        var g = job->G;
        var pg = job->P;
        int lanes = TS.Lanes, ph = pg.OutputHeight, pw = pg.OutputWidth, plane = ph * pw, ow = g.OutputWidth;
        // A vector of pooled outputs reads 2·Lanes convolution columns, the last vector's past the row's end (lanes it
        // drops): the image goes into a zero-bordered copy wide enough for them, so no read leaves it.
        int vectors = (pw + lanes - 1) / lanes;
        int srcW = Math.Max(PaddedWidth(g), 2 * vectors * lanes + 2), srcH = PaddedHeight(g);
        bool relu = job->Activation != ActivationKind.None;
        var slope = TS.Create(job->Activation == ActivationKind.LeakyReLU ? job->Alpha : 0f);
        var one = TS.Create(1f);
        var wv = TS.Create(ow);
        var w1 = TS.Create(ow + 1);
        var lane2 = TS.Add(TS.Indices, TS.Indices);
        float* tailY = stackalloc float[16];
        int* tailA = stackalloc int[16];
        var stage = ConvScratch.Staging((long)srcH * srcW + 16);
        fixed (float* src = stage)
        {
            for (int n = start; n < end; n++)
            {
                new Span<float>(src, srcH * srcW).Clear();
                float* xn = job->X + (long)n * g.InputSize;
                for (int r = 0; r < g.InputHeight; r++)
                    Buffer.MemoryCopy(xn + r * g.InputWidth, src + (r + g.PadTop) * srcW + g.PadLeft, g.InputWidth * sizeof(float), g.InputWidth * sizeof(float));
                // A pooled row's last vector may store past its end into the next row (written after it); past the image's
                // last row that would be another image's, so that vector goes through the tail buffers.
                float* yImageEnd = job->Y + (long)(n + 1) * g.Filters * plane;
                for (int k = 0; k < g.Filters; k++)
                {
                    float* wk = job->W + k * 9;
                    TV w00 = TS.Create(wk[0]), w01 = TS.Create(wk[1]), w02 = TS.Create(wk[2]);
                    TV w10 = TS.Create(wk[3]), w11 = TS.Create(wk[4]), w12 = TS.Create(wk[5]);
                    TV w20 = TS.Create(wk[6]), w21 = TS.Create(wk[7]), w22 = TS.Create(wk[8]);
                    var b = TS.Create(job->Bias == null ? 0f : job->Bias[k]);
                    long planeOffset = ((long)n * g.Filters + k) * plane;
                    for (int pr = 0; pr < ph; pr++)
                    {
                        float* yr = job->Y + planeOffset + pr * pw;
                        int* ar = keepArgmax ? job->Argmax + planeOffset + pr * pw : null;
                        for (int q = 0; q < pw; q += lanes)
                        {
                            int c = 2 * q;
                            // Convolution rows 2pr (a) and 2pr + 1 (b), columns c .. c + 2·Lanes − 1 in two vectors each, every
                            // output summed as Forward3x3 sums it: bias, then the taps row by row.
                            float* s0 = src + 2 * pr * srcW + c, s1 = s0 + srcW, s2 = s1 + srcW, s3 = s2 + srcW;
                            TV a0 = b, a1 = b, b0 = b, b1 = b, xv, xh;
                            xv = TS.Load(s0); xh = TS.Load(s0 + lanes); a0 = TS.MultiplyAdd(w00, xv, a0); a1 = TS.MultiplyAdd(w00, xh, a1);
                            xv = TS.Load(s0 + 1); xh = TS.Load(s0 + lanes + 1); a0 = TS.MultiplyAdd(w01, xv, a0); a1 = TS.MultiplyAdd(w01, xh, a1);
                            xv = TS.Load(s0 + 2); xh = TS.Load(s0 + lanes + 2); a0 = TS.MultiplyAdd(w02, xv, a0); a1 = TS.MultiplyAdd(w02, xh, a1);
                            xv = TS.Load(s1); xh = TS.Load(s1 + lanes);
                            a0 = TS.MultiplyAdd(w10, xv, a0); a1 = TS.MultiplyAdd(w10, xh, a1); b0 = TS.MultiplyAdd(w00, xv, b0); b1 = TS.MultiplyAdd(w00, xh, b1);
                            xv = TS.Load(s1 + 1); xh = TS.Load(s1 + lanes + 1);
                            a0 = TS.MultiplyAdd(w11, xv, a0); a1 = TS.MultiplyAdd(w11, xh, a1); b0 = TS.MultiplyAdd(w01, xv, b0); b1 = TS.MultiplyAdd(w01, xh, b1);
                            xv = TS.Load(s1 + 2); xh = TS.Load(s1 + lanes + 2);
                            a0 = TS.MultiplyAdd(w12, xv, a0); a1 = TS.MultiplyAdd(w12, xh, a1); b0 = TS.MultiplyAdd(w02, xv, b0); b1 = TS.MultiplyAdd(w02, xh, b1);
                            xv = TS.Load(s2); xh = TS.Load(s2 + lanes);
                            a0 = TS.MultiplyAdd(w20, xv, a0); a1 = TS.MultiplyAdd(w20, xh, a1); b0 = TS.MultiplyAdd(w10, xv, b0); b1 = TS.MultiplyAdd(w10, xh, b1);
                            xv = TS.Load(s2 + 1); xh = TS.Load(s2 + lanes + 1);
                            a0 = TS.MultiplyAdd(w21, xv, a0); a1 = TS.MultiplyAdd(w21, xh, a1); b0 = TS.MultiplyAdd(w11, xv, b0); b1 = TS.MultiplyAdd(w11, xh, b1);
                            xv = TS.Load(s2 + 2); xh = TS.Load(s2 + lanes + 2);
                            a0 = TS.MultiplyAdd(w22, xv, a0); a1 = TS.MultiplyAdd(w22, xh, a1); b0 = TS.MultiplyAdd(w12, xv, b0); b1 = TS.MultiplyAdd(w12, xh, b1);
                            xv = TS.Load(s3); xh = TS.Load(s3 + lanes); b0 = TS.MultiplyAdd(w20, xv, b0); b1 = TS.MultiplyAdd(w20, xh, b1);
                            xv = TS.Load(s3 + 1); xh = TS.Load(s3 + lanes + 1); b0 = TS.MultiplyAdd(w21, xv, b0); b1 = TS.MultiplyAdd(w21, xh, b1);
                            xv = TS.Load(s3 + 2); xh = TS.Load(s3 + lanes + 2); b0 = TS.MultiplyAdd(w22, xv, b0); b1 = TS.MultiplyAdd(w22, xh, b1);
                            if (relu)
                            {
                                a0 = TS.Select(TS.GreaterThan(a0, TS.Zero), a0, TS.Multiply(a0, slope));
                                a1 = TS.Select(TS.GreaterThan(a1, TS.Zero), a1, TS.Multiply(a1, slope));
                                b0 = TS.Select(TS.GreaterThan(b0, TS.Zero), b0, TS.Multiply(b0, slope));
                                b1 = TS.Select(TS.GreaterThan(b1, TS.Zero), b1, TS.Multiply(b1, slope));
                            }
                            TS.Deinterleave(a0, a1, out var topLeft, out var topRight);
                            TS.Deinterleave(b0, b1, out var bottomLeft, out var bottomRight);
                            var best = Pool2d.MaxWindow2x2<TS, TV, TIndex>(topLeft, topRight, bottomLeft, bottomRight, one, wv, w1, out var code);
                            var index = keepArgmax ? TS.Add(TS.Add(TS.Create(2 * pr * ow + c), lane2), code) : TS.Zero;
                            if (yr + q + lanes <= yImageEnd)
                            {
                                TS.Store(best, yr + q);
                                if (keepArgmax) TS.StoreInt32(index, ar + q);
                            }
                            else
                            {
                                TS.Store(best, tailY);
                                if (keepArgmax) TS.StoreInt32(index, tailA);
                                for (int i = 0; i < Math.Min(lanes, pw - q); i++)
                                {
                                    yr[q + i] = tailY[i];
                                    if (keepArgmax) ar[q + i] = tailA[i];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>dW (and dBias when not null) of a convolution whose training forward ran fused with its max pool
    /// (<see cref="ForwardMaxPool2x2Training"/>), from the pool's output <paramref name="y"/>, its gradient
    /// <paramref name="dy"/> and its <paramref name="argmax"/>: per image and filter, dz (the gradient before the
    /// ReLU / LeakyReLU of slope <paramref name="slope"/>) is scattered into one plane in L1, as the pool's backward
    /// (Pool2d.MaxBackward with y) scatters it into memory, and the filter kernels of <see cref="BackwardFilter"/> run on it
    /// with the same split into parts and the same order of sums: bit for bit the two layers' backward, without writing
    /// and reading back the convolution's output gradient.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void BackwardFilterMaxPooled(float* x, float* y, float* dy, int* argmax, float* dw, in ConvolutionGeometry g, in PoolingGeometry p,
        float slope, float* dbias = null)
    {
        int parts = ConvParallel.PartsFor(g.Batch, (long)g.OutputSize * g.KernelArea); // as BackwardFilter: the same parts
        int stride = g.WeightSize + g.Filters;
        var partials = ConvScratch.Partials((long)Math.Max(parts - 1, 1) * stride);
        var bias0 = ConvScratch.Output(g.Filters);
        fixed (float* pp = partials, pb0 = bias0)
        {
            var job = new PoolTrainingJob { X = x, Y = y, Dy = dy, Argmax = argmax, Dw = dw, DBias = pb0, Partials = pp, G = g, P = p, Alpha = slope };
            int used = ConvParallel.ForParts(g.Batch, parts, &BackwardFilterPooledPart, &job);
            var acc = new Span<float>(dw, g.WeightSize);
            var bacc = new Span<float>(pb0, g.Filters);
            for (int q = 1; q < used; q++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(acc, new ReadOnlySpan<float>(pp + (long)(q - 1) * stride, g.WeightSize), acc);
                System.Numerics.Tensors.TensorPrimitives.Add(bacc, new ReadOnlySpan<float>(pp + (long)(q - 1) * stride + g.WeightSize, g.Filters), bacc);
            }
            if (dbias != null) bacc.CopyTo(new Span<float>(dbias, g.Filters));
        }
    }

    private static void BackwardFilterPooledPart(void* state, int start, int end, int part)
    {
        if (Simd512.IsSupported) BackwardFilterPooledPart<Simd512, Vector512<float>>((PoolTrainingJob*)state, start, end, part);
        else if (Simd256.IsSupported) BackwardFilterPooledPart<Simd256, Vector256<float>>((PoolTrainingJob*)state, start, end, part);
        else BackwardFilterPooledPart<Simd128, Vector128<float>>((PoolTrainingJob*)state, start, end, part);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardFilterPooledPart<TS, TV>(PoolTrainingJob* job, int start, int end, int part) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        var g = job->G;
        var pg = job->P;
        int ow = g.OutputWidth, oh = g.OutputHeight, ohw = g.OutputPlane, plane = pg.OutputPlane;
        int srcW = PaddedWidth(g);
        int stride = g.WeightSize + g.Filters;
        float* dw = part == 0 ? job->Dw : job->Partials + (long)(part - 1) * stride;
        float* db = part == 0 ? job->DBias : job->Partials + (long)(part - 1) * stride + g.WeightSize;
        new Span<float>(dw, g.WeightSize).Clear();
        new Span<float>(db, g.Filters).Clear();
        var unused = TS.Zero; // dz is masked already: the filter kernels get no y
        int counted = ow % lanes == 0 ? 0 : lanes - ow % lanes;
        var keep = TS.GreaterThanOrEqual(TS.Indices, TS.Create((float)counted));
        bool pair = PairKernel<TV>();
        // Two dz planes (the pair kernel's filters) and the masked pooled gradients of one plane.
        long planeFloats = (ohw + 15) & ~15L;
        float[]? padBuffer = Padded(g) ? ConvScratch.Staging((long)PaddedHeight(g) * srcW + 16) : null;
        var dzBuffer = ConvScratch.Columns(2 * planeFloats + plane + 16);
        fixed (float* padded = padBuffer, dz0 = dzBuffer)
        {
            float* dz1 = dz0 + planeFloats, masked = dz1 + planeFloats;
            for (int n = start; n < end; n++)
            {
                float* src = Source(job->X + (long)n * g.InputSize, g, padBuffer, padded);
                if (!pair)
                {
                    for (int k = 0; k < g.Filters; k++)
                    {
                        ScatterDz(job, n, k, dz0, masked);
                        Filter3x3TwoRows<TS, TV>(src, srcW, dz0, null, unused, oh, ow, keep, dw + k * 9, db + k);
                    }
                    continue;
                }
                for (int k = 0; k < g.Filters; k += 2)
                {
                    int k1 = Math.Min(k + 1, g.Filters - 1);
                    bool two = k + 1 < g.Filters;
                    ScatterDz(job, n, k, dz0, masked);
                    ScatterDz(job, n, k1, dz1, masked);
                    Filter3x3Pair<TS, TV>(src, srcW, dz0, dz1, null, null, unused, oh, ow, keep,
                        dw + k * 9, two ? dw + (k + 1) * 9 : null, db + k, two ? db + k + 1 : null);
                }
            }
        }
    }

    /// <summary>The plane of dz of image n, filter k: zero but at each pooled output's argmax, which gets its masked gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterDz(PoolTrainingJob* job, int n, int k, float* dz, float* masked)
    {
        int plane = job->P.OutputPlane;
        long offset = ((long)n * job->G.Filters + k) * plane;
        new Span<float>(dz, job->G.OutputPlane).Clear();
        Pool2d.MaskedGradients(job->Dy + offset, job->Y + offset, job->Alpha, plane, masked);
        int* a = job->Argmax + offset;
        for (int o = 0; o < plane; o++) dz[a[o]] = masked[o];
    }

    /// <summary>One 3×3 filter over one image: its nine weights stay in registers, and three output rows are computed
    /// together, so each of the five input rows' shifted vectors is loaded once for up to three FMAs (15 loads per 27
    /// FMAs; the four-filter loop above loads a vector and broadcasts four weights for every four FMAs). A last block
    /// of rows or a last vector that would pass the edge overlaps the previous one and writes the same values again:
    /// every output is summed in the same order, bias first, then taps row by row (the general loop's order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward3x3<TS, TV>(float* src, int srcW, float* w, float bias, float* y, int oh, int ow, bool relu, TV slope)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        TV w00 = TS.Create(w[0]), w01 = TS.Create(w[1]), w02 = TS.Create(w[2]);
        TV w10 = TS.Create(w[3]), w11 = TS.Create(w[4]), w12 = TS.Create(w[5]);
        TV w20 = TS.Create(w[6]), w21 = TS.Create(w[7]), w22 = TS.Create(w[8]);
        var b = TS.Create(bias);
        for (int oy0 = 0; oy0 < oh; oy0 += 3)
        {
            int oy = Math.Min(oy0, oh - 3);
            for (int ox = 0; ox < ow; ox += lanes)
            {
                int o = Math.Min(ox, ow - lanes);
                float* s0 = src + oy * srcW + o, s1 = s0 + srcW, s2 = s1 + srcW, s3 = s2 + srcW, s4 = s3 + srcW;
                TV a0 = b, a1 = b, a2 = b, x;
                x = TS.Load(s0); a0 = TS.MultiplyAdd(w00, x, a0);
                x = TS.Load(s0 + 1); a0 = TS.MultiplyAdd(w01, x, a0);
                x = TS.Load(s0 + 2); a0 = TS.MultiplyAdd(w02, x, a0);
                x = TS.Load(s1); a0 = TS.MultiplyAdd(w10, x, a0); a1 = TS.MultiplyAdd(w00, x, a1);
                x = TS.Load(s1 + 1); a0 = TS.MultiplyAdd(w11, x, a0); a1 = TS.MultiplyAdd(w01, x, a1);
                x = TS.Load(s1 + 2); a0 = TS.MultiplyAdd(w12, x, a0); a1 = TS.MultiplyAdd(w02, x, a1);
                x = TS.Load(s2); a0 = TS.MultiplyAdd(w20, x, a0); a1 = TS.MultiplyAdd(w10, x, a1); a2 = TS.MultiplyAdd(w00, x, a2);
                x = TS.Load(s2 + 1); a0 = TS.MultiplyAdd(w21, x, a0); a1 = TS.MultiplyAdd(w11, x, a1); a2 = TS.MultiplyAdd(w01, x, a2);
                x = TS.Load(s2 + 2); a0 = TS.MultiplyAdd(w22, x, a0); a1 = TS.MultiplyAdd(w12, x, a1); a2 = TS.MultiplyAdd(w02, x, a2);
                x = TS.Load(s3); a1 = TS.MultiplyAdd(w20, x, a1); a2 = TS.MultiplyAdd(w10, x, a2);
                x = TS.Load(s3 + 1); a1 = TS.MultiplyAdd(w21, x, a1); a2 = TS.MultiplyAdd(w11, x, a2);
                x = TS.Load(s3 + 2); a1 = TS.MultiplyAdd(w22, x, a1); a2 = TS.MultiplyAdd(w12, x, a2);
                x = TS.Load(s4); a2 = TS.MultiplyAdd(w20, x, a2);
                x = TS.Load(s4 + 1); a2 = TS.MultiplyAdd(w21, x, a2);
                x = TS.Load(s4 + 2); a2 = TS.MultiplyAdd(w22, x, a2);
                if (relu)
                {
                    a0 = TS.Select(TS.GreaterThan(a0, TS.Zero), a0, TS.Multiply(a0, slope));
                    a1 = TS.Select(TS.GreaterThan(a1, TS.Zero), a1, TS.Multiply(a1, slope));
                    a2 = TS.Select(TS.GreaterThan(a2, TS.Zero), a2, TS.Multiply(a2, slope));
                }
                float* yo = y + oy * ow + o;
                TS.Store(a0, yo);
                TS.Store(a1, yo + ow);
                TS.Store(a2, yo + 2 * ow);
            }
        }
    }

    // dw[k, 0, i, j] = Σ_{n, oy, ox} dz[n, k, oy, ox]·xp[n, oy + i, ox + j],  db[k] = Σ dz   (one partial per part)
    // dz = dy, or y > 0 ? dy : slope·dy when the forward's output y is given.
    // Loop order: per image and group of four filters, one kernel tap at a time with register
    // accumulators, so each shifted input vector loaded feeds four FMAs; 3×3 has its own kernel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardFilterPart<TS, TV>(void* state, int start, int end, int part)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        var job = (Job*)state;
        var g = job->G;
        int kh = g.KernelHeight, kw = g.KernelWidth, ka = g.KernelArea, ow = g.OutputWidth, oh = g.OutputHeight, ohw = g.OutputPlane;
        int srcW = PaddedWidth(g);
        int stride = g.WeightSize + g.Filters;
        float* dw = part == 0 ? job->Dw : job->Partials + (long)(part - 1) * stride;
        float* db = part == 0 ? job->Bias : job->Partials + (long)(part - 1) * stride + g.WeightSize;
        new Span<float>(dw, g.WeightSize).Clear();
        new Span<float>(db, g.Filters).Clear();
        float* y = job->Y;
        var slope = TS.Create(job->Alpha);
        // The last vector of a row overlaps the previous one; its first lanes were counted already.
        int lastStart = ow - lanes, counted = ow % lanes == 0 ? 0 : lanes - ow % lanes;
        var keep = TS.GreaterThanOrEqual(TS.Indices, TS.Create((float)counted));
        float[]? padBuffer = Padded(g) ? ConvScratch.Staging((long)PaddedHeight(g) * srcW + 16) : null;
        fixed (float* padded = padBuffer)
        {
            for (int n = start; n < end; n++)
            {
                float* src = Source(job->X + (long)n * g.InputSize, g, padBuffer, padded);
                float* dyn = job->Dy + (long)n * g.OutputSize;
                float* yn = y == null ? null : y + (long)n * g.OutputSize;
                if (kh == 3 && kw == 3 && !PairKernel<TV>())
                {
                    for (int k = 0; k < g.Filters; k++)
                        Filter3x3TwoRows<TS, TV>(src, srcW, dyn + (long)k * ohw, yn == null ? null : yn + (long)k * ohw, slope,
                            oh, ow, keep, dw + k * 9, db + k);
                    continue;
                }
                if (kh == 3 && kw == 3)
                {
                    for (int k = 0; k < g.Filters; k += 2)
                    {
                        int k1 = Math.Min(k + 1, g.Filters - 1);
                        bool two = k + 1 < g.Filters;
                        Filter3x3Pair<TS, TV>(src, srcW, dyn + (long)k * ohw, dyn + (long)k1 * ohw,
                            yn == null ? null : yn + (long)k * ohw, yn == null ? null : yn + (long)k1 * ohw, slope,
                            oh, ow, keep, dw + k * 9, two ? dw + (k + 1) * 9 : null, db + k, two ? db + k + 1 : null);
                    }
                    continue;
                }
                for (int k = 0; k < g.Filters; k++)
                {
                    float* dk = dyn + (long)k * ohw;
                    float* yk = yn == null ? null : yn + (long)k * ohw;
                    var bsum = TS.Zero;
                    for (int i = 0; i < kh; i++)
                    for (int jj = 0; jj < kw; jj++)
                    {
                        var a = TS.Zero;
                        for (int oy = 0; oy < oh; oy++)
                        {
                            float* s = src + (oy + i) * srcW + jj;
                            for (int ox = 0; ox < ow; ox += lanes)
                            {
                                int o = ox + lanes <= ow ? ox : lastStart;
                                var d = TS.Load(dk + oy * ow + o);
                                if (yk != null)
                                    d = TS.Select(TS.GreaterThan(TS.Load(yk + oy * ow + o), TS.Zero), d, TS.Multiply(d, slope));
                                if (o != ox) d = TS.Select(keep, d, TS.Zero);
                                a = TS.MultiplyAdd(d, TS.Load(s + o), a);
                                if (i == 0 && jj == 0) bsum = TS.Add(bsum, d);
                            }
                        }
                        dw[k * ka + i * kw + jj] += TS.Sum(a);
                    }
                    db[k] += TS.Sum(bsum);
                }
            }
        }
    }

    /// <summary>Whether the two-filter 3×3 gradient kernel fits the registers: its 18 accumulators, two sums and
    /// three operands need the 32 vector registers of AVX-512 (or NEON); with the 16 of AVX2 and SSE it spills, and
    /// <see cref="Filter3x3TwoRows{TS, TV}"/> is faster there. Seed conv 1 filter gradient, one thread, CPU time: AVX2
    /// 790 → 466–510 µs, SSE 1041 → 852 µs; on AVX-512 the pair kernel stays ahead (457–477 vs 489–504 µs).</summary>
    private static bool PairKernel<TV>() => typeof(TV) == typeof(Vector512<float>) || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

    /// <summary>3×3 filter (and bias) gradient of one filter over one image, two output rows per pass: the four input
    /// rows they read give each shifted input vector up to two FMAs (12 loads per 18 FMAs, 9 accumulators: fits 16
    /// vector registers). dz = dy masked by the ReLU family's derivative when y is given; the overlapping last vector
    /// of a row has its already-counted lanes masked off; an odd last row goes alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Filter3x3TwoRows<TS, TV>(float* src, int srcW, float* dy, float* y, TV slope, int oh, int ow, TV keep, float* dw, float* db)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        TV a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default, a20 = default, a21 = default, a22 = default;
        TV sum = default;
        int lastStart = ow - lanes;
        int oy = 0;
        for (; oy + 1 < oh; oy += 2)
        {
            float* r0 = src + oy * srcW, r1 = r0 + srcW, r2 = r1 + srcW, r3 = r2 + srcW;
            int r = oy * ow;
            for (int ox = 0; ox < ow; ox += lanes)
            {
                int o = ox + lanes <= ow ? ox : lastStart;
                var d0 = Dz<TS, TV>(dy + r + o, y == null ? null : y + r + o, slope, o != ox, keep);
                var d1 = Dz<TS, TV>(dy + r + ow + o, y == null ? null : y + r + ow + o, slope, o != ox, keep);
                sum = TS.Add(sum, TS.Add(d0, d1));
                var x = TS.Load(r0 + o); a00 = TS.MultiplyAdd(d0, x, a00);
                x = TS.Load(r0 + o + 1); a01 = TS.MultiplyAdd(d0, x, a01);
                x = TS.Load(r0 + o + 2); a02 = TS.MultiplyAdd(d0, x, a02);
                x = TS.Load(r1 + o); a10 = TS.MultiplyAdd(d0, x, a10); a00 = TS.MultiplyAdd(d1, x, a00);
                x = TS.Load(r1 + o + 1); a11 = TS.MultiplyAdd(d0, x, a11); a01 = TS.MultiplyAdd(d1, x, a01);
                x = TS.Load(r1 + o + 2); a12 = TS.MultiplyAdd(d0, x, a12); a02 = TS.MultiplyAdd(d1, x, a02);
                x = TS.Load(r2 + o); a20 = TS.MultiplyAdd(d0, x, a20); a10 = TS.MultiplyAdd(d1, x, a10);
                x = TS.Load(r2 + o + 1); a21 = TS.MultiplyAdd(d0, x, a21); a11 = TS.MultiplyAdd(d1, x, a11);
                x = TS.Load(r2 + o + 2); a22 = TS.MultiplyAdd(d0, x, a22); a12 = TS.MultiplyAdd(d1, x, a12);
                x = TS.Load(r3 + o); a20 = TS.MultiplyAdd(d1, x, a20);
                x = TS.Load(r3 + o + 1); a21 = TS.MultiplyAdd(d1, x, a21);
                x = TS.Load(r3 + o + 2); a22 = TS.MultiplyAdd(d1, x, a22);
            }
        }
        for (; oy < oh; oy++)
        {
            float* r0 = src + oy * srcW, r1 = r0 + srcW, r2 = r1 + srcW;
            int r = oy * ow;
            for (int ox = 0; ox < ow; ox += lanes)
            {
                int o = ox + lanes <= ow ? ox : lastStart;
                var d = Dz<TS, TV>(dy + r + o, y == null ? null : y + r + o, slope, o != ox, keep);
                sum = TS.Add(sum, d);
                a00 = TS.MultiplyAdd(d, TS.Load(r0 + o), a00); a01 = TS.MultiplyAdd(d, TS.Load(r0 + o + 1), a01); a02 = TS.MultiplyAdd(d, TS.Load(r0 + o + 2), a02);
                a10 = TS.MultiplyAdd(d, TS.Load(r1 + o), a10); a11 = TS.MultiplyAdd(d, TS.Load(r1 + o + 1), a11); a12 = TS.MultiplyAdd(d, TS.Load(r1 + o + 2), a12);
                a20 = TS.MultiplyAdd(d, TS.Load(r2 + o), a20); a21 = TS.MultiplyAdd(d, TS.Load(r2 + o + 1), a21); a22 = TS.MultiplyAdd(d, TS.Load(r2 + o + 2), a22);
            }
        }
        dw[0] += TS.Sum(a00); dw[1] += TS.Sum(a01); dw[2] += TS.Sum(a02);
        dw[3] += TS.Sum(a10); dw[4] += TS.Sum(a11); dw[5] += TS.Sum(a12);
        dw[6] += TS.Sum(a20); dw[7] += TS.Sum(a21); dw[8] += TS.Sum(a22);
        *db += TS.Sum(sum);
    }

    /// <summary>dz at one vector: dy, masked by the ReLU family's derivative when y is given, with the lanes an
    /// overlapping last vector already counted set to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Dz<TS, TV>(float* dy, float* y, TV slope, bool overlap, TV keep) where TS : struct, ISimd<TV> where TV : unmanaged
    {
        var d = TS.Load(dy);
        if (y != null) d = TS.Select(TS.GreaterThan(TS.Load(y), TS.Zero), d, TS.Multiply(d, slope));
        return overlap ? TS.Select(keep, d, TS.Zero) : d;
    }

    /// <summary>3×3 filter (and bias) gradient of two filters over one image: per output row and 16-wide
    /// vector, the two dz vectors meet the nine shifted input vectors in 18 register accumulators (11
    /// loads per 18 FMAs). dz = dy masked by the ReLU family's derivative when y is given; the overlapping
    /// last vector of a row has its already-counted lanes masked off.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Filter3x3Pair<TS, TV>(float* src, int srcW, float* dyA, float* dyB, float* yA, float* yB, TV slope,
        int oh, int ow, TV keep, float* dwA, float* dwB, float* dbA, float* dbB)
        where TS : struct, ISimd<TV> where TV : unmanaged
    {
        int lanes = TS.Lanes;
        TV a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default, a20 = default, a21 = default, a22 = default;
        TV b00 = default, b01 = default, b02 = default, b10 = default, b11 = default, b12 = default, b20 = default, b21 = default, b22 = default;
        TV sA = default, sB = default;
        int lastStart = ow - lanes;
        for (int oy = 0; oy < oh; oy++)
        {
            float* r0 = src + oy * srcW, r1 = r0 + srcW, r2 = r1 + srcW;
            int r = oy * ow;
            for (int ox = 0; ox < ow; ox += lanes)
            {
                int o = ox + lanes <= ow ? ox : lastStart;
                var dA = TS.Load(dyA + r + o);
                var dB = TS.Load(dyB + r + o);
                if (yA != null)
                {
                    dA = TS.Select(TS.GreaterThan(TS.Load(yA + r + o), TS.Zero), dA, TS.Multiply(dA, slope));
                    dB = TS.Select(TS.GreaterThan(TS.Load(yB + r + o), TS.Zero), dB, TS.Multiply(dB, slope));
                }
                if (o != ox)
                {
                    dA = TS.Select(keep, dA, TS.Zero);
                    dB = TS.Select(keep, dB, TS.Zero);
                }
                sA = TS.Add(sA, dA); sB = TS.Add(sB, dB);
                var x = TS.Load(r0 + o); a00 = TS.MultiplyAdd(dA, x, a00); b00 = TS.MultiplyAdd(dB, x, b00);
                x = TS.Load(r0 + o + 1); a01 = TS.MultiplyAdd(dA, x, a01); b01 = TS.MultiplyAdd(dB, x, b01);
                x = TS.Load(r0 + o + 2); a02 = TS.MultiplyAdd(dA, x, a02); b02 = TS.MultiplyAdd(dB, x, b02);
                x = TS.Load(r1 + o); a10 = TS.MultiplyAdd(dA, x, a10); b10 = TS.MultiplyAdd(dB, x, b10);
                x = TS.Load(r1 + o + 1); a11 = TS.MultiplyAdd(dA, x, a11); b11 = TS.MultiplyAdd(dB, x, b11);
                x = TS.Load(r1 + o + 2); a12 = TS.MultiplyAdd(dA, x, a12); b12 = TS.MultiplyAdd(dB, x, b12);
                x = TS.Load(r2 + o); a20 = TS.MultiplyAdd(dA, x, a20); b20 = TS.MultiplyAdd(dB, x, b20);
                x = TS.Load(r2 + o + 1); a21 = TS.MultiplyAdd(dA, x, a21); b21 = TS.MultiplyAdd(dB, x, b21);
                x = TS.Load(r2 + o + 2); a22 = TS.MultiplyAdd(dA, x, a22); b22 = TS.MultiplyAdd(dB, x, b22);
            }
        }
        dwA[0] += TS.Sum(a00); dwA[1] += TS.Sum(a01); dwA[2] += TS.Sum(a02);
        dwA[3] += TS.Sum(a10); dwA[4] += TS.Sum(a11); dwA[5] += TS.Sum(a12);
        dwA[6] += TS.Sum(a20); dwA[7] += TS.Sum(a21); dwA[8] += TS.Sum(a22);
        *dbA += TS.Sum(sA);
        if (dwB == null) return;
        dwB[0] += TS.Sum(b00); dwB[1] += TS.Sum(b01); dwB[2] += TS.Sum(b02);
        dwB[3] += TS.Sum(b10); dwB[4] += TS.Sum(b11); dwB[5] += TS.Sum(b12);
        dwB[6] += TS.Sum(b20); dwB[7] += TS.Sum(b21); dwB[8] += TS.Sum(b22);
        *dbB += TS.Sum(sB);
    }
}
