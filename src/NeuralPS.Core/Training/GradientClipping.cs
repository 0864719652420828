using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Training;

/// <summary>Gradient clipping, applied to the parameters' gradients just before the optimizer step.
/// By global norm as torch.nn.utils.clip_grad_norm_: n = √Σ g² over every parameter (in float64), and
/// when n &gt; max every gradient is scaled by max/(n + 1e-6). By value as clip_grad_value_: each element
/// is clamped to [−limit, limit].</summary>
public static class GradientClipping
{
    /// <summary>Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/>;
    /// returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        double sum = 0;
        foreach (var p in parameters)
        {
            var g = p.Gradient.Span;
            for (int i = 0; i < g.Length; i++) sum += (double)g[i] * g[i];
        }
        double norm = Math.Sqrt(sum);
        if (norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (var p in parameters)
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Gradient.Span, scale, p.Gradient.Span);
        }
        return norm;
    }

    /// <summary>Clamps every gradient element to [−limit, limit].</summary>
    public static void ClipByValue(IReadOnlyList<Parameter> parameters, double limit)
    {
        float l = (float)limit;
        foreach (var p in parameters)
        {
            var g = p.Gradient.Span;
            System.Numerics.Tensors.TensorPrimitives.Min(g, l, g);
            System.Numerics.Tensors.TensorPrimitives.Max(g, -l, g);
        }
    }
}
