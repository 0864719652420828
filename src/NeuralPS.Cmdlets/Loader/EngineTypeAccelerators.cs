using System.Reflection;

namespace NeuralPS.Cmdlets.Loader;

/// <summary>Makes the engine's public types reachable from PowerShell script by their full names.
/// PowerShell 7 resolves a type literal such as <c>[NeuralPS.Core.Network]</c> only in the default
/// load context (ClrFacade.GetPSVisibleAssemblies), so the engine, which lives in the module-private
/// context, would be "Unable to find type" — breaking <c>$x -is [NeuralPS.Core.Network]</c>,
/// <c>Should -BeOfType NeuralPS.Core.Network</c> and <c>param([NeuralPS.Core.Network] $Network)</c>.
/// PowerShell consults its user type accelerators when the assemblies do not have a name, so
/// registering each public engine type under its full name (the documented way to export classes
/// from a module) makes those literals resolve to the very types the cmdlets use (one identity, the
/// private context's). Removed again when the module is removed. PowerShell-free: the accelerator
/// table is reached through the delegates <see cref="ForPowerShell"/> finds by reflection.</summary>
internal sealed class EngineTypeAccelerators
{
    private readonly Action<string, Type> _add;
    private readonly Func<string, bool> _remove;
    private readonly object _gate = new();
    private List<string>? _added;

    public EngineTypeAccelerators(Action<string, Type> add, Func<string, bool> remove)
    {
        _add = add ?? throw new ArgumentNullException(nameof(add));
        _remove = remove ?? throw new ArgumentNullException(nameof(remove));
    }

    /// <summary>PowerShell's accelerator table (System.Management.Automation.TypeAccelerators, internal,
    /// with public static Add(string, Type) and Remove(string)), or null where it is not there (the
    /// PowerShellStandard reference stub the tests run against).</summary>
    public static EngineTypeAccelerators? ForPowerShell(Assembly systemManagementAutomation) =>
        FromTable(systemManagementAutomation.GetType("System.Management.Automation.TypeAccelerators", throwOnError: false));

    /// <summary>An accelerator table given as a type with public static Add(string, Type) and Remove(string).</summary>
    public static EngineTypeAccelerators? FromTable(Type? table)
    {
        var add = table?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, new[] { typeof(string), typeof(Type) });
        var remove = table?.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static, new[] { typeof(string) });
        if (add is null || remove is null) return null;
        return new EngineTypeAccelerators(
            (name, type) => add.Invoke(null, new object[] { name, type }),
            name => remove.Invoke(null, new object[] { name }) is true);
    }

    /// <summary>The types to publish: every public, non-nested, non-generic type of the given
    /// assemblies, by full name (no short names: they could shadow a user's or another module's).</summary>
    public static IReadOnlyList<Type> PublicTypes(IEnumerable<Assembly> assemblies) =>
        assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => !t.IsNested && !t.IsGenericTypeDefinition && t.FullName is not null && !t.FullName.Contains('`'))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    /// <summary>Registers the types (idempotent: a second import adds nothing twice).</summary>
    public void Register(IEnumerable<Type> types)
    {
        lock (_gate)
        {
            if (_added is not null) return;
            var added = new List<string>();
            foreach (var type in types)
            {
                _add(type.FullName!, type);
                added.Add(type.FullName!);
            }
            _added = added;
        }
    }

    /// <summary>Removes what <see cref="Register"/> added.</summary>
    public void Unregister()
    {
        lock (_gate)
        {
            if (_added is null) return;
            foreach (var name in _added) _remove(name);
            _added = null;
        }
    }

    public IReadOnlyList<string> Registered
    {
        get { lock (_gate) return _added?.ToArray() ?? Array.Empty<string>(); }
    }
}
