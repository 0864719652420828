using System.Reflection;
using System.Text.RegularExpressions;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>The cmdlet surface is a contract (issue #2/#4 names, parameters, pipeline binding); the
/// acceptance suite runs it in real pwsh elsewhere, so these tests pin it from the metadata.</summary>
public sealed partial class CmdletSurfaceTests
{
    private static readonly string[] ContractCmdlets =
    {
        "New-NeuralNetwork", "Add-Layer", "Remove-Layer", "Lock-Layer", "Unlock-Layer", "Invoke-Training", "Measure-Model", "Invoke-Prediction",
        "Save-NeuralNetwork", "Import-NeuralNetwork", "Import-NeuralDataset", "Get-NeuralDataset", "Get-NeuralDevice", "Export-TrainingReport",
        "Export-NeuralNetwork",
    };

    /// <summary>Get-Verb: the constants of PowerShell's Verbs* classes (metadata literals, readable from the stub).</summary>
    private static HashSet<string> ApprovedVerbs()
    {
        var sma = typeof(System.Management.Automation.PSCmdlet).Assembly;
        var verbs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in sma.GetExportedTypes().Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal)))
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
                verbs.Add((string)f.GetRawConstantValue()!);
        return verbs;
    }

    [Fact]
    public void Every_contract_cmdlet_exists()
    {
        Assert.Equal(ContractCmdlets.Order(), CmdletInfo.All.Select(c => c.Name).Order());
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_is_a_sealed_PSCmdlet()
    {
        var approved = ApprovedVerbs();
        Assert.Contains("Invoke", approved);
        Assert.Contains("Measure", approved);
        foreach (var c in CmdletInfo.All)
        {
            Assert.Contains(c.Verb, approved);
            Assert.True(c.Type.IsSealed, c.Name);
            Assert.True(typeof(System.Management.Automation.PSCmdlet).IsAssignableFrom(c.Type), c.Name);
            Assert.Contains(c.Type.GetCustomAttributesData(), a => a.AttributeType.Name == "OutputTypeAttribute");
        }
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlet_classes()
    {
        string psd1 = File.ReadAllText(Repo.File("NeuralPS.psd1"));
        var block = CmdletsToExportBlock().Match(psd1);
        Assert.True(block.Success, "CmdletsToExport = @( ... ) not found");
        var exported = Regex.Matches(block.Groups[1].Value, "'([A-Za-z]+-[A-Za-z]+)'").Select(m => m.Groups[1].Value).Order();
        Assert.Equal(CmdletInfo.All.Select(c => c.Name).Order(), exported);
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)")]
    private static partial Regex CmdletsToExportBlock();

    [Fact]
    public void The_manifest_declares_the_module_as_issue_2_asks()
    {
        string psd1 = File.ReadAllText(Repo.File("NeuralPS.psd1"));
        Assert.Matches(@"RootModule\s*=\s*'NeuralPS\.dll'", psd1);
        Assert.Matches(@"ModuleVersion\s*=\s*'0\.1\.0'", psd1);
        Assert.Matches(@"GUID\s*=\s*'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'", psd1);
        Assert.Matches(@"PowerShellVersion\s*=\s*'7\.4'", psd1);
        Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Core'\)", psd1);
        Assert.Matches(@"FormatsToProcess\s*=\s*@\('NeuralPS\.format\.ps1xml'\)", psd1);
        Assert.Matches(@"Tags\s*=", psd1);
        // No licence or project URI until the project has real ones: an invented URI would be published with the module.
        Assert.DoesNotMatch(@"(LicenseUri|ProjectUri)\s*=\s*'https?://github\.com/neuralps", psd1);
        Assert.Equal("NeuralPS", typeof(Loader.ModuleInitializer).Assembly.GetName().Name);
    }

    public static TheoryData<string, string[]> ContractParameters => new()
    {
        { "New-NeuralNetwork", new[] { "Name", "InputShape", "Seed" } },
        { "Remove-Layer", new[] { "Network", "Last" } },
        { "Lock-Layer", new[] { "Network", "Name", "Index", "All" } },
        { "Unlock-Layer", new[] { "Network", "Name", "Index", "All" } },
        { "Add-Layer", new[] { "Type", "Network", "Units", "Activation", "Alpha", "Beta", "Threshold", "Axis", "NoBias", "Rate", "Filters", "KernelSize", "Stride", "Padding", "Dilation", "Groups", "PoolSize", "Momentum", "Epsilon", "Layers", "Name" } },
        { "Invoke-Training", new[] { "Network", "InputObject", "Epochs", "BatchSize", "Optimizer", "LearningRate", "Loss", "ValidationSplit", "Seed", "Momentum", "WeightDecay", "ValidationData", "LabelProperty", "FeatureProperty", "Task", "Backend",
            "CheckpointPath", "CheckpointEvery", "Resume", "EarlyStopping", "Patience", "MinDelta", "Monitor", "KeepLastWeights",
            "LearningRateSchedule", "ClipNorm", "ClipValue", "AccumulationSteps", "ClassWeight" } },
        { "Measure-Model", new[] { "Network", "InputObject", "LabelProperty" } },
        { "Invoke-Prediction", new[] { "Network", "InputObject" } },
        { "Save-NeuralNetwork", new[] { "Network", "Path", "LiteralPath", "Force" } },
        { "Import-NeuralNetwork", new[] { "Path", "LiteralPath" } },
        { "Export-NeuralNetwork", new[] { "Network", "Path", "LiteralPath", "Bare", "Force", "AllowNonFinite", "PassThru" } },
        { "Import-NeuralDataset", new[] { "Path", "LiteralPath", "Format", "LabelPath", "LabelProperty", "Flatten" } },
        { "Get-NeuralDataset", new[] { "Name" } },
        { "Get-NeuralDevice", Array.Empty<string>() },
        { "Export-TrainingReport", new[] { "Path", "LiteralPath", "Network", "Evaluation", "InputObject", "Force", "PassThru" } },
    };

    [Theory]
    [MemberData(nameof(ContractParameters))]
    public void Each_cmdlet_has_its_contract_parameters(string cmdlet, string[] parameters)
    {
        var names = CmdletInfo.Get(cmdlet).Parameters.Select(p => p.Name).ToHashSet();
        foreach (var p in parameters) Assert.Contains(p, names);
    }

    [Theory]
    [InlineData("Add-Layer", "Network")]
    [InlineData("Remove-Layer", "Network")]
    [InlineData("Lock-Layer", "Network")]
    [InlineData("Unlock-Layer", "Network")]
    [InlineData("Invoke-Training", "InputObject")]
    [InlineData("Measure-Model", "InputObject")]
    [InlineData("Invoke-Prediction", "InputObject")]
    [InlineData("Save-NeuralNetwork", "Network")]
    [InlineData("Export-NeuralNetwork", "Network")]
    [InlineData("Export-TrainingReport", "InputObject")]
    public void Pipeline_input_binds_by_value(string cmdlet, string parameter)
    {
        Assert.True(CmdletInfo.Get(cmdlet).Parameter(parameter).FromPipeline);
    }

    [Fact]
    public void Add_Layer_takes_the_type_first_and_offers_every_layer_type()
    {
        var type = CmdletInfo.Get("Add-Layer").Parameter("Type");
        Assert.True(type.Mandatory);
        Assert.Equal(0, type.Position);
        Assert.Equal(Commands.LayerSpecBuilder.LayerTypes, type.ValidValues);
        Assert.Equal(Commands.LayerSpecBuilder.ActivationNames, CmdletInfo.Get("Add-Layer").Parameter("Activation").ValidValues);
        Assert.Equal(typeof(object), CmdletInfo.Get("Add-Layer").Parameter("Padding").Property.PropertyType);
        Assert.Equal("ScriptBlock", CmdletInfo.Get("Add-Layer").Parameter("Layers").Property.PropertyType.Name);
        Assert.Equal("SwitchParameter", CmdletInfo.Get("Add-Layer").Parameter("NoBias").Property.PropertyType.Name);
    }

    [Fact]
    public void Add_Layer_without_a_network_defaults_to_writing_a_spec()
    {
        var add = CmdletInfo.Get("Add-Layer");
        Assert.Equal("Spec", add.Named["DefaultParameterSetName"]);
        Assert.True(add.Parameter("Network").Mandatory);
        Assert.Equal("Network", add.Parameter("Network").ParameterSet);
        Assert.Equal("Spec", add.Parameter("InputSpec").ParameterSet);
    }

    [Fact]
    public void New_NeuralNetwork_takes_the_input_shape_as_int_array_optional_for_text_networks()
    {
        // Optional since TextVectorization defines a text network's input (NetworkBuilder refuses any other
        // first layer on a network without one, naming -InputShape).
        var p = CmdletInfo.Get("New-NeuralNetwork").Parameter("InputShape");
        Assert.False(p.Mandatory);
        Assert.Equal(typeof(int[]), p.Property.PropertyType);
        Assert.Equal(0, CmdletInfo.Get("New-NeuralNetwork").Parameter("Name").Position);
    }

    [Fact]
    public void Invoke_Training_offers_the_optimizers_and_losses_of_the_engine()
    {
        var t = CmdletInfo.Get("Invoke-Training");
        Assert.Equal(NeuralPS.Core.Optimizers.OptimizerFactory.Names, t.Parameter("Optimizer").ValidValues);
        foreach (var loss in NeuralPS.Core.Losses.LossFactory.Names) Assert.Contains(loss, t.Parameter("Loss").ValidValues!);
        Assert.True(t.Parameter("Network").Mandatory);
        Assert.Contains("Dataset", t.Parameter("InputObject").Aliases);
    }

    [Fact]
    public void Save_supports_WhatIf_and_Confirm_and_both_path_forms()
    {
        var save = CmdletInfo.Get("Save-NeuralNetwork");
        Assert.Equal(true, save.Named["SupportsShouldProcess"]);
        Assert.Contains("PSPath", save.Parameter("LiteralPath").Aliases);
        Assert.Equal("SwitchParameter", save.Parameter("Force").Property.PropertyType.Name);
        var import = CmdletInfo.Get("Import-NeuralNetwork");
        Assert.True(import.Parameter("LiteralPath").FromPipelineByPropertyName);
        Assert.Contains("PSPath", import.Parameter("LiteralPath").Aliases);
        Assert.True(import.Parameter("Path").FromPipeline);
    }

    [Fact]
    public void Only_the_cmdlets_that_write_files_support_ShouldProcess()
    {
        // Save-NeuralNetwork writes model files, Export-NeuralNetwork ONNX files, Export-TrainingReport reports; nothing else writes.
        var writers = new[] { "Save-NeuralNetwork", "Export-NeuralNetwork", "Export-TrainingReport" };
        foreach (var c in CmdletInfo.All)
            Assert.Equal(writers.Contains(c.Name), c.Named.TryGetValue("SupportsShouldProcess", out var v) && v is true);
        var report = CmdletInfo.Get("Export-TrainingReport");
        Assert.Contains("PSPath", report.Parameter("LiteralPath").Aliases);
        Assert.Equal("SwitchParameter", report.Parameter("Force").Property.PropertyType.Name);
    }

    [Fact]
    public void Import_NeuralDataset_reads_idx_and_csv()
    {
        Assert.Equal(new[] { "Auto", "Idx", "Csv" }, CmdletInfo.Get("Import-NeuralDataset").Parameter("Format").ValidValues);
        Assert.Contains("Iris", CmdletInfo.Get("Get-NeuralDataset").Parameter("Name").ValidValues!);
        Assert.Equal(NeuralPS.Core.Data.BuiltinDatasets.Names.Order(), CmdletInfo.Get("Get-NeuralDataset").Parameter("Name").ValidValues!.Order());
    }

    [Fact]
    public void Cmdlets_use_switches_not_booleans()
    {
        foreach (var c in CmdletInfo.All)
            foreach (var p in c.Parameters)
                Assert.NotEqual(typeof(bool), p.Property.PropertyType);
    }
}
