using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Loader;
using NeuralPS.Cmdlets.Loader;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The ALC loader: engine assemblies resolve from dependencies/ into the module-private
/// load context, only for our names, and nothing public in NeuralPS.dll needs Core to load.</summary>
public sealed class LoaderTests
{
    /// <summary>A dependencies/ folder holding copies of the engine and its library, as the module ships them.</summary>
    private static TempFolder DependencyFolder()
    {
        var t = new TempFolder();
        foreach (var name in new[] { "NeuralPS.Core.dll", "System.Numerics.Tensors.dll" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), t.File(name));
        return t;
    }

    /// <summary>Writes a tiny real assembly named <paramref name="name"/> (nothing else in the process has it).</summary>
    private static void EmitAssembly(string folder, string name)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(name), typeof(object).Assembly);
        var module = builder.DefineDynamicModule(name);
        module.DefineType(name + ".Marker", TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.Sealed).CreateType();
        builder.Save(Path.Combine(folder, name + ".dll"));
    }

    [Fact]
    public void The_dependency_folder_is_next_to_the_module_assembly()
    {
        string expected = Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "dependencies");
        Assert.Equal(expected, ModuleAssemblyResolver.DependencyDirectoryFor(typeof(ModuleInitializer).Assembly));
        Assert.Equal(expected, ModuleInitializer.Resolver.LoadContext.DependencyDirectory);
    }

    [Fact]
    public void Only_NeuralPS_assemblies_present_in_the_folder_are_ours()
    {
        using var deps = DependencyFolder();
        var resolver = new ModuleAssemblyResolver(deps.Path);
        Assert.True(resolver.IsEngineAssembly(new AssemblyName("NeuralPS.Core")));
        Assert.True(resolver.IsEngineAssembly(new AssemblyName("neuralps.core")));
        Assert.False(resolver.IsEngineAssembly(new AssemblyName("NeuralPS.Cuda"))); // not in this folder
        Assert.False(resolver.IsEngineAssembly(new AssemblyName("System.Numerics.Tensors"))); // a library: the private context's business
        Assert.False(resolver.IsEngineAssembly(new AssemblyName("Newtonsoft.Json")));
        Assert.Null(resolver.Resolve(AssemblyLoadContext.Default, new AssemblyName("Newtonsoft.Json")));
    }

    [Fact]
    public void The_engine_loads_from_the_folder_into_the_private_context()
    {
        using var deps = DependencyFolder();
        var resolver = new ModuleAssemblyResolver(deps.Path);
        var core = resolver.Resolve(AssemblyLoadContext.Default, new AssemblyName("NeuralPS.Core"));
        Assert.NotNull(core);
        Assert.Same(resolver.LoadContext, AssemblyLoadContext.GetLoadContext(core));
        Assert.NotSame(typeof(NeuralPS.Core.Network).Assembly, core);
        Assert.Equal(deps.File("NeuralPS.Core.dll"), core!.Location);
        Assert.Equal("NeuralPS", resolver.LoadContext.Name);
    }

    [Fact]
    public void The_engines_own_libraries_resolve_privately_too()
    {
        using var deps = DependencyFolder();
        var resolver = new ModuleAssemblyResolver(deps.Path);
        var core = resolver.Resolve(AssemblyLoadContext.Default, new AssemblyName("NeuralPS.Core"))!;
        var tensorsRef = core.GetReferencedAssemblies().Single(a => a.Name == "System.Numerics.Tensors");
        var tensors = resolver.LoadContext.LoadFromAssemblyName(tensorsRef);
        Assert.Same(resolver.LoadContext, AssemblyLoadContext.GetLoadContext(tensors));
        Assert.Equal(deps.File("System.Numerics.Tensors.dll"), tensors.Location);
        // The BCL is not in the folder: it comes from the default context.
        var runtime = resolver.LoadContext.LoadFromAssemblyName(new AssemblyName("System.Runtime"));
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(runtime));
    }

    [Fact]
    public void Registered_on_the_default_context_it_answers_for_an_engine_assembly_the_default_cannot_find()
    {
        using var deps = new TempFolder();
        string name = "NeuralPS.Probe" + Guid.NewGuid().ToString("N")[..8];
        EmitAssembly(deps.Path, name);
        var resolver = new ModuleAssemblyResolver(deps.Path);
        resolver.Register(AssemblyLoadContext.Default);
        resolver.Register(AssemblyLoadContext.Default); // idempotent
        try
        {
            Assert.True(resolver.IsRegistered);
            var probe = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(name));
            Assert.Same(resolver.LoadContext, AssemblyLoadContext.GetLoadContext(probe));
            Assert.NotNull(probe.GetType(name + ".Marker"));
        }
        finally
        {
            resolver.Unregister();
        }
        Assert.False(resolver.IsRegistered);
    }

    [Fact]
    public void After_unregistering_the_default_context_no_longer_finds_engine_assemblies()
    {
        using var deps = new TempFolder();
        string name = "NeuralPS.Probe" + Guid.NewGuid().ToString("N")[..8];
        EmitAssembly(deps.Path, name);
        var resolver = new ModuleAssemblyResolver(deps.Path);
        resolver.Register(AssemblyLoadContext.Default);
        resolver.Unregister();
        resolver.Unregister(); // idempotent
        Assert.Throws<FileNotFoundException>(() => AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(name)));
    }

    /// <summary>PowerShell enumerates NeuralPS.dll's public types before it calls OnImport; loading a
    /// type whose base type, interface or value-type field lives in the engine would need NeuralPS.Core
    /// before the resolver exists, and the import would fail.</summary>
    [Fact]
    public void No_public_type_of_the_module_assembly_needs_the_engine_to_load()
    {
        var engine = new[] { "NeuralPS.Core", "NeuralPS.Cuda" };
        bool IsEngine(Type t) =>
            engine.Contains(t.Assembly.GetName().Name)
            || (t.IsGenericType && t.GetGenericArguments().Any(IsEngine))
            || (t.HasElementType && IsEngine(t.GetElementType()!));
        var offenders = new List<string>();
        foreach (var type in typeof(ModuleInitializer).Assembly.GetExportedTypes())
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
                if (IsEngine(b)) offenders.Add($"{type}: base {b}");
            foreach (var i in type.GetInterfaces())
                if (IsEngine(i)) offenders.Add($"{type}: interface {i}");
            foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (f.FieldType.IsValueType && IsEngine(f.FieldType)) offenders.Add($"{type}: field {f.Name} of {f.FieldType}");
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void The_initializer_implements_both_module_hooks()
    {
        var interfaces = typeof(ModuleInitializer).GetInterfaces().Select(i => i.FullName).ToArray();
        Assert.Contains("System.Management.Automation.IModuleAssemblyInitializer", interfaces);
        Assert.Contains("System.Management.Automation.IModuleAssemblyCleanup", interfaces);
        var register = typeof(ModuleInitializer).GetMethod(nameof(ModuleInitializer.RegisterBackends), BindingFlags.Static | BindingFlags.NonPublic)!;
        Assert.True(register.MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining));
    }
}
