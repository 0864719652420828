using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace NeuralPS.Cmdlets.Loader;

/// <summary>Runs when Import-Module loads NeuralPS.dll (before any cmdlet runs): registers the
/// resolver that loads the engine assemblies from <c>dependencies/</c> into the module-private load
/// context, then lets the CUDA backend announce itself (it probes for a driver only when asked), then
/// publishes the engine's public types as PowerShell type accelerators under their full names, so
/// that <c>[NeuralPS.Core.Network]</c> resolves in script although the engine is not in the default
/// context (see <see cref="EngineTypeAccelerators"/>). Removing the module unregisters the resolver
/// and the accelerators; assemblies stay loaded (load contexts of this kind cannot be unloaded), and
/// a re-import registers both again.
/// This class (and every public type of NeuralPS.dll) must not mention a NeuralPS.Core type in its
/// base types or fields: PowerShell enumerates the module's types before it calls OnImport.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal static ModuleAssemblyResolver Resolver { get; } =
        new(ModuleAssemblyResolver.DependencyDirectoryFor(typeof(ModuleInitializer).Assembly));

    /// <summary>PowerShell's type accelerator table; null where SMA has none (the reference stub in tests).</summary>
    internal static EngineTypeAccelerators? TypeAccelerators { get; } =
        EngineTypeAccelerators.ForPowerShell(typeof(PSObject).Assembly);

    public void OnImport()
    {
        Resolver.Register(AssemblyLoadContext.Default);
        RegisterBackends();
        PublishEngineTypes();
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        TypeAccelerators?.Unregister();
        Resolver.Unregister();
    }

    // A separate, non-inlined method: the JIT resolves NeuralPS.Cuda (and so NeuralPS.Core) when it
    // compiles this method, which happens only after the resolver above is registered.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void RegisterBackends() => NeuralPS.Cuda.CudaRegistration.Register();

    // Also after the resolver: naming the engine's types loads the engine. A failure here must not fail
    // the import (the cmdlets work without the accelerators; only type literals in script need them).
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void PublishEngineTypes()
    {
        try
        {
            TypeAccelerators?.Register(EngineTypeAccelerators.PublicTypes(new[]
            {
                typeof(NeuralPS.Core.Network).Assembly,
                typeof(NeuralPS.Cuda.CudaRegistration).Assembly,
            }));
        }
        catch (Exception e) when (e is TargetInvocationException or MemberAccessException or ArgumentException or InvalidOperationException)
        {
        }
    }
}
