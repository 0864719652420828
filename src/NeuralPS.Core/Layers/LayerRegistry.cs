namespace NeuralPS.Core.Layers;

/// <summary>The fixed vocabulary of layer type words and how each is rebuilt from its
/// <see cref="LayerSpec"/>. The model file and Add-Layer both go through here; an unknown word is an
/// error, never a type lookup.</summary>
public static class LayerRegistry
{
    // One line per layer type. Each layer class provides: public static Layer FromSpec(LayerSpec spec).
    private static readonly Dictionary<string, Func<LayerSpec, Layer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Dense"] = Dense.FromSpec,
        ["Activation"] = Activation.FromSpec,
        ["Dropout"] = Dropout.FromSpec,
        ["Flatten"] = Flatten.FromSpec,
        ["Conv2d"] = Conv2d.FromSpec,
        ["MaxPool2d"] = MaxPool2d.FromSpec,
        ["AvgPool2d"] = AvgPool2d.FromSpec,
        ["GlobalAvgPool2d"] = GlobalAvgPool2d.FromSpec,
        ["BatchNorm"] = BatchNorm.FromSpec,
        ["Dropout2d"] = Dropout2d.FromSpec,
        ["Residual"] = Residual.FromSpec,
        ["SimpleRNN"] = SimpleRNN.FromSpec,
        ["LSTM"] = LSTM.FromSpec,
        ["GRU"] = GRU.FromSpec,
        ["Embedding"] = Embedding.FromSpec,
        ["TextVectorization"] = TextVectorization.FromSpec,
    };

    public static IReadOnlyCollection<string> TypeNames => Factories.Keys;

    public static bool IsKnown(string type) => Factories.ContainsKey(type);

    public static Layer Create(LayerSpec spec)
    {
        if (!Factories.TryGetValue(spec.Type, out var factory))
            throw new ModelFileException($"Unknown layer type '{spec.Type}' (layer '{spec.Name}'). Known types: {string.Join(", ", Factories.Keys.Order())}.");
        var layer = factory(spec);
        layer.Frozen = spec.GetBool("frozen", false);
        return layer;
    }
}
