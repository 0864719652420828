using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace NeuralPS.Cmdlets.Loader;

/// <summary>Runs when Import-Module loads NeuralPS.dll (before any cmdlet runs): registers the
/// resolver that loads the engine assemblies from <c>dependencies/</c> into the module-private load
/// context, then lets the CUDA backend announce itself (it probes for a driver only when asked).
/// Removing the module unregisters the resolver; assemblies stay loaded (load contexts of this kind
/// cannot be unloaded), and a re-import registers the same resolver again.
/// This class (and every public type of NeuralPS.dll) must not mention a NeuralPS.Core type in its
/// base types or fields: PowerShell enumerates the module's types before it calls OnImport.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal static ModuleAssemblyResolver Resolver { get; } =
        new(ModuleAssemblyResolver.DependencyDirectoryFor(typeof(ModuleInitializer).Assembly));

    public void OnImport()
    {
        Resolver.Register(AssemblyLoadContext.Default);
        RegisterBackends();
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => Resolver.Unregister();

    // A separate, non-inlined method: the JIT resolves NeuralPS.Cuda (and so NeuralPS.Core) when it
    // compiles this method, which happens only after the resolver above is registered.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void RegisterBackends() => NeuralPS.Cuda.CudaRegistration.Register();
}
