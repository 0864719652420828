using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Batch normalisation over x viewed as [N, C, S]. Two layouts of the same math:
/// S &gt; 1 (after a convolution): each channel is N contiguous runs of S values, so the work is split
/// over channels and each run is reduced with SIMD; S = 1 (after Dense): a channel is a column, so
/// rows are streamed once and the C-wide accumulators are updated with SIMD.
/// Means and variances are accumulated in float64 (per run in float32 SIMD, then summed in float64),
/// and the variance is taken around the mean in a second pass (no E[x²] − E[x]² cancellation).</summary>
internal static unsafe class BatchNormKernels
{
    private struct Job
    {
        public float* X, Y, Dy, Dx, Gamma, Mean, InvStd, DGamma, DBeta, Scale, Shift;
        public double* Mean64, Variance64;
        public int N, C, S;
    }

    /// <summary>mean[c], var[c] (biased) of x.</summary>
    public static void Statistics(float* x, int n, int c, int s, double* mean, double* variance)
    {
        double count = (double)n * s;
        if (s == 1)
        {
            var m = new Span<double>(mean, c); m.Clear();
            var v = new Span<double>(variance, c); v.Clear();
            for (int i = 0; i < n; i++)
            {
                float* row = x + (long)i * c;
                for (int j = 0; j < c; j++) mean[j] += row[j];
            }
            for (int j = 0; j < c; j++) mean[j] /= count;
            for (int i = 0; i < n; i++)
            {
                float* row = x + (long)i * c;
                for (int j = 0; j < c; j++) { double d = row[j] - mean[j]; variance[j] += d * d; }
            }
            for (int j = 0; j < c; j++) variance[j] /= count;
            return;
        }
        var job = new Job { X = x, Mean64 = mean, Variance64 = variance, N = n, C = c, S = s };
        ConvParallel.For(c, (long)n * s, &StatisticsPart, &job);
    }

