using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A lookup table of token vectors, as torch.nn.Embedding: input (batch, time) of integer token
/// ids carried as floats, output (batch, time, dimensions), y[b, t, :] = weight[x[b, t], :].
/// weight (vocabularySize, dimensions), initialised N(0, 1) as PyTorch. With a padding index (≥ 0) that
/// row is zero, stays zero (it gets no gradient) and positions holding it output zeros.
/// Ids are not differentiable: the input gradient is zero. An id that is not an integer in
/// [0, vocabularySize) is an error naming the sample and position.
/// Spec keys: vocabularySize, dimensions, paddingIndex (−1 = none).</summary>
public sealed class Embedding : Layer
{
    /// <summary>Larger tables are refused (a hostile file cannot make us allocate an absurd table).</summary>
    public const long MaxTableSize = 1L << 28;

    private Parameter? _weight;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private Tensor? _input, _output, _inputGradient;

    public Embedding(int vocabularySize, int dimensions, int paddingIndex = -1, string? name = null) : base(name)
    {
        string who = string.IsNullOrEmpty(name) ? "Embedding layer" : $"Embedding layer '{name}'";
        if (vocabularySize <= 0) throw new InvalidConfigurationException($"{who}: the vocabulary size must be positive but is {vocabularySize}.");
        if (dimensions <= 0) throw new InvalidConfigurationException($"{who}: dimensions must be positive but is {dimensions}.");
        if ((long)vocabularySize * dimensions > MaxTableSize)
            throw new InvalidConfigurationException($"{who}: a {vocabularySize} x {dimensions} table has more than {MaxTableSize:N0} values.");
        if (paddingIndex < -1 || paddingIndex >= vocabularySize)
            throw new InvalidConfigurationException($"{who}: the padding index must be a token id in [0, {vocabularySize - 1}] (or -1 for none) but is {paddingIndex}.");
        VocabularySize = vocabularySize;
        Dimensions = dimensions;
        PaddingIndex = paddingIndex;
    }

    public override string Type => "Embedding";
    public int VocabularySize { get; }
    public int Dimensions { get; }
    /// <summary>The id whose vector is fixed at zero, or −1.</summary>
    public int PaddingIndex { get; }
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet.");
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override string Details =>
        $"{VocabularySize} tokens x {Dimensions}" + (PaddingIndex >= 0 ? $", padding id {PaddingIndex}" : "");

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank != 1 || inputShape[0] < 1)
            throw ShapeError(inputShape, "a sequence of token ids (time,)");
        _weight = new Parameter("weight", new Shape(VocabularySize, Dimensions), applyWeightDecay: true);
        _parameters = new[] { _weight };
        return new Shape(inputShape[0], Dimensions);
    }

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        var w = Weight.Value.Span;
        for (int i = 0; i < w.Length; i++) w[i] = (float)random.NextGaussian();
        if (PaddingIndex >= 0) w.Slice(PaddingIndex * Dimensions, Dimensions).Clear();
    }

    // ids (B, T) -> y (B, T, D)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        if (input.Shape.Rank != 2 || input.Columns != InputShape[0])
            throw new ShapeMismatchException($"Layer '{Name}' (Embedding) expects input (batch, {InputShape[0]}) but got {input.Shape}.");
        _input = input;
        var y = BatchBuffer.Ensure(ref _output, input.Rows, OutputShape);
        context.Backend.EmbeddingForward(input, Weight.Value, y, PaddingIndex);
        return y;
    }

    // dy (B, T, D) -> dW (V, D) by scatter-add; dx = 0
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        var x = _input ?? throw new InvalidOperationException($"Layer '{Name}' (Embedding): Backward before Forward.");
        if (!Frozen) context.Backend.EmbeddingBackward(x, outputGradient, Weight.Gradient, PaddingIndex);
        if (!needInputGradient) return null;
        var dx = BatchBuffer.Ensure(ref _inputGradient, x.Rows, InputShape);
        dx.Clear();
        return dx;
    }

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name)
        .Set("vocabularySize", VocabularySize)
        .Set("dimensions", Dimensions)
        .Set("paddingIndex", PaddingIndex);

    public static Layer FromSpec(LayerSpec spec) => new Embedding(
        spec.GetInt("vocabularySize"), spec.GetInt("dimensions"), spec.GetInt("paddingIndex", -1),
        string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
