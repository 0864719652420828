using System.Reflection;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;
using ParameterInfo = NeuralPS.Cmdlets.Tests.Support.ParameterInfo;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Binding rules real pwsh enforces when it first builds a cmdlet's metadata (a clash there
/// makes the cmdlet unusable: MetadataException) or when it binds (an ambiguous set is a fatal
/// "Parameter set cannot be resolved"), checked from the attributes in NeuralPS.dll.</summary>
public sealed class ParameterBindingTests
{
    private const string AllSets = "__AllParameterSets";

    /// <summary>PowerShell 7.4's common parameters and their aliases; ShouldProcess adds WhatIf (wi) and Confirm (cf).</summary>
    private static readonly string[] Common =
    {
        "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa",
        "ProgressAction", "proga", "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv",
        "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv",
    };

    private static readonly string[] ShouldProcessCommon = { "WhatIf", "wi", "Confirm", "cf" };

    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var c in CmdletInfo.All) data.Add(c.Name);
        return data;
    }

    private static IEnumerable<(ParameterInfo Parameter, string Set)> BySet(CmdletInfo cmdlet) =>
        cmdlet.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")
                .Select(a => new ParameterInfo(p, a.NamedArguments.ToDictionary(n => n.MemberName, n => n.TypedValue.Value))))
            .Select(p => (p, p.ParameterSet ?? AllSets));

    private static IReadOnlyList<string> Sets(CmdletInfo cmdlet)
    {
        var named = BySet(cmdlet).Select(x => x.Set).Where(s => s != AllSets).Distinct().ToList();
        return named.Count == 0 ? new[] { AllSets } : named;
    }

    private static IEnumerable<ParameterInfo> InSet(CmdletInfo cmdlet, string set) =>
        BySet(cmdlet).Where(x => x.Set == set || x.Set == AllSets).Select(x => x.Parameter);

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Parameter_names_and_aliases_are_unique_and_do_not_shadow_common_parameters(string name)
    {
        var cmdlet = CmdletInfo.Get(name);
        var taken = new HashSet<string>(Common, StringComparer.OrdinalIgnoreCase);
        if (cmdlet.Named.TryGetValue("SupportsShouldProcess", out var sp) && sp is true)
            foreach (var s in ShouldProcessCommon) taken.Add(s);
        foreach (var p in cmdlet.Parameters.DistinctBy(p => p.Name))
            foreach (var n in p.Aliases.Prepend(p.Name))
                Assert.True(taken.Add(n), $"{name}: -{n} (parameter {p.Name}) is already a parameter, alias or common parameter");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Each_parameter_set_has_at_most_one_pipeline_by_value_parameter_and_unique_positions(string name)
    {
        var cmdlet = CmdletInfo.Get(name);
        foreach (var set in Sets(cmdlet))
        {
            var parameters = InSet(cmdlet, set).ToList();
            Assert.True(parameters.Count(p => p.FromPipeline) <= 1, $"{name} set {set}: several parameters take pipeline input by value");
            var positions = parameters.Where(p => p.Position is not null).Select(p => p.Position).ToList();
            Assert.Equal(positions.Count, positions.Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void A_cmdlet_with_several_parameter_sets_names_an_existing_default(string name)
    {
        var cmdlet = CmdletInfo.Get(name);
        var sets = Sets(cmdlet);
        if (sets.Count < 2) return;
        Assert.True(cmdlet.Named.TryGetValue("DefaultParameterSetName", out var d) && d is string, $"{name} has {sets.Count} sets and no DefaultParameterSetName");
        Assert.Contains((string)d!, sets);
    }

    /// <summary>Import-Csv rows are PSCustomObjects whose columns are properties: a column named Network,
    /// Epochs, Name or Path must never bind to a parameter by property name. Only the Import cmdlets'
    /// -LiteralPath takes the PSPath of Get-ChildItem items.</summary>
    [Fact]
    public void Only_LiteralPath_of_the_Import_cmdlets_binds_by_property_name()
    {
        var byName = CmdletInfo.All.SelectMany(c => c.Parameters.Where(p => p.FromPipelineByPropertyName).Select(p => $"{c.Name} -{p.Name}")).Distinct().Order();
        Assert.Equal(new[] { "Import-NeuralDataset -LiteralPath", "Import-NeuralNetwork -LiteralPath" }, byName);
    }

    [Fact]
    public void Data_taking_cmdlets_take_the_network_by_name_or_position_and_records_by_value()
    {
        foreach (var name in new[] { "Invoke-Training", "Measure-Model", "Invoke-Prediction" })
        {
            var c = CmdletInfo.Get(name);
            Assert.Equal(0, c.Parameter("Network").Position);
            Assert.False(c.Parameter("Network").FromPipeline, name);
            Assert.Equal(typeof(object), c.Parameter("InputObject").Property.PropertyType);
            Assert.True(c.Parameter("InputObject").FromPipeline, name);
            Assert.Null(c.Parameter("InputObject").Position);
        }
    }
}
