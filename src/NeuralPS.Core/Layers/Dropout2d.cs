using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>Channel dropout (PyTorch nn.Dropout2d, Keras SpatialDropout2D): in training each channel
/// of each sample is zeroed with probability <see cref="Rate"/> and the kept ones are scaled by
/// 1/(1 − rate) (inverted dropout), so inference is the identity.
///   y[n, c, ...] = x[n, c, ...]·mask[n, c],  mask = 0 or 1/(1 − rate)      dx = dy·mask
/// The mask draws from the run's dropout stream (LayerContext.Random). Spec keys: rate in [0, 1).</summary>
public sealed class Dropout2d : Layer
{
    private Tensor? _mask, _output, _inputGradient;
    private bool _masked;
    private Shape _maskShape;

    public Dropout2d(double rate = 0.5, string? name = null) : base(name)
    {
        if (!(rate >= 0 && rate < 1)) throw new InvalidConfigurationException($"Dropout2d rate must be in [0, 1) (got {rate}).");
        Rate = rate;
    }

    public override string Type => "Dropout2d";
    public double Rate { get; }

    protected override Shape Configure(Shape input)
    {
        if (input.Rank < 2 || input.Size == 0) throw ShapeError(input, "(channels, height, width)");
        return input;
    }

    // x [N, C, H, W] -> y [N, C, H, W]; mask [N, C]
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        _masked = context.Training && Rate > 0;
        if (!_masked) return input;
        int n = input.Rows, c = InputShape[0];
        if (_maskShape.Rank == 0 || _maskShape[0] != n) _maskShape = new Shape(n, c);
        var mask = Tensor.Ensure(ref _mask, _maskShape);
        float keep = (float)(1.0 / (1.0 - Rate));
        var m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = context.Random.NextDouble() < Rate ? 0f : keep;
        var y = BatchBuffer.Ensure(ref _output, n, OutputShape);
        context.Backend.ScaleChannels(input, mask, y);
        return y;
    }

    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        if (!needInputGradient) return null;
        if (!_masked) return outputGradient;
        var dx = BatchBuffer.Ensure(ref _inputGradient, outputGradient.Rows, InputShape);
        context.Backend.ScaleChannels(outputGradient, _mask!, dx);
        return dx;
    }

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name).Set("rate", Rate);

    public static Layer FromSpec(LayerSpec spec) => new Dropout2d(spec.GetDouble("rate", 0.5), spec.Name);

    public override string Details => $"rate {Rate:G3} (whole channels)";
}
