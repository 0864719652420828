using System.Reflection;
using System.Xml.Linq;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The files PowerShell reads besides the assembly: the format file and the MAML help.</summary>
public sealed class ModuleFilesTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly string[] CommonParameters = { "WhatIf", "Confirm" };

    private static XDocument Help() => XDocument.Load(Repo.File("src", "NeuralPS.Cmdlets", "en-US", "NeuralPS.dll-Help.xml"));

    private static XDocument Format() => XDocument.Load(Repo.File("src", "NeuralPS.Cmdlets", "NeuralPS.format.ps1xml"));

    private static Type? FindType(string fullName) =>
        new[] { typeof(Loader.ModuleInitializer).Assembly, typeof(NeuralPS.Core.Network).Assembly }
            .Select(a => a.GetType(fullName)).FirstOrDefault(t => t is not null);

    private static XElement HelpFor(string cmdlet) =>
        Help().Root!.Elements(Command + "command").Single(c => c.Element(Command + "details")!.Element(Command + "name")!.Value == cmdlet);

    [Fact]
    public void The_format_file_is_well_formed_and_every_view_selects_a_real_type()
    {
        var views = Format().Root!.Element("ViewDefinitions")!.Elements("View").ToList();
        Assert.True(views.Count >= 8);
        foreach (var view in views)
        {
            string typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            Assert.True(FindType(typeName) is not null, $"view {view.Element("Name")!.Value} selects unknown type {typeName}");
            Assert.Single(view.Elements(), e => e.Name.LocalName is "TableControl" or "ListControl" or "CustomControl" or "WideControl");
        }
        Assert.Equal(views.Count, views.Select(v => v.Element("Name")!.Value).Distinct().Count());
    }

    [Fact]
    public void The_network_view_is_a_layer_table_computed_by_a_public_formatter()
    {
        var view = Format().Root!.Descendants("View").Single(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value == "NeuralPS.Core.Network");
        string script = view.Descendants("ScriptBlock").Single().Value;
        Assert.Contains("[NeuralPS.Cmdlets.Formatting.NetworkSummaryText]::Format($_)", script);
        var method = typeof(Formatting.NetworkSummaryText).GetMethod("Format", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(method);
        Assert.True(typeof(Formatting.NetworkSummaryText).IsPublic);
    }

    [Fact]
    public void Table_views_name_only_properties_their_type_has()
    {
        foreach (var view in Format().Root!.Descendants("View"))
        {
            var type = FindType(view.Element("ViewSelectedBy")!.Element("TypeName")!.Value)!;
            foreach (var property in view.Descendants("PropertyName").Select(p => p.Value))
                Assert.True(type.GetProperty(property) is not null, $"{type.Name} has no property {property}");
        }
    }

    [Fact]
    public void Every_cmdlet_has_help_with_synopsis_description_and_examples()
    {
        var commands = Help().Root!.Elements(Command + "command").ToList();
        Assert.Equal(CmdletInfo.All.Select(c => c.Name).Order(), commands.Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value).Order());
        foreach (var c in commands)
        {
            string name = c.Element(Command + "details")!.Element(Command + "name")!.Value;
            var info = CmdletInfo.Get(name);
            Assert.Equal(info.Verb, c.Element(Command + "details")!.Element(Command + "verb")!.Value);
            Assert.Equal(info.Noun, c.Element(Command + "details")!.Element(Command + "noun")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(c.Element(Command + "details")!.Element(Maml + "description")!.Value), name);
            Assert.False(string.IsNullOrWhiteSpace(c.Element(Maml + "description")!.Value), name);
            var examples = c.Element(Command + "examples")!.Elements(Command + "example").ToList();
            Assert.True(examples.Count >= 2, $"{name} has {examples.Count} example(s)");
            Assert.All(examples, e => Assert.Contains(name, e.Element(Dev + "code")!.Value));
        }
    }

    [Fact]
    public void Help_documents_exactly_the_parameters_each_cmdlet_has()
    {
        foreach (var info in CmdletInfo.All)
        {
            var documented = HelpFor(info.Name).Element(Command + "parameters")!.Elements(Command + "parameter")
                .Select(p => p.Element(Maml + "name")!.Value).Where(n => !CommonParameters.Contains(n)).Order();
            Assert.Equal(info.Parameters.Select(p => p.Name).Distinct().Order(), documented);
        }
    }

    [Fact]
    public void Help_syntax_marks_mandatory_parameters_as_required()
    {
        foreach (var info in CmdletInfo.All)
        {
            var syntaxRequired = HelpFor(info.Name).Element(Command + "syntax")!.Descendants(Command + "parameter")
                .Where(p => p.Attribute("required")!.Value == "true").Select(p => p.Element(Maml + "name")!.Value).ToHashSet();
            foreach (var p in info.Parameters.Where(p => p.Mandatory)) Assert.Contains(p.Name, syntaxRequired);
        }
    }

    [Fact]
    public void Get_Help_Invoke_Training_Examples_teaches_the_main_job()
    {
        var code = string.Join("\n", HelpFor("Invoke-Training").Descendants(Dev + "code").Select(c => c.Value));
        foreach (var step in new[] { "New-NeuralNetwork", "Add-Layer Dense", "Import-Csv", "-LabelProperty", "Invoke-Training", "Measure-Model", "Save-NeuralNetwork", "Import-NeuralNetwork", "Invoke-Prediction" })
            Assert.Contains(step, code);
    }
}
