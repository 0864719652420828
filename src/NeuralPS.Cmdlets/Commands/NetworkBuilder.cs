using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>New-NeuralNetwork and Add-Layer without PowerShell.</summary>
internal static class NetworkBuilder
{
    /// <summary>The seed used when -Seed is not given: runs are reproducible by default; pass -Seed to vary them.</summary>
    public const ulong DefaultSeed = 0;

    /// <summary>A network without -InputShape: its first layer must define the input (TextVectorization).</summary>
    public static Network CreateForFirstLayer(string? name, ulong? seed) =>
        Network.WithInputFromFirstLayer(string.IsNullOrWhiteSpace(name) ? "network" : name.Trim(), seed ?? DefaultSeed);

    public static Network Create(string? name, IReadOnlyList<int> inputShape, ulong? seed)
    {
        if (inputShape is null || inputShape.Count == 0)
            throw new InvalidConfigurationException("-InputShape needs at least one dimension, e.g. -InputShape 4 (four features) or -InputShape 1,28,28 (one 28x28 channel).");
        foreach (int d in inputShape)
        {
            if (d <= 0)
                throw new InvalidConfigurationException($"-InputShape dimensions must be greater than 0 but are {string.Join(", ", inputShape)}.");
        }
        return new Network(string.IsNullOrWhiteSpace(name) ? "network" : name.Trim(), new Shape(inputShape.ToArray()), seed ?? DefaultSeed);
    }

    /// <summary>Creates the layer from its spec through the registry and appends it. On any error the
    /// network is unchanged (Network.Add checks the shape before it appends).</summary>
    public static Network AddLayer(Network network, LayerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(spec);
        network.Add(CreateLayer(Complete(network, spec)));
        return network;
    }

    /// <summary>Settings that follow from the network: a TextVectorization's length from -InputShape, an
    /// Embedding's vocabulary (and padding id 0) from the TextVectorization before it.</summary>
    private static LayerSpec Complete(Network network, LayerSpec spec)
    {
        if (spec.Type == "TextVectorization" && !spec.Has("sequenceLength"))
        {
            if (network.InputFromFirstLayer || network.Layers.Count > 0 || network.InputShape.Rank != 1)
                throw new InvalidConfigurationException($"Add-Layer TextVectorization needs -SequenceLength (the token ids per text) on network '{network.Name}'" +
                    (network.InputFromFirstLayer || network.Layers.Count > 0 ? "." : $", whose input {network.InputShape} is not one length.") +
                    " e.g. Add-Layer TextVectorization -MaxTokens 20000 -SequenceLength 200 -Split Word");
            var copy = Copy(spec);
            copy.Set("sequenceLength", (long)network.InputShape[0]);
            return copy;
        }
        if (spec.Type == "Embedding" && !spec.Has("vocabularySize"))
        {
            if (network.Layers.Count == 0 || network.Layers[^1] is not TextVectorization text)
                throw new InvalidConfigurationException("Add-Layer Embedding needs -VocabularySize (the number of token ids), unless it follows Add-Layer TextVectorization, whose -MaxTokens it then takes (e.g. Add-Layer Embedding -VocabularySize 5000 -Dimensions 32).");
            var copy = Copy(spec);
            copy.Set("vocabularySize", (long)text.MaxTokens);
            if (!copy.Has("paddingIndex")) copy.Set("paddingIndex", (long)Core.Data.TextVectorizer.PaddingId);
            return copy;
        }
        return spec;
    }

    private static LayerSpec Copy(LayerSpec spec)
    {
        var copy = new LayerSpec(spec.Type, spec.Name);
        foreach (var (key, value) in spec.Settings) copy.Settings[key] = value;
        copy.Children.AddRange(spec.Children);
        return copy;
    }

    /// <summary>LayerRegistry.Create, with its "model file" wording turned into an Add-Layer error:
    /// here a bad setting is the user's argument, not a corrupt file.</summary>
    public static Layer CreateLayer(LayerSpec spec)
    {
        if (!LayerRegistry.IsKnown(spec.Type))
            throw new InvalidConfigurationException($"Layer type '{spec.Type}' is not available in this build of NeuralPS (available: {string.Join(", ", LayerRegistry.TypeNames.Order())}).");
        foreach (var child in spec.Children)
        {
            if (!LayerRegistry.IsKnown(child.Type))
                throw new InvalidConfigurationException($"Layer type '{child.Type}' (inside {spec.Type}) is not available in this build of NeuralPS.");
        }
        try
        {
            return LayerRegistry.Create(spec);
        }
        catch (ModelFileException e)
        {
            throw new InvalidConfigurationException($"Add-Layer {spec.Type}: {e.Message}");
        }
    }
}
