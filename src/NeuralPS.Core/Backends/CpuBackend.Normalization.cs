using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

public sealed partial class CpuBackend
{
    public unsafe void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean, Tensor runningVariance,
        Tensor saveMean, Tensor saveInvStd, float momentum, float epsilon)
    {
        var (n, c, s) = NormLayout(x, gamma);
        CheckChannels(c, beta, runningMean, runningVariance, saveMean, saveInvStd);
        if (y.Size != x.Size) throw new ShapeMismatchException($"BatchNorm output has shape {y.Shape} but the input has shape {x.Shape}.");
        if (x.Size == 0) return;
        // Per-channel work arrays: on the stack for any realistic channel count, so a step allocates nothing.
        Span<double> stats = c <= 2048 ? stackalloc double[2 * c] : new double[2 * c];
        Span<float> scale = c <= 2048 ? stackalloc float[2 * c] : new float[2 * c];
        fixed (float* px = x.Data, py = y.Data, pg = gamma.Data, pb = beta.Data, prm = runningMean.Data, prv = runningVariance.Data,
               psm = saveMean.Data, psi = saveInvStd.Data, psc = scale)
        fixed (double* pst = stats)
        {
            BatchNormKernels.Statistics(px, n, c, s, pst, pst + c);
            long count = (long)n * s;
            for (int j = 0; j < c; j++)
            {
                double mu = pst[j], variance = pst[c + j];
                float istd = (float)(1.0 / Math.Sqrt(variance + epsilon));
                psm[j] = (float)mu;
                psi[j] = istd;
                psc[j] = pg[j] * istd;
                psc[c + j] = (float)(pb[j] - mu * psc[j]);
                if (count > 1)
                {
                    prm[j] = (float)((1 - momentum) * prm[j] + momentum * mu);
                    prv[j] = (float)((1 - momentum) * prv[j] + momentum * variance * count / (count - 1));
                }
            }
            BatchNormKernels.Apply(px, py, n, c, s, psc, psc + c);
        }
    }

    public unsafe void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, Tensor y, float epsilon)
    {
        var (n, c, s) = NormLayout(x, gamma);
        CheckChannels(c, beta, runningMean, runningVariance);
        if (y.Size != x.Size) throw new ShapeMismatchException($"BatchNorm output has shape {y.Shape} but the input has shape {x.Shape}.");
        if (x.Size == 0) return;
        Span<float> scale = c <= 2048 ? stackalloc float[2 * c] : new float[2 * c];
        fixed (float* px = x.Data, py = y.Data, pg = gamma.Data, pb = beta.Data, prm = runningMean.Data, prv = runningVariance.Data, psc = scale)
        {
            for (int j = 0; j < c; j++)
            {
                float istd = (float)(1.0 / Math.Sqrt(prv[j] + (double)epsilon));
                psc[j] = pg[j] * istd;
                psc[c + j] = pb[j] - prm[j] * psc[j];
            }
            BatchNormKernels.Apply(px, py, n, c, s, psc, psc + c);
        }
    }

    public unsafe void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        var (n, c, s) = NormLayout(x, gamma);
        CheckChannels(c, saveMean, saveInvStd, dGamma, dBeta);
        if (dy.Size != x.Size || dx.Size != x.Size)
            throw new ShapeMismatchException($"BatchNorm gradients have shapes {dy.Shape} / {dx.Shape} but the input has shape {x.Shape}.");
        if (x.Size == 0) { dGamma.Clear(); dBeta.Clear(); return; }
        fixed (float* px = x.Data, pdy = dy.Data, pg = gamma.Data, pm = saveMean.Data, pis = saveInvStd.Data, pdx = dx.Data, pdg = dGamma.Data, pdb = dBeta.Data)
        {
            BatchNormKernels.Backward(px, pdy, pg, pm, pis, pdx, pdg, pdb, n, c, s);
        }
    }

    public unsafe void ScaleChannels(Tensor x, Tensor scale, Tensor y)
    {
        if (x.Shape.Rank < 2 || y.Size != x.Size)
            throw new ShapeMismatchException($"Channel scaling needs [N, C, ...] input and output of the same size; got {x.Shape} and {y.Shape}.");
        int planes = x.Shape[0] * x.Shape[1];
        if (scale.Size != planes)
            throw new ShapeMismatchException($"Channel scaling of {x.Shape} needs {planes} scale values but got {scale.Size}.");
        if (planes == 0) return;
        int plane = x.Size / planes;
        fixed (float* px = x.Data, ps = scale.Data, py = y.Data)
        {
            var job = new ScaleJob { X = px, Scale = ps, Y = py, Plane = plane };
            ConvParallel.For(planes, plane, &ScalePart, &job);
        }
    }

    private unsafe struct ScaleJob
    {
        public float* X, Scale, Y;
        public int Plane;
    }

    private static unsafe void ScalePart(void* state, int start, int end, int part)
    {
        var j = (ScaleJob*)state;
        for (int p = start; p < end; p++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>(j->X + (long)p * j->Plane, j->Plane), j->Scale[p],
                new Span<float>(j->Y + (long)p * j->Plane, j->Plane));
    }

    private static (int N, int C, int S) NormLayout(Tensor x, Tensor gamma)
    {
        if (x.Shape.Rank < 2)
            throw new ShapeMismatchException($"BatchNorm needs input [N, C] or [N, C, H, W]; got {x.Shape}.");
        int n = x.Shape[0], c = x.Shape[1];
        if (gamma.Size != c)
            throw new ShapeMismatchException($"BatchNorm over {c} channels (input {x.Shape}) was given {gamma.Size} scale values.");
        int s = n * c == 0 ? 0 : x.Size / (n * c);
        return (n, c, s);
    }

    private static void CheckChannels(int c, params Tensor[] tensors)
    {
        foreach (var t in tensors)
            if (t.Size != c) throw new ShapeMismatchException($"BatchNorm over {c} channels was given a statistics tensor of shape {t.Shape}.");
    }
}
