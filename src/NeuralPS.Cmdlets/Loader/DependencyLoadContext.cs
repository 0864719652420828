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
        string path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? path : null;
    }
}
