using System.Reflection;
using System.Runtime.Loader;

namespace NeuralPS.Cmdlets.Loader;

/// <summary>The module-private load context of the "ALC loader" pattern: it loads NeuralPS.Core,
/// NeuralPS.Cuda and their dependencies (System.Numerics.Tensors, ...) from the module's
/// <c>dependencies/</c> folder, so another module's copy of the same library can never be picked
/// instead of ours, nor ours instead of theirs. Anything not in the folder (the BCL,
/// System.Management.Automation) falls back to the default context.</summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    public DependencyLoadContext(string dependencyDirectory)
        : base("NeuralPS", isCollectible: false)
    {
        DependencyDirectory = dependencyDirectory;
    }

    public string DependencyDirectory { get; }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        string? path = DependencyPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>The file that holds <paramref name="assemblyName"/> in the dependency folder, or null.</summary>
    public string? DependencyPath(AssemblyName assemblyName)
    {
        if (string.IsNullOrEmpty(assemblyName.Name)) return null;
        // Culture-specific satellite assemblies are not shipped; only plain "<Name>.dll" files are ours.
        // Assembly names compare case-insensitively; file names may not (Linux), hence the listing.
        return Files.TryGetValue(assemblyName.Name, out var path) ? path : null;
    }

    private Dictionary<string, string>? _files;

    /// <summary>The folder's assemblies by simple name (read once: the module's files do not change while it is loaded).</summary>
    private Dictionary<string, string> Files => _files ??= ListAssemblies(DependencyDirectory);

    private static Dictionary<string, string> ListAssemblies(string directory)
    {
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(directory)) return files;
        foreach (var file in Directory.EnumerateFiles(directory, "*.dll"))
            files.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        return files;
    }
}
