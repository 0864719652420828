namespace NeuralPS.Cmdlets.Commands;

/// <summary>Whether Save-NeuralNetwork may write <see cref="Path"/> (the decision; the cmdlet then
/// asks ShouldProcess, which is where -WhatIf and -Confirm stop it).</summary>
internal sealed record SavePlan(string Path, bool Overwrites)
{
    /// <summary>The ShouldProcess action text.</summary>
    public string Action => Overwrites ? "Overwrite neural network file" : "Save neural network";

    /// <summary>Decides for a provider-resolved file-system path. Throws <see cref="FileExistsException"/>
    /// when the file exists and <paramref name="force"/> is false, and an IOException when the path is a
    /// folder or its folder does not exist.</summary>
    public static SavePlan Decide(string fullPath, bool force)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        if (Directory.Exists(fullPath))
            throw new IOException($"'{fullPath}' is a folder; give the path of the model file to write, e.g. '{System.IO.Path.Combine(fullPath, "model.npsm")}'.");
        string? folder = System.IO.Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist; create it first (New-Item -ItemType Directory).");
        bool exists = File.Exists(fullPath);
        if (exists && !force)
            throw new FileExistsException($"The file '{fullPath}' already exists. Use -Force to overwrite it.");
        return new SavePlan(fullPath, exists);
    }
}
