using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>New-NeuralNetwork and Add-Layer without PowerShell.</summary>
internal static class NetworkBuilder
{
    /// <summary>The seed used when -Seed is not given: runs are reproducible by default; pass -Seed to vary them.</summary>
    public const ulong DefaultSeed = 0;

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
        network.Add(CreateLayer(spec));
        return network;
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
