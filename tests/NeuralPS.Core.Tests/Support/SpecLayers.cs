using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Tests.Support;

/// <summary>A layer from its spec (type and settings), as a saved model or a cmdlet builds it.</summary>
internal static class SpecLayers
{
    public static Layer Create(string type, params (string Key, object Value)[] settings)
    {
        var spec = new LayerSpec(type, "");
        foreach (var (k, v) in settings) spec.Set(k, v);
        return LayerRegistry.Create(spec);
    }
}
