namespace NeuralPS.Cmdlets.Commands;

/// <summary>What Save-NeuralNetwork would do with <see cref="Path"/>: the ShouldProcess text first (so -WhatIf
/// and -Confirm describe the operation whether or not it would be allowed), then, in the real operation,
/// <see cref="EnsureAllowed"/>: an existing file is overwritten only with -Force.</summary>
internal sealed record SavePlan(string Path, bool Overwrites, bool Force)
{
    /// <summary>The ShouldProcess action text.</summary>
    public string Action => Overwrites ? "Overwrite neural network file" : "Save neural network";

    /// <summary>Decides for a provider-resolved file-system path. Throws an IOException when the path is a
    /// folder or its folder does not exist (nothing could be saved there, -WhatIf or not). An existing file
    /// is not refused here: that belongs to the real operation (<see cref="EnsureAllowed"/>).</summary>
    public static SavePlan Decide(string fullPath, bool force)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        if (Directory.Exists(fullPath))
            throw new IOException($"'{fullPath}' is a folder; give the path of the model file to write, e.g. '{System.IO.Path.Combine(fullPath, "model.npsm")}'.");
        string? folder = System.IO.Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist; create it first (New-Item -ItemType Directory).");
        return new SavePlan(fullPath, File.Exists(fullPath), force);
    }

    /// <summary>Throws <see cref="FileExistsException"/> when the file exists (now) and -Force was not given.</summary>
    public void EnsureAllowed()
    {
        if (!Force && File.Exists(Path))
            throw new FileExistsException($"The file '{Path}' already exists. Use -Force to overwrite it.");
    }
}
