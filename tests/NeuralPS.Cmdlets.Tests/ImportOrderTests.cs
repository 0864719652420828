using System.Reflection;
using System.Runtime.Loader;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>What Import-Module does before OnImport, replayed on the real NeuralPS.dll: PowerShell 7.4
/// (PSSnapInHelpers.AnalyzeModuleAssemblyWithReflection) reads <c>assembly.ExportedTypes</c> to find
/// the IModuleAssemblyInitializer, and only then calls OnImport, which registers the resolver. So
/// loading every exported type must not need NeuralPS.Core — here the engine cannot be found at all.
/// Cmdlet parameter metadata (whose property types are engine types) is read later, at first use.</summary>
public sealed class ImportOrderTests
{
    /// <summary>Loads NeuralPS.dll by itself; any request for an engine assembly is recorded and fails.</summary>
    private sealed class EngineLessContext : AssemblyLoadContext
    {
        public EngineLessContext() : base("engine-less", isCollectible: true) { }

        public List<string> EngineRequests { get; } = new();

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is { } n && n.StartsWith("NeuralPS.", StringComparison.OrdinalIgnoreCase))
            {
                lock (EngineRequests) EngineRequests.Add(n);
                throw new FileNotFoundException($"{n} is not reachable before OnImport.", n + ".dll");
            }
            return null; // the BCL and System.Management.Automation from the default context
        }
    }

    [Fact]
    public void Enumerating_the_exported_types_does_not_load_the_engine()
    {
        using var folder = new TempFolder();
        string dll = folder.File("NeuralPS.dll");
        File.Copy(typeof(Loader.ModuleInitializer).Assembly.Location, dll);
        var context = new EngineLessContext();
        try
        {
            var assembly = context.LoadFromAssemblyPath(dll);
            var types = assembly.ExportedTypes.Where(t => !t.IsAbstract && !t.IsInterface && !t.IsValueType).ToList();
            Assert.Contains(types, t => t.FullName == "NeuralPS.Cmdlets.Loader.ModuleInitializer");
            Assert.Contains(types, t => t.FullName == "NeuralPS.Cmdlets.AddLayerCmdlet");
            // What PowerShell asks of each type right after OnImport, also engine-free: cmdlet attribute and default constructor.
            foreach (var t in types)
            {
                _ = t.GetCustomAttributesData().Select(a => a.AttributeType.FullName).ToList();
                _ = t.GetConstructor(Type.EmptyTypes);
            }
            Assert.Empty(context.EngineRequests);

            // The check has teeth: parameter metadata does need the engine (Add-Layer's -Network is a Network).
            var addLayer = types.Single(t => t.FullName == "NeuralPS.Cmdlets.AddLayerCmdlet");
            Assert.ThrowsAny<Exception>(() => addLayer.GetProperties().Select(p => p.PropertyType).ToList());
            Assert.Contains("NeuralPS.Core", context.EngineRequests);
        }
        finally
        {
            context.Unload();
        }
    }
}
