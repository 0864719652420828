using System.Reflection;
using System.Runtime.Loader;

namespace NeuralPS.Cmdlets.Loader;

/// <summary>The decision half of the ALC loader, free of PowerShell so that xUnit can test it.
/// NeuralPS.dll (the cmdlets) lives in the default load context and references NeuralPS.Core and
/// NeuralPS.Cuda, which are NOT next to it but in <c>dependencies/</c>. When the default context
/// fails to find one of them it raises <see cref="AssemblyLoadContext.Resolving"/>; we answer only
/// for our own engine assemblies (names starting with "NeuralPS." that exist in the folder) by
/// loading them into the private <see cref="DependencyLoadContext"/>. Their own dependencies are
/// then resolved by that context, never by the default one.
/// Nothing here may touch a NeuralPS.Core type: this code runs before Core can be found.</summary>
internal sealed class ModuleAssemblyResolver
{
    private const string EnginePrefix = "NeuralPS.";
    private readonly object _gate = new();
    private AssemblyLoadContext? _registeredOn;

    public ModuleAssemblyResolver(string dependencyDirectory)
    {
        LoadContext = new DependencyLoadContext(dependencyDirectory);
    }

    public DependencyLoadContext LoadContext { get; }

    /// <summary>The folder next to a module assembly where its private dependencies live.</summary>
    public static string DependencyDirectoryFor(Assembly moduleAssembly)
    {
        string dir = Path.GetDirectoryName(moduleAssembly.Location) ?? AppContext.BaseDirectory;
        return Path.Combine(dir, "dependencies");
    }

    /// <summary>True for the assemblies the default context must get from us.</summary>
    public bool IsEngineAssembly(AssemblyName name) =>
        name.Name is { } n
        && n.StartsWith(EnginePrefix, StringComparison.OrdinalIgnoreCase)
        && LoadContext.DependencyPath(name) is not null;

    /// <summary>The <see cref="AssemblyLoadContext.Resolving"/> handler.</summary>
    public Assembly? Resolve(AssemblyLoadContext context, AssemblyName name) =>
        IsEngineAssembly(name) ? LoadContext.LoadFromAssemblyName(name) : null;

    /// <summary>Registers the handler on <paramref name="context"/> (the default context in the module);
    /// idempotent, so a second Import-Module in the same session does not register twice.</summary>
    public void Register(AssemblyLoadContext context)
    {
        lock (_gate)
        {
            if (_registeredOn is not null) return;
            context.Resolving += Resolve;
            _registeredOn = context;
        }
    }

    public void Unregister()
    {
        lock (_gate)
        {
            if (_registeredOn is null) return;
            _registeredOn.Resolving -= Resolve;
            _registeredOn = null;
        }
    }

    public bool IsRegistered
    {
        get { lock (_gate) return _registeredOn is not null; }
    }
}
