using System.Reflection;
using NeuralPS.Cmdlets.Loader;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>[NeuralPS.Core.Network] in script: PowerShell resolves type literals only in the default
/// load context, so the module publishes the engine's public types as accelerators by full name.</summary>
public sealed class TypeAcceleratorTests
{
    /// <summary>Stands in for System.Management.Automation.TypeAccelerators (same static signatures).</summary>
    private static class FakeTable
    {
        public static readonly Dictionary<string, Type> Entries = new(StringComparer.OrdinalIgnoreCase);

        public static void Add(string typeName, Type type) => Entries[typeName] = type;

        public static bool Remove(string typeName) => Entries.Remove(typeName);
    }

    private static IReadOnlyList<Type> EngineTypes() => EngineTypeAccelerators.PublicTypes(new[]
    {
        typeof(NeuralPS.Core.Network).Assembly,
        typeof(NeuralPS.Cuda.CudaRegistration).Assembly,
    });

    [Fact]
    public void The_published_types_are_the_engines_public_top_level_types_by_full_name()
    {
        var types = EngineTypes();
        foreach (var expected in new[]
                 {
                     typeof(NeuralPS.Core.Network), typeof(NeuralPS.Core.Data.Dataset), typeof(NeuralPS.Core.Layers.LayerSpec),
                     typeof(NeuralPS.Core.Metrics.ClassificationReport), typeof(NeuralPS.Core.Metrics.RegressionReport),
                     typeof(NeuralPS.Core.Backends.DeviceInfo), typeof(NeuralPS.Core.Tensors.Shape),
                 })
            Assert.Contains(expected, types);
        Assert.All(types, t =>
        {
            Assert.True(t.IsPublic, t.FullName);
            Assert.False(t.IsGenericTypeDefinition, t.FullName);
            Assert.StartsWith("NeuralPS.", t.FullName, StringComparison.Ordinal);
        });
        Assert.Equal(types.Count, types.Select(t => t.FullName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Register_adds_each_type_under_its_full_name_once_and_Unregister_removes_them()
    {
        FakeTable.Entries.Clear();
        FakeTable.Entries["int"] = typeof(int); // someone else's accelerator stays
        var accelerators = EngineTypeAccelerators.FromTable(typeof(FakeTable));
        Assert.NotNull(accelerators);
        var types = EngineTypes();
        accelerators!.Register(types);
        accelerators.Register(types); // a second OnImport (re-import) adds nothing twice
        Assert.Same(typeof(NeuralPS.Core.Network), FakeTable.Entries["NeuralPS.Core.Network"]);
        Assert.Equal(types.Count + 1, FakeTable.Entries.Count);
        Assert.Equal(types.Count, accelerators.Registered.Count);

        accelerators.Unregister();
        accelerators.Unregister();
        Assert.Equal(new[] { "int" }, FakeTable.Entries.Keys);
        Assert.Empty(accelerators.Registered);
    }

    [Fact]
    public void Without_an_accelerator_table_nothing_is_published_and_nothing_fails()
    {
        // The PowerShellStandard reference assembly the tests run against has no TypeAccelerators type.
        Assert.Null(EngineTypeAccelerators.ForPowerShell(typeof(System.Management.Automation.PSObject).Assembly));
        Assert.Null(EngineTypeAccelerators.FromTable(null));
        Assert.Null(EngineTypeAccelerators.FromTable(typeof(string)));
        ModuleInitializer.PublishEngineTypes();
    }

    [Fact]
    public void Publishing_names_engine_types_only_in_a_method_compiled_after_the_resolver_is_registered()
    {
        var publish = typeof(ModuleInitializer).GetMethod(nameof(ModuleInitializer.PublishEngineTypes), BindingFlags.Static | BindingFlags.NonPublic)!;
        Assert.True(publish.MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining));
    }
}
