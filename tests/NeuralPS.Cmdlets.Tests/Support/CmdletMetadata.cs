using System.Reflection;

namespace NeuralPS.Cmdlets.Tests.Support;

/// <summary>Cmdlet metadata read through CustomAttributeData: the System.Management.Automation in
/// PowerShellStandard.Library is a stub whose attribute properties are empty at run time, but the
/// attribute arguments in NeuralPS.dll's metadata are what real PowerShell reads.</summary>
internal sealed record CmdletInfo(Type Type, string Verb, string Noun, IReadOnlyDictionary<string, object?> Named)
{
    public string Name => $"{Verb}-{Noun}";

    public static IReadOnlyList<CmdletInfo> All { get; } = Load();

    public static CmdletInfo Get(string name) => All.Single(c => c.Name == name);

    private static IReadOnlyList<CmdletInfo> Load()
    {
        var list = new List<CmdletInfo>();
        foreach (var type in typeof(Loader.ModuleInitializer).Assembly.GetExportedTypes())
        {
            var attr = type.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
            if (attr is null) continue;
            list.Add(new CmdletInfo(type, (string)attr.ConstructorArguments[0].Value!, (string)attr.ConstructorArguments[1].Value!,
                attr.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value)));
        }
        return list;
    }

    public IReadOnlyList<ParameterInfo> Parameters => Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .SelectMany(p => p.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")
            .Select(a => new ParameterInfo(p, a.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value))))
        .ToList();

    public ParameterInfo Parameter(string name) => Parameters.First(p => p.Property.Name == name);
}

internal sealed record ParameterInfo(PropertyInfo Property, IReadOnlyDictionary<string, object?> Named)
{
    public string Name => Property.Name;
    public bool Mandatory => Named.TryGetValue("Mandatory", out var v) && v is true;
    public bool FromPipeline => Named.TryGetValue("ValueFromPipeline", out var v) && v is true;
    public bool FromPipelineByPropertyName => Named.TryGetValue("ValueFromPipelineByPropertyName", out var v) && v is true;
    public int? Position => Named.TryGetValue("Position", out var v) ? (int?)v : null;
    public string? ParameterSet => Named.TryGetValue("ParameterSetName", out var v) ? (string?)v : null;

    /// <summary>The ValidateSet values, if any.</summary>
    public IReadOnlyList<string>? ValidValues => Property.GetCustomAttributesData()
        .Where(a => a.AttributeType.FullName == "System.Management.Automation.ValidateSetAttribute")
        .Select(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!).ToList())
        .FirstOrDefault();

    public IReadOnlyList<string> Aliases => Property.GetCustomAttributesData()
        .Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
        .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!))
        .ToList();
}
