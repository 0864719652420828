using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Save-NeuralNetwork / Import-NeuralNetwork without PowerShell: the overwrite decision
/// (<see cref="SavePlan"/>) and the engine's model file (atomic save; validate-then-return load).</summary>
internal static class ModelFiles
{
    /// <summary>The conventional extension (".npsm").</summary>
    public static string Extension => ModelFile.Extension;

    /// <summary>Saves atomically; a network with NaN/Inf weights is refused unless <paramref name="allowNonFinite"/>.</summary>
    public static FileInfo Save(Network network, SavePlan plan, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        plan.EnsureAllowed();
        ModelFile.Save(network, plan.Path, allowNonFinite: allowNonFinite);
        return new FileInfo(plan.Path);
    }

    public static Network Load(string fullPath)
    {
        if (Directory.Exists(fullPath))
            throw new IOException($"'{fullPath}' is a folder, not a model file.");
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"Cannot find the model file '{fullPath}'.", fullPath);
        return ModelFile.Load(fullPath);
    }
}
