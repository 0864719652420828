using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Convolution primitives, shaped like cuDNN's (cudnnConvolutionBiasActivationForward,
/// cudnnConvolutionBackwardData, cudnnConvolutionBackwardFilter + BackwardBias) so a CUDA backend can
/// implement the same calls. All tensors are NCHW, row-major; the geometry carries every size, and
/// the tensors' shapes must agree with it (x [N,C,H,W], weight [K,C/groups,kh,kw], bias [K],
/// y/dy [N,K,OH,OW]). Gradients are OVERWRITTEN, never accumulated.</summary>
public partial interface IBackend
{
    /// <summary>y = act(conv(x, weight) + bias).
    /// y[n,k,oy,ox] = act(bias[k] + Σ_{c∈group(k), i, j} weight[k, c, i, j] · x[n, c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw])
    /// with x = 0 outside the image. <paramref name="activation"/> must be element-wise (not Softmax).
    /// <paramref name="workspace"/>: optional per-layer state kept for the backward calls of the same step
    /// (see <see cref="ConvolutionWorkspace"/>); pass it in training, null in inference.</summary>
    void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, in ConvolutionGeometry geometry,
        ActivationKind activation = ActivationKind.None, float activationAlpha = 0.01f, ConvolutionWorkspace? workspace = null);

    /// <summary>dx = ∂L/∂x of the convolution (without bias/activation) given dy = ∂L/∂(conv output).
    /// dx [N,C,H,W] is overwritten.</summary>
    void Conv2dBackwardData(Tensor dy, Tensor weight, Tensor dx, in ConvolutionGeometry geometry);

    /// <summary>dWeight = ∂L/∂weight (overwritten) and, when not null, dBias[k] = Σ_{n,oy,ox} dy[n,k,oy,ox]
    /// (overwritten), given the forward input x and dy = ∂L/∂(conv output). With the
    /// <paramref name="workspace"/> the forward of the same x used, the backend may reuse what it kept.</summary>
    void Conv2dBackwardFilter(Tensor x, Tensor dy, Tensor dWeight, Tensor? dBias, in ConvolutionGeometry geometry, ConvolutionWorkspace? workspace = null);

    /// <summary>The whole backward of <c>Conv2dForward(x, weight, bias, output, geometry, activation)</c> in one
    /// call: dz = dy ⊙ act′ taken from the forward's <paramref name="output"/> (None, ReLU, LeakyReLU with
    /// alpha &gt; 0, Sigmoid, Tanh — not GELU, whose derivative needs the pre-activation), then dWeight,
    /// dBias (when not null) and dx (when not null), all overwritten. The results are those of
    /// ActivationBackward followed by Conv2dBackwardFilter and Conv2dBackwardData (which is how a backend
    /// without a fused path implements it); a backend may instead apply act′ while it reads dy.
    /// <paramref name="scratch"/> (the size of dy) receives dz when the backend materialises it; dy is not modified.</summary>
    void Conv2dBackward(Tensor x, Tensor output, Tensor outputGradient, Tensor weight, Tensor dWeight, Tensor? dBias, Tensor? dx,
        in ConvolutionGeometry geometry, ActivationKind activation, float activationAlpha, Tensor scratch, ConvolutionWorkspace? workspace = null);
}
