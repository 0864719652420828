using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Element-wise kernels around fused activations: the backward of an activation that a
/// forward call fused into its epilogue (dz = dy ⊙ act'), and act(a + b) for residual sums.
/// ReLU — the one on the hot path of every CNN — has a Vector512 / Vector256 loop; the rest go
/// through TensorPrimitives or the scalar definitions in <see cref="CpuActivations"/>.</summary>
internal static class ConvActivation
{
    public static void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, ActivationKind act, float alpha)
    {
        switch (act)
        {
            case ActivationKind.None:
                if (!Unsafe.AreSame(ref Unsafe.AsRef(in dy[0]), ref dz[0])) dy.CopyTo(dz);
                return;
            case ActivationKind.ReLU:
                ReluBackward(y, dy, dz, 0f);
                return;
            case ActivationKind.LeakyReLU:
                if (alpha <= 0f) throw new InvalidConfigurationException("A fused LeakyReLU needs a positive slope (alpha) to recover its derivative from the output.");
                ReluBackward(y, dy, dz, alpha);
                return;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < dz.Length; i++) dz[i] = dy[i] * y[i] * (1f - y[i]);
                return;
            case ActivationKind.Tanh:
                for (int i = 0; i < dz.Length; i++) dz[i] = dy[i] * (1f - y[i] * y[i]);
                return;
            case ActivationKind.GELU:
                if (z.Length < dz.Length) throw new InvalidConfigurationException("The backward of a fused GELU needs the pre-activation values.");
                for (int i = 0; i < dz.Length; i++) dz[i] = dy[i] * CpuActivations.GeluDerivative(z[i]);
                return;
            default:
                throw new InvalidConfigurationException($"Activation {act} cannot be fused (it is not element-wise).");
        }
    }

    /// <summary>dz = y &gt; 0 ? dy : slope·dy (slope 0 for ReLU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, float slope)
    {
        int n = dz.Length, i = 0;
        fixed (float* py = y, pdy = dy, pdz = dz)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var vs = Vector512.Create(slope);
                for (; i <= n - 16; i += 16)
                {
                    var g = Vector512.Load(pdy + i);
                    var m = Vector512.GreaterThan(Vector512.Load(py + i), Vector512<float>.Zero);
                    Vector512.ConditionalSelect(m, g, g * vs).Store(pdz + i);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var vs = Vector256.Create(slope);
                for (; i <= n - 8; i += 8)
                {
                    var g = Vector256.Load(pdy + i);
                    var m = Vector256.GreaterThan(Vector256.Load(py + i), Vector256<float>.Zero);
                    Vector256.ConditionalSelect(m, g, g * vs).Store(pdz + i);
                }
            }
            for (; i < n; i++) pdz[i] = py[i] > 0f ? pdy[i] : slope * pdy[i];
        }
    }

    /// <summary>y = act(a + b), b optional. y may alias a or b.</summary>
    public static void AddActivate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, ActivationKind act, float alpha)
    {
        if (!b.IsEmpty) TensorPrimitives.Add(a, b, y);
        else if (!Unsafe.AreSame(ref Unsafe.AsRef(in a[0]), ref y[0])) a.CopyTo(y);
        switch (act)
        {
            case ActivationKind.None: return;
            case ActivationKind.ReLU: TensorPrimitives.Max(y, 0f, y); return;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(y, y); return;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(y, y); return;
            case ActivationKind.LeakyReLU:
            case ActivationKind.GELU:
                for (int i = 0; i < y.Length; i++) y[i] = CpuActivations.Apply(act, y[i], alpha);
                return;
            default:
                throw new InvalidConfigurationException($"Activation {act} cannot be fused (it is not element-wise).");
        }
    }
}
