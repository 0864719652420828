using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

public sealed partial class CpuBackend
{
    public unsafe void MaxPool2dForward(Tensor x, Tensor y, in PoolingGeometry geometry, int[]? argmax = null)
    {
        var g = geometry;
        CheckPool(g, x, y);
        if (argmax is not null && argmax.Length < y.Size)
            throw new ShapeMismatchException($"MaxPool2d argmax holds {argmax.Length} indices but the output has {y.Size} values ({g}).");
        if (y.Size == 0) return;
        fixed (float* px = x.Data, py = y.Data)
        fixed (int* pa = argmax)
        {
            Pool2d.MaxForward(px, py, pa, g);
        }
    }

    public void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, in PoolingGeometry geometry, int[]? argmax = null) =>
        MaxBackward(x, null, dy, dx, geometry, argmax, 0f);

    /// <summary>The max pool's backward; with <paramref name="y"/> (the pool's output) also the ReLU/LeakyReLU derivative
    /// (<paramref name="slope"/>) of the layer whose output x is (Pool2d.MaxBackward).</summary>
    private unsafe void MaxBackward(Tensor x, Tensor? y, Tensor dy, Tensor dx, in PoolingGeometry g, int[]? argmax, float slope)
    {
        CheckPool(g, x, dy);
        CheckPool(g, dx, dy);
        if (y is not null) CheckPool(g, x, y);
        if (argmax is not null && argmax.Length < dy.Size)
            throw new ShapeMismatchException($"MaxPool2d argmax holds {argmax.Length} indices but the output has {dy.Size} values ({g}).");
        if (dx.Size == 0) return;
        fixed (float* px = x.Data, pdy = dy.Data, pdx = dx.Data)
        fixed (float* py = y is null ? null : y.Data)
        fixed (int* pa = argmax)
        {
            Pool2d.MaxBackward(px, pdy, pdx, pa, g, py, slope);
        }
    }

    public void MaxPool2dBackwardThroughActivation(Tensor x, Tensor y, Tensor dy, Tensor dx, in PoolingGeometry geometry, int[]? argmax,
        ActivationKind activation, float alpha)
    {
        var g = geometry;
        // One pass where every input element gets at most one gradient (windows do not overlap): there the
        // masked value is exactly what the two passes give. Overlapping windows add up first, so they take two.
        bool fused = activation is ActivationKind.ReLU || (activation is ActivationKind.LeakyReLU && alpha >= 0);
        if (!fused || g.StrideHeight < g.WindowHeight || g.StrideWidth < g.WindowWidth)
        {
            MaxPool2dBackward(x, dy, dx, g, argmax);
            if (activation != ActivationKind.None) ActivationBackward(null, x, dx, dx, activation, alpha);
            return;
        }
        MaxBackward(x, y, dy, dx, g, argmax, activation == ActivationKind.LeakyReLU ? alpha : 0f);
    }

    public unsafe void AvgPool2dForward(Tensor x, Tensor y, in PoolingGeometry geometry, bool countIncludePad = true)
    {
        var g = geometry;
        CheckPool(g, x, y);
        if (y.Size == 0) return;
        fixed (float* px = x.Data, py = y.Data)
        {
            Pool2d.AvgForward(px, py, g, countIncludePad);
        }
    }

    public unsafe void AvgPool2dBackward(Tensor dy, Tensor dx, in PoolingGeometry geometry, bool countIncludePad = true)
    {
        var g = geometry;
        CheckPool(g, dx, dy);
        if (dx.Size == 0) return;
        fixed (float* pdy = dy.Data, pdx = dx.Data)
        {
            Pool2d.AvgBackward(pdy, pdx, g, countIncludePad);
        }
    }

    public unsafe void GlobalAvgPool2dForward(Tensor x, Tensor y)
    {
        var (planes, plane) = GlobalPlanes(x, y);
        if (planes * plane == 0) return;
        fixed (float* px = x.Data, py = y.Data)
        {
            Pool2d.GlobalAvgForward(px, py, planes, plane);
        }
    }

    public unsafe void GlobalAvgPool2dBackward(Tensor dy, Tensor dx)
    {
        var (planes, plane) = GlobalPlanes(dx, dy);
        if (planes * plane == 0) return;
        fixed (float* pdy = dy.Data, pdx = dx.Data)
        {
            Pool2d.GlobalAvgBackward(pdy, pdx, planes, plane);
        }
    }

    private static (int Planes, int Plane) GlobalPlanes(Tensor x, Tensor y)
    {
        if (x.Shape.Rank < 3)
            throw new ShapeMismatchException($"Global average pooling needs [N, C, H, W] input but got {x.Shape}.");
        int planes = x.Shape[0] * x.Shape[1];
        if (y.Size != planes)
            throw new ShapeMismatchException($"Global average pooling of {x.Shape} gives {planes} values but the output has shape {y.Shape}.");
        return (planes, planes == 0 ? 0 : x.Size / planes);
    }

    private static void CheckPool(in PoolingGeometry g, Tensor x, Tensor y)
    {
        if (x.Size != (long)g.Batch * g.Channels * g.InputPlane)
            throw new ShapeMismatchException($"Pooling input has shape {x.Shape} but the geometry needs ({g.Batch}, {g.Channels}, {g.InputHeight}, {g.InputWidth}) ({g}).");
        if (y.Size != (long)g.Batch * g.Channels * g.OutputPlane)
            throw new ShapeMismatchException($"Pooling output has shape {y.Shape} but the geometry needs ({g.Batch}, {g.Channels}, {g.OutputHeight}, {g.OutputWidth}) ({g}).");
    }
}
