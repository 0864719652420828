using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>2-d max pooling over [C, H, W] (PyTorch nn.MaxPool2d, floor mode):
///   y[n, c, oy, ox] = max_{i &lt; ph, j &lt; pw} x[n, c, oy·sh − padTop + i, ox·sw − padLeft + j]   (padding = −∞)
/// The forward keeps the argmax of each window, so the backward routes each gradient straight to the
/// element that won (ties: the first in scan order). Spec keys: those of <see cref="Pool2dLayer"/>.</summary>
public sealed class MaxPool2d : Pool2dLayer
{
    private Tensor? _input, _output, _inputGradient;
    private int[] _argmax = Array.Empty<int>();
    private bool _argmaxValid; // false after an inference forward: a backward then finds the maxima again from x
    private Conv2d? _fusedConvolution; // the convolution whose training forward ran fused with this pool's (no input kept)

    public MaxPool2d(int[] poolSize, int[]? stride = null, PaddingMode padding = PaddingMode.Valid, int[]? paddingSize = null, string? name = null)
        : base(poolSize, stride, padding, paddingSize, name) { }

    public MaxPool2d(int poolSize = 2, int? stride = null, string? name = null)
        : this(new[] { poolSize }, stride is null ? null : new[] { stride.Value }, name: name) { }

    public override string Type => "MaxPool2d";

    /// <summary>The output of the last forward (fused or not).</summary>
    internal Tensor? LastOutput => _output;

    // x [N, C, H, W] -> y [N, C, OH, OW], and in training argmax [N, C, OH, OW] (index in the input plane)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        var g = BatchGeometry(input);
        var y = BatchBuffer.Ensure(ref _output, g.Batch, OutputShape);
        _input = input;
        _fusedConvolution = null;
        _argmaxValid = context.Training;
        if (!context.Training)
        {
            // Inference keeps no argmax: one int per output written for nothing (a quarter of the pool's traffic).
            context.Backend.MaxPool2dForward(input, y, g);
            return y;
        }
        if (_argmax.Length < y.Size) _argmax = new int[y.Size];
        context.Backend.MaxPool2dForward(input, y, g, _argmax);
        return y;
    }

    /// <summary>Inference of <paramref name="conv"/> (the layer before this one) and this pool in one pass, when the CPU
    /// kernel for it applies (<see cref="Conv2d.TryForwardMaxPooled"/>); false, having done nothing, otherwise.</summary>
    internal bool TryForwardFused(Conv2d conv, Tensor input, LayerContext context, out Tensor output)
    {
        output = null!;
        if (context.Training || !IsBuilt || conv.OutputShape != InputShape) return false;
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        if (!conv.TryForwardMaxPooled(input, context, Geometry.WithBatch(input.Rows), y)) return false;
        _input = null; // no input of its own: a backward now has nothing to route through
        _fusedConvolution = null;
        _argmaxValid = false;
        output = y;
        return true;
    }

    /// <summary>The training forward of <paramref name="conv"/> (the layer before this one, fed <paramref name="input"/>) and
    /// this pool in one pass, keeping the argmax (<see cref="Conv2d.TryForwardMaxPooledTraining"/>; <paramref name="firstLayer"/>:
    /// conv is the network's first layer, so no input gradient will be asked of it); false, having done nothing, where it does
    /// not apply. The backward is then <see cref="TryBackwardConvolution"/>.</summary>
    internal bool TryForwardFusedTraining(Conv2d conv, Tensor input, LayerContext context, bool firstLayer, out Tensor output)
    {
        output = null!;
        if (!context.Training || !IsBuilt || conv.OutputShape != InputShape) return false;
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        if (_argmax.Length < y.Size) _argmax = new int[y.Size];
        if (!conv.TryForwardMaxPooledTraining(input, context, Geometry.WithBatch(input.Rows), y, _argmax, firstLayer)) return false;
        _input = null;
        _fusedConvolution = conv;
        _argmaxValid = true;
        output = y;
        return true;
    }

    /// <summary>The backward of this pool and of <paramref name="conv"/>, the layer before it, in one: conv's gradients (and its
    /// input gradient when <paramref name="needInputGradient"/>) from this pool's output gradient, computed only where the
    /// windows' winners are. After <see cref="TryForwardFusedTraining"/> with conv: <see cref="Conv2d.BackwardFromMaxPooled"/>;
    /// after the two layers' own forwards, when this pool read conv's last output and the pooled kernel takes the pair:
    /// <see cref="Conv2d.TryBackwardFromMaxPool"/>. False, having done nothing, otherwise.</summary>
    internal bool TryBackwardConvolution(Conv2d conv, Tensor outputGradient, LayerContext context, bool needInputGradient, out Tensor? inputGradient)
    {
        inputGradient = null;
        if (_output is null) return false;
        if (_fusedConvolution is not null && ReferenceEquals(_fusedConvolution, conv))
        {
            if (outputGradient.Size != _output.Size)
                throw new ShapeMismatchException($"Layer '{Name}' (MaxPool2d): output gradient {outputGradient.Shape} does not match its output {_output.Shape}.");
            inputGradient = conv.BackwardFromMaxPooled(_output, outputGradient, _argmax, Geometry.WithBatch(_output.Shape[0]), needInputGradient);
            return true;
        }
        if (_input is null || !_argmaxValid || !ReferenceEquals(conv.LastOutput, _input)) return false;
        if (outputGradient.Size != _output.Size) return false; // the plain Backward reports the mismatch
        return conv.TryBackwardFromMaxPool(_output, outputGradient, _argmax, Geometry.WithBatch(_input.Shape[0]), context, needInputGradient, out inputGradient);
    }

    // dy [N, C, OH, OW] -> dx [N, C, H, W]
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (_input is null) throw new InvalidOperationException($"Layer '{Name}' (MaxPool2d): Backward called before Forward, or after a forward fused with the convolution before it (at inference, or in a training step as the network's first layers), which keeps no input; run this layer's own training forward first.");
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, _input.Rows, InputShape);
        context.Backend.MaxPool2dBackward(_input, outputGradient, dx, Geometry.WithBatch(_input.Shape[0]), _argmaxValid ? _argmax : null);
        return dx;
    }

    /// <summary>This pool's backward and the activation derivative of <paramref name="conv"/> (the layer before it, whose
    /// output this pool's input is) in one backend call: returns dz, the gradient before conv's activation, for
    /// <see cref="Conv2d.BackwardFromPreActivation"/>. False, having done nothing, unless conv's derivative is read from
    /// its output (None, ReLU, LeakyReLU α ≥ 0) and this pool's last input is conv's last output.</summary>
    internal bool TryBackwardThroughActivation(Conv2d conv, Tensor outputGradient, LayerContext context, out Tensor inputGradient)
    {
        inputGradient = null!;
        if (_input is null || !conv.ActivationFromOutput || !ReferenceEquals(conv.LastOutput, _input)) return false;
        if (outputGradient.Size != (_output?.Size ?? -1)) return false; // the plain Backward reports the mismatch
        var dx = BatchBuffer.Ensure(ref _inputGradient, _input.Rows, InputShape);
        context.Backend.MaxPool2dBackwardThroughActivation(_input, _output!, outputGradient, dx, Geometry.WithBatch(_input.Shape[0]),
            _argmaxValid ? _argmax : null, conv.Activation, conv.Alpha);
        inputGradient = dx;
        return true;
    }

    public static Layer FromSpec(LayerSpec spec)
    {
        var (pool, stride, padding, size) = ReadWindow(spec);
        return new MaxPool2d(pool, stride, padding, size, spec.Name);
    }
}
