using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Per-layer state a backend may keep between the forward and the backward calls of one
/// convolution layer, like the workspace pointer of cuDNN's calls. The layer owns it and passes the same
/// object to Conv2dForward and then Conv2dBackwardFilter/BackwardData of the same step, with the same
/// input tensor, unchanged in between. The CPU backend keeps the forward's im2col matrix here, so the
/// filter gradient does not rebuild it (one memory pass over C·kh·kw·N·OH·OW floats saved per step);
/// a backend that has nothing to keep ignores it. Passing null is always correct, only slower.
/// Memory: C/groups·kh·kw × N·OH·OW floats per layer, allocated on first use and reused.</summary>
public sealed class ConvolutionWorkspace
{
    /// <summary>The im2col matrix of <see cref="Input"/> (CPU backend), in the backend's chunk layout.</summary>
    internal float[]? Columns;

    /// <summary>The input the cached data was computed from (null: nothing cached).</summary>
    internal Tensor? Input;

    /// <summary>The geometry and chunking the cached data was computed with.</summary>
    internal ConvolutionGeometry Geometry;
    internal int ImagesPerChunk;
    /// <summary>True: <see cref="Columns"/> holds pixel-major rows (im2row), false: im2col columns.</summary>
    internal bool PixelMajor;

    /// <summary>Forgets cached data (call when the input tensor changed without a new forward).</summary>
    public void Invalidate() => Input = null;

    /// <summary>Floats held (for memory reports).</summary>
    public long CachedFloats => Columns?.LongLength ?? 0;
}
