using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

public sealed partial class CpuBackend
{
    public unsafe void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, in ConvolutionGeometry geometry,
        ActivationKind activation = ActivationKind.None, float activationAlpha = 0.01f, ConvolutionWorkspace? workspace = null)
    {
        var g = geometry;
        CheckConv(g, x, "x", g.InputSize);
        CheckConv(g, y, "y", g.OutputSize);
        CheckWeight(g, weight, "weight");
        if (bias is not null && bias.Size != g.Filters)
            throw new ShapeMismatchException($"Conv2d bias has {bias.Size} values but the convolution has {g.Filters} filters ({g}).");
        workspace?.Invalidate();
        if (g.Batch == 0) return;
        fixed (float* px = x.Data, pw = weight.Data, py = y.Data)
        fixed (float* pb = bias is null ? null : bias.Data)
        {
            workspace?.Invalidate();
            if (!ConvIm2ColGemm.CacheColumns) workspace = null;
            if (ConvDirect.Applies(g)) ConvDirect.Forward(px, pw, pb, py, g, activation, activationAlpha);
            else if ((workspace is null || ConvWinograd.InTraining) && ConvWinograd.Applies(g)) ConvWinograd.Forward(px, pw, pb, py, g, activation, activationAlpha);
            else
            {
                if (ConvIm2RowGemm.Applies(g)) ConvIm2RowGemm.Forward(px, pw, pb, py, g, activation, activationAlpha, workspace);
                else ConvIm2ColGemm.Forward(px, pw, pb, py, g, activation, activationAlpha, workspace);
                ConvIm2ColGemm.Remember(workspace, x);
            }
        }
    }

    public unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, Tensor dx, in ConvolutionGeometry geometry)
    {
        var g = geometry;
        CheckConv(g, dy, "dy", g.OutputSize);
        CheckConv(g, dx, "dx", g.InputSize);
        CheckWeight(g, weight, "weight");
        if (g.Batch == 0) return;
        fixed (float* pdy = dy.Data, pw = weight.Data, pdx = dx.Data)
        {
            if (ConvWinograd.AppliesToBackwardData(g)) ConvWinograd.BackwardData(pdy, pw, pdx, g);
            else if (ConvIm2RowGemm.AppliesToBackwardData(g)) ConvIm2RowGemm.BackwardData(pdy, pw, pdx, g);
            else ConvIm2ColGemm.BackwardData(pdy, pw, pdx, g);
        }
    }

    public unsafe void Conv2dBackwardFilter(Tensor x, Tensor dy, Tensor dWeight, Tensor? dBias, in ConvolutionGeometry geometry, ConvolutionWorkspace? workspace = null)
    {
        var g = geometry;
        CheckConv(g, x, "x", g.InputSize);
        CheckConv(g, dy, "dy", g.OutputSize);
        CheckWeight(g, dWeight, "dWeight");
        if (dBias is not null && dBias.Size != g.Filters)
            throw new ShapeMismatchException($"Conv2d bias gradient has {dBias.Size} values but the convolution has {g.Filters} filters ({g}).");
        fixed (float* px = x.Data, pdy = dy.Data, pdw = dWeight.Data)
        fixed (float* pdb = dBias is null ? null : dBias.Data)
        {
            if (ConvDirect.Applies(g) && g.Batch > 0) ConvDirect.BackwardFilter(px, pdy, pdw, g, dbias: pdb);
            else if (g.Batch > 0 && ConvWinograd.AppliesToBackwardFilter(g))
            {
                ConvWinograd.BackwardFilter(px, pdy, pdw, g);
                if (pdb != null) ConvIm2ColGemm.BiasGradient(pdy, pdb, g.Batch, g.Filters, g.OutputPlane);
            }
            else if (ConvIm2RowGemm.Applies(g)) ConvIm2RowGemm.BackwardFilter(px, pdy, pdw, pdb, g, workspace, x);
            else ConvIm2ColGemm.BackwardFilter(px, pdy, pdw, pdb, g, workspace, x);
        }
    }

    public unsafe void Conv2dBackward(Tensor x, Tensor output, Tensor outputGradient, Tensor weight, Tensor dWeight, Tensor? dBias, Tensor? dx,
        in ConvolutionGeometry geometry, ActivationKind activation, float activationAlpha, Tensor scratch, ConvolutionWorkspace? workspace = null)
    {
        var g = geometry;
        CheckConv(g, output, "output", g.OutputSize);
        CheckConv(g, outputGradient, "dy", g.OutputSize);
        if (scratch.Size < outputGradient.Size)
            throw new ShapeMismatchException($"Conv2d backward scratch has {scratch.Size} values but dy has {outputGradient.Size}.");
        if (activation == ActivationKind.Softmax || IBackend.ActivationNeedsInput(activation, activationAlpha))
            throw new InvalidConfigurationException($"Conv2dBackward takes act′ from the output, which {activation} (alpha {activationAlpha}) does not allow; use ActivationBackward with the pre-activation first.");
        bool fusedFilter = dx is null && ConvDirect.Applies(g) && g.Batch > 0
            && activation is ActivationKind.None or ActivationKind.ReLU or ActivationKind.LeakyReLU;
        if (fusedFilter)
        {
            // First layer of an image network: the direct kernel applies the ReLU mask and sums the bias
            // gradient while it reads dy, so dz is never written.
            CheckConv(g, x, "x", g.InputSize);
            CheckWeight(g, dWeight, "dWeight");
            if (dBias is not null && dBias.Size != g.Filters)
                throw new ShapeMismatchException($"Conv2d bias gradient has {dBias.Size} values but the convolution has {g.Filters} filters ({g}).");
            fixed (float* px = x.Data, py = output.Data, pdy = outputGradient.Data, pdw = dWeight.Data)
            fixed (float* pdb = dBias is null ? null : dBias.Data)
            {
                ConvDirect.BackwardFilter(px, pdy, pdw, g, activation == ActivationKind.None ? null : py,
                    activation == ActivationKind.LeakyReLU ? activationAlpha : 0f, pdb);
            }
            return;
        }
        bool winogradData = dx is not null && ConvWinograd.InBackward && ConvWinograd.AppliesToBackwardData(g);
        bool winogradFilter = g.Batch > 0 && ConvWinograd.AppliesToBackwardFilter(g);
        if (!ConvIm2RowGemm.Applies(g) && !ConvDirect.Applies(g) && g.Batch > 0 && ConvIm2ColGemm.FusedBackward && !winogradData && !winogradFilter)
        {
            // Classic layout: act′, bias, filter and data gradients in one pass over the chunks.
            CheckConv(g, x, "x", g.InputSize);
            CheckWeight(g, weight, "weight");
            CheckWeight(g, dWeight, "dWeight");
            if (dBias is not null && dBias.Size != g.Filters)
                throw new ShapeMismatchException($"Conv2d bias gradient has {dBias.Size} values but the convolution has {g.Filters} filters ({g}).");
            if (dx is not null) CheckConv(g, dx, "dx", g.InputSize);
            fixed (float* px = x.Data, py = output.Data, pdy = outputGradient.Data, pw = weight.Data, pdw = dWeight.Data)
            fixed (float* pdb = dBias is null ? null : dBias.Data)
            fixed (float* pdx = dx is null ? null : dx.Data)
            {
                ConvIm2ColGemm.Backward(px, activation == ActivationKind.None ? null : py, pdy, pw, pdw, pdb, pdx, g, activation, activationAlpha, workspace, x);
            }
            return;
        }
        var dz = outputGradient;
        if (activation != ActivationKind.None)
        {
            dz = scratch;
            fixed (float* py = output.Data, pdy = outputGradient.Data, pdz = scratch.Data)
            {
                ConvIm2ColGemm.ActivationBackward(py, pdy, pdz, outputGradient.Size, activation, activationAlpha);
            }
        }
        Conv2dBackwardFilter(x, dz, dWeight, dBias, g, workspace);
        if (dx is not null) Conv2dBackwardData(dz, weight, dx, g);
    }

    private static void CheckConv(in ConvolutionGeometry g, Tensor t, string what, int perImage)
    {
        if (t.Size != (long)g.Batch * perImage || (t.Shape.Rank > 0 && t.Shape[0] != g.Batch))
            throw new ShapeMismatchException($"Conv2d {what} has shape {t.Shape} but the geometry needs {g.Batch} images of {perImage} values ({g}).");
    }

    private static void CheckWeight(in ConvolutionGeometry g, Tensor w, string what)
    {
        if (w.Size != g.WeightSize)
            throw new ShapeMismatchException($"Conv2d {what} has shape {w.Shape} but the geometry needs ({g.Filters}, {g.GroupInputChannels}, {g.KernelHeight}, {g.KernelWidth}) ({g}).");
    }
}
