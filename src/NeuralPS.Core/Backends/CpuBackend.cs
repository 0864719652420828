using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>The managed CPU backend. Partial: each family of primitives has its own file
/// (CpuBackend.Gemm.cs, CpuBackend.Elementwise.cs, CpuBackend.Conv.cs, ...).</summary>
public sealed partial class CpuBackend : IBackend
{
    public static CpuBackend Instance { get; } = new();

    public string Name => "cpu";

    public string Description => $"CPU, {Environment.ProcessorCount} logical cores, {SimdDescription}";

    /// <summary>The widest SIMD path the kernels use on this machine.</summary>
    public static string SimdDescription =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? "AVX-512 (16 x float32)" :
        Fma.IsSupported && Vector256.IsHardwareAccelerated ? "AVX2+FMA (8 x float32)" :
        $"Vector<T> ({System.Numerics.Vector<float>.Count} x float32)";

    public static int SimdWidth =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? 16 :
        Vector256.IsHardwareAccelerated ? 8 : System.Numerics.Vector<float>.Count;

    public unsafe void Gemm(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, float alpha = 1f, float beta = 0f)
    {
        int m = transposeA ? a.Columns : a.Rows;
        int k = transposeA ? a.Rows : a.Columns;
        int kb = transposeB ? b.Columns : b.Rows;
        int n = transposeB ? b.Rows : b.Columns;
        if (k != kb || c.Rows != m || c.Columns != n)
            throw new ShapeMismatchException($"GEMM shapes do not agree: op(A) is {m}x{k}, op(B) is {kb}x{n}, C is {c.Rows}x{c.Columns}.");
        fixed (float* pa = a.Data, pb = b.Data, pc = c.Data)
        {
            Sgemm.Multiply(transposeA, transposeB, m, n, k, alpha, pa, a.Columns, pb, b.Columns, beta, pc, n);
        }
    }

    public unsafe void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, ActivationKind activation, float activationAlpha = 0.01f)
    {
        // Every leading dimension of X is a row (as torch.nn.Linear), so a (batch, time, in) sequence works too.
        int inF = weight.Columns, outF = weight.Rows, batch = inF == 0 ? 0 : x.Size / inF;
        if (x.Size != batch * inF || y.Size != batch * outF || (bias is not null && bias.Size != outF))
            throw new ShapeMismatchException($"Dense shapes do not agree: X {x.Shape}, W {weight.Shape}, Y {y.Shape}, bias {bias?.Shape.ToString() ?? "none"}.");
        fixed (float* px = x.Data, pw = weight.Data, py = y.Data)
        fixed (float* pbias = bias is null ? null : bias.Data)
        {
            var ep = new GemmEpilogue(pbias, null, activation, activationAlpha);
            Sgemm.Multiply(false, true, batch, outF, inF, 1f, px, inF, pw, inF, 0f, py, outF, ep);
        }
    }

    public unsafe void DenseBackward(Tensor x, Tensor weight, Tensor dz, Tensor dWeight, Tensor? dBias, Tensor? dx)
    {
        int inF = weight.Columns, outF = weight.Rows, batch = inF == 0 ? 0 : x.Size / inF;
        if (x.Size != batch * inF || dz.Size != batch * outF || dWeight.Rows != outF || dWeight.Columns != inF
            || (dBias is not null && dBias.Size != outF) || (dx is not null && dx.Size != batch * inF))
            throw new ShapeMismatchException($"Dense gradient shapes do not agree: X {x.Shape}, W {weight.Shape}, dZ {dz.Shape}, dW {dWeight.Shape}, dBias {dBias?.Shape.ToString() ?? "none"}, dX {dx?.Shape.ToString() ?? "none"}.");
        fixed (float* px = x.Data, pw = weight.Data, pdz = dz.Data, pdw = dWeight.Data)
        fixed (float* pdb = dBias is null ? null : dBias.Data)
        {
            // dW[out, in] = dZᵀ · X (TN). The packer transposes dZ into row panels of dZᵀ anyway, so the bias
            // gradient Σ_batch dZ = the row sums of dZᵀ is taken from those panels while they are in cache.
            Sgemm.Multiply(true, false, outF, inF, batch, 1f, pdz, outF, px, inF, 0f, pdw, inF, default, pdb, SgemmSettings.Current);
            if (dx is not null)
            {
                // dX[batch, in] = dZ · W (NN): A = dZ is read in place, W is packed.
                fixed (float* pdx = dx.Data) Sgemm.Multiply(false, false, batch, inF, outF, 1f, pdz, outF, pw, inF, 0f, pdx, inF);
            }
        }
    }
}
