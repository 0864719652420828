using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Pooling primitives over NCHW batches, shaped like cudnnPoolingForward/Backward
/// (which take x, y and dy in the backward), so a CUDA backend can implement them; the CPU backend
/// additionally takes the argmax of each max-pooling window from the forward, when the caller keeps it,
/// and then does not rescan the windows. Gradients are OVERWRITTEN.</summary>
public partial interface IBackend
{
    /// <summary>y[n,c,oy,ox] = max over the window of x (padding counts as −∞; ties and NaN: the first
    /// element in scan order wins, as in PyTorch). When <paramref name="argmax"/> is not null (length ≥
    /// y.Size) it receives, per output element, the index iy·W + ix of the chosen element in its plane.</summary>
    void MaxPool2dForward(Tensor x, Tensor y, in PoolingGeometry geometry, int[]? argmax = null);

    /// <summary>dx = ∂L/∂x: each dy element flows to the element its window chose (overlapping windows
    /// add up). Uses <paramref name="argmax"/> from the forward when given, else rescans x.</summary>
    void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, in PoolingGeometry geometry, int[]? argmax = null);

    /// <summary>The max pool's backward followed by the derivative of the activation whose output x is (the layer
    /// before the pool): dx = act′(x) ⊙ MaxPool2dBackward(dy), for activations whose derivative is read from
    /// their output (None, ReLU, LeakyReLU with α ≥ 0); <paramref name="y"/> is the pool's output (from x). A backend
    /// may do it in one pass: only the elements a window chose get a gradient, and there act′ is known from the
    /// pooled value. The result equals the two calls.</summary>
    void MaxPool2dBackwardThroughActivation(Tensor x, Tensor y, Tensor dy, Tensor dx, in PoolingGeometry geometry, int[]? argmax,
        ActivationKind activation, float alpha)
    {
        MaxPool2dBackward(x, dy, dx, geometry, argmax);
        if (activation != ActivationKind.None) ActivationBackward(null, x, dx, dx, activation, alpha);
    }

    /// <summary>y = mean over the window. countIncludePad = true (PyTorch's default) divides by the full
    /// window area, padding counted as zeros; false (Keras/TensorFlow 'same') divides by the number of
    /// real input elements in the window.</summary>
    void AvgPool2dForward(Tensor x, Tensor y, in PoolingGeometry geometry, bool countIncludePad = true);

    /// <summary>dx = ∂L/∂x of <see cref="AvgPool2dForward"/> given dy.</summary>
    void AvgPool2dBackward(Tensor dy, Tensor dx, in PoolingGeometry geometry, bool countIncludePad = true);

    /// <summary>y[n,c] = mean over H·W of x[n,c,:,:]; x is [N, C, H, W] (any rank ≥ 3: the mean runs over
    /// every dimension after the channel), y holds N·C values.</summary>
    void GlobalAvgPool2dForward(Tensor x, Tensor y);

    /// <summary>dx[n,c,h,w] = dy[n,c] / (H·W).</summary>
    void GlobalAvgPool2dBackward(Tensor dy, Tensor dx);
}