    private static void StatisticsPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        int n = j->N, c = j->C, s = j->S;
        double count = (double)n * s;
        for (int ch = start; ch < end; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(j->X + ((long)i * c + ch) * s, s));
            double mu = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++)
                sq += SumSquaredDeviation(j->X + ((long)i * c + ch) * s, s, (float)mu);
            j->Mean64[ch] = mu;
            j->Variance64[ch] = sq / count;
        }
    }

    /// <summary>y = x·scale[c] + shift[c] (scale = gamma·invStd, shift = beta − mean·scale).</summary>
    public static void Apply(float* x, float* y, int n, int c, int s, float* scale, float* shift)
    {
        if (s == 1)
        {
            var sc = new ReadOnlySpan<float>(scale, c);
            var sh = new ReadOnlySpan<float>(shift, c);
            for (int i = 0; i < n; i++)
            {
                var dst = new Span<float>(y + (long)i * c, c);
                TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(x + (long)i * c, c), sc, sh, dst);
            }
            return;
        }
        var job = new Job { X = x, Y = y, Scale = scale, Shift = shift, N = n, C = c, S = s };
        ConvParallel.For(n * c, s, &ApplyPart, &job);
    }

    private static void ApplyPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        int c = j->C, s = j->S;
        for (int t = start; t < end; t++)
        {
            int ch = t % c;
            Affine(j->X + (long)t * s, j->Y + (long)t * s, s, j->Scale[ch], j->Shift[ch]);
        }
    }

    /// <summary>dBeta[c] = Σ dy, dGamma[c] = Σ dy·(x − mean)·invStd, then
    /// dx = gamma·invStd/M·(M·dy − dBeta − x̂·dGamma) = k1·dy + k2·x + k3 per channel.</summary>
    public static void Backward(float* x, float* dy, float* gamma, float* mean, float* invStd, float* dx, float* dGamma, float* dBeta, int n, int c, int s)
    {
        double m = (double)n * s;
        if (s == 1)
        {
            Span<double> sumDy = c <= 1024 ? stackalloc double[c] : new double[c];
            Span<double> sumDyX = c <= 1024 ? stackalloc double[c] : new double[c];
            sumDy.Clear();
            sumDyX.Clear();
            for (int i = 0; i < n; i++)
            {
                float* xr = x + (long)i * c, dr = dy + (long)i * c;
                for (int j = 0; j < c; j++) { sumDy[j] += dr[j]; sumDyX[j] += (double)dr[j] * (xr[j] - mean[j]); }
            }
            Span<float> k1 = c <= 1024 ? stackalloc float[c] : new float[c];
            Span<float> k2 = c <= 1024 ? stackalloc float[c] : new float[c];
            Span<float> k3 = c <= 1024 ? stackalloc float[c] : new float[c];
            for (int j = 0; j < c; j++) Coefficients(j, sumDy[j], sumDyX[j], m, gamma, mean, invStd, dGamma, dBeta, k1, k2, k3);
            for (int i = 0; i < n; i++)
            {
                float* xr = x + (long)i * c, dr = dy + (long)i * c, o = dx + (long)i * c;
                for (int j = 0; j < c; j++) o[j] = k1[j] * dr[j] + k2[j] * xr[j] + k3[j];
            }
            return;
        }
        var job = new Job { X = x, Dy = dy, Dx = dx, Gamma = gamma, Mean = mean, InvStd = invStd, DGamma = dGamma, DBeta = dBeta, N = n, C = c, S = s };
        ConvParallel.For(c, (long)n * s, &BackwardPart, &job);
    }

    private static void BackwardPart(void* state, int start, int end, int part)
    {
        var j = (Job*)state;
        int n = j->N, c = j->C, s = j->S;
        double m = (double)n * s;
        for (int ch = start; ch < end; ch++)
        {
            double sumDy = 0, sumDyX = 0;
            float mu = j->Mean[ch];
            for (int i = 0; i < n; i++)
            {
                long off = ((long)i * c + ch) * s;
                sumDy += TensorPrimitives.Sum(new ReadOnlySpan<float>(j->Dy + off, s));
                sumDyX += DotDeviation(j->Dy + off, j->X + off, s, mu);
            }
            float g = j->Gamma[ch], istd = j->InvStd[ch];
            j->DBeta[ch] = (float)sumDy;
            j->DGamma[ch] = (float)(sumDyX * istd);
            // dx = g·istd·dy − g·istd/M·dBeta − g·istd³/M·(x − mu)·Σdy(x−mu) = k1·dy + k2·x + k3
            float k1 = g * istd;
            float k2 = (float)(-g * istd * istd * istd * sumDyX / m);
            float k3 = (float)(-g * istd * sumDy / m) - k2 * mu;
            for (int i = 0; i < n; i++)
            {
                long off = ((long)i * c + ch) * s;
                Affine2(j->Dy + off, j->X + off, j->Dx + off, s, k1, k2, k3);
            }
        }
    }

    private static void Coefficients(int j, double sumDy, double sumDyX, double m, float* gamma, float* mean, float* invStd,
        float* dGamma, float* dBeta, Span<float> k1, Span<float> k2, Span<float> k3)
    {
        double g = gamma[j], istd = invStd[j];
        dBeta[j] = (float)sumDy;
        dGamma[j] = (float)(sumDyX * istd);
        k1[j] = (float)(g * istd);
        k2[j] = (float)(-g * istd * istd * istd * sumDyX / m);
        k3[j] = (float)(-g * istd * sumDy / m - k2[j] * (double)mean[j]);
    }

    /// <summary>y = x·a + b over one run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Affine(float* x, float* y, int len, float a, float b)
    {
        int i = 0;
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        int w = Vector<float>.Count;
        for (; i <= len - w; i += w)
            Unsafe.WriteUnaligned(y + i, Unsafe.ReadUnaligned<Vector<float>>(x + i) * va + vb);
        for (; i < len; i++) y[i] = x[i] * a + b;
    }

    /// <summary>out = a·k1 + b·k2 + k3 over one run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Affine2(float* a, float* b, float* o, int len, float k1, float k2, float k3)
    {
        int i = 0;
        var v1 = new Vector<float>(k1);
        var v2 = new Vector<float>(k2);
        var v3 = new Vector<float>(k3);
        int w = Vector<float>.Count;
        for (; i <= len - w; i += w)
            Unsafe.WriteUnaligned(o + i, Unsafe.ReadUnaligned<Vector<float>>(a + i) * v1 + Unsafe.ReadUnaligned<Vector<float>>(b + i) * v2 + v3);
        for (; i < len; i++) o[i] = a[i] * k1 + b[i] * k2 + k3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumSquaredDeviation(float* p, int len, float mu)
    {
        int i = 0;
        var acc = Vector<float>.Zero;
        var vm = new Vector<float>(mu);
        int w = Vector<float>.Count;
        for (; i <= len - w; i += w)
        {
            var d = Unsafe.ReadUnaligned<Vector<float>>(p + i) - vm;
            acc += d * d;
        }
        double s = Vector.Sum(acc);
        for (; i < len; i++) { double d = p[i] - mu; s += d * d; }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double DotDeviation(float* dy, float* x, int len, float mu)
    {
        int i = 0;
        var acc = Vector<float>.Zero;
        var vm = new Vector<float>(mu);
        int w = Vector<float>.Count;
        for (; i <= len - w; i += w)
            acc += Unsafe.ReadUnaligned<Vector<float>>(dy + i) * (Unsafe.ReadUnaligned<Vector<float>>(x + i) - vm);
        double s = Vector.Sum(acc);
        for (; i < len; i++) s += (double)dy[i] * (x[i] - mu);
        return s;
    }
}
