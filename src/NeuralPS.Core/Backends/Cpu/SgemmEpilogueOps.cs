using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>The activations of a GEMM epilogue that need exp/tanh/erf (every kind but None/ReLU/LeakyReLU), applied over a
/// finished C tile while it is still in L1 (None/ReLU/LeakyReLU are applied in the kernels' registers).
/// TensorPrimitives' vectorised Sigmoid/Tanh do the transcendental work.</summary>
internal static unsafe class SgemmEpilogueOps
{
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float GeluC = 0.044715f;

    /// <summary>Applies <paramref name="kind"/> in place to rows x width floats at c (row stride ldc).
    /// No-op for the activations the kernels already applied. scratch holds ≥ 64 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyRows(ActivationKind kind, float* c, nint ldc, int rows, int width, float* scratch)
    {
        switch (kind)
        {
            case ActivationKind.Sigmoid:
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<float>(c + r * ldc, width);
                    TensorPrimitives.Sigmoid(row, row);
                }
                break;
            case ActivationKind.Tanh:
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<float>(c + r * ldc, width);
                    TensorPrimitives.Tanh(row, row);
                }
                break;
            case ActivationKind.GELUTanh:
                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < width; j += SgemmWorkspace.ScratchFloats)
                    {
                        int w = Math.Min(SgemmWorkspace.ScratchFloats, width - j);
                        Gelu(new Span<float>(c + r * ldc + j, w), new Span<float>(scratch, w));
                    }
                }
                break;
            case ActivationKind.None:
            case ActivationKind.ReLU:
            case ActivationKind.LeakyReLU:
                break;
            default:
                // The other element-wise kinds (exact GELU, ELU, SELU, SiLU, Softplus with its defaults,
                // HardSigmoid, HardSwish): the shared vectorised kernels, row by row in place.
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<float>(c + r * ldc, width);
                    ActivationKernels.Forward(kind, row, row, 0.01f, CpuActivations.DefaultBeta, CpuActivations.DefaultThreshold);
                }
                break;
        }
    }

    /// <summary>GELU (tanh approximation) in place: x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 x³))).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gelu(Span<float> x, Span<float> scratch)
    {
        TensorPrimitives.Multiply(x, x, scratch);                       // x²
        TensorPrimitives.Multiply(scratch, x, scratch);                 // x³
        TensorPrimitives.MultiplyAdd(scratch, GeluC, x, scratch);       // x + c x³
        TensorPrimitives.Multiply(scratch, Sqrt2OverPi, scratch);       // u
        TensorPrimitives.Tanh(scratch, scratch);                                    // tanh u
        TensorPrimitives.MultiplyAdd(scratch, x, x, scratch);                       // x (1 + tanh u)
        TensorPrimitives.Multiply(scratch, 0.5f, x);
    }
}
