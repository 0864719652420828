using System.Reflection;
using NeuralPS.Cmdlets.Tests.Support;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Every cmdlet parameter that takes a number or an object is validated by PowerShell before the
/// cmdlet runs (issue 8): ranges for counts and sizes, finite ranges for rates and factors (ValidateNumber,
/// which also refuses NaN and ±Inf, as ValidateRange does not), sets for words, not-null for objects.
/// The attributes are read from NeuralPS.dll's metadata and evaluated here as PowerShell would.</summary>
public sealed class ParameterValidationTests
{
    /// <summary>Parameters deliberately left open, with the reason.</summary>
    private static readonly Dictionary<string, string> Open = new()
    {
        ["New-NeuralNetwork.Seed"] = "every ulong is a seed",
        ["Invoke-Training.Seed"] = "every ulong is a seed",
        ["Import-NeuralDataset.Delimiter"] = "any character but '\"', CR and LF; the CSV reader refuses those three with that message before reading",
        ["Invoke-Training.InputObject"] = "pipeline input: each record is checked and a bad one is a non-terminating error naming it",
        ["Invoke-Prediction.InputObject"] = "pipeline input, as above",
        ["Measure-Model.InputObject"] = "pipeline input, as above",
        ["Add-Layer.Padding"] = "'Same', 'Valid' or one or two sizes; the layer builder names the accepted forms",
        ["Get-NeuralDevice.Backend"] = "wildcard patterns; no match is reported as such",
    };

    private static readonly string[] Validators =
    {
        "ValidateRangeAttribute", "ValidateNumberAttribute", "ValidateSetAttribute", "ValidateNotNullAttribute",
        "ValidateNotNullOrEmptyAttribute", "ValidateCountAttribute",
    };

    public static TheoryData<string, string> AllParameters()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in CmdletInfo.All)
            foreach (var p in c.Parameters.DistinctBy(p => p.Name))
                if (p.Property.PropertyType.Name != "SwitchParameter") data.Add(c.Name, p.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllParameters))]
    public void Every_parameter_is_validated_or_documented_as_open(string cmdlet, string parameter)
    {
        var p = CmdletInfo.Get(cmdlet).Parameter(parameter);
        var names = p.Property.GetCustomAttributesData().Select(a => a.AttributeType.Name).ToList();
        bool validated = names.Any(Validators.Contains);
        Assert.True(validated || Open.ContainsKey($"{cmdlet}.{parameter}"),
            $"{cmdlet} -{parameter} ({p.Property.PropertyType.Name}) has no validation attribute and is not listed as deliberately open");
    }

    public static TheoryData<string, string, object> BadValues() => new()
    {
        { "Add-Layer", "Units", 0 },
        { "Add-Layer", "Units", -3 },
        { "Add-Layer", "Filters", 0 },
        { "Add-Layer", "Groups", 0 },
        { "Add-Layer", "KernelSize", new[] { 3, 0 } },
        { "Add-Layer", "Stride", new[] { -1 } },
        { "Add-Layer", "Dilation", new[] { 0 } },
        { "Add-Layer", "PoolSize", new[] { 2, -2 } },
        { "Add-Layer", "Rate", 1.0 },
        { "Add-Layer", "Rate", -0.1 },
        { "Add-Layer", "Rate", double.NaN },
        { "Add-Layer", "Alpha", double.NaN },
        { "Add-Layer", "Alpha", double.PositiveInfinity },
        { "Add-Layer", "Momentum", 1.5 },
        { "Add-Layer", "Epsilon", 0.0 },
        { "Add-Layer", "Type", "Transformer" },
        { "Add-Layer", "VocabularySize", 0 },
        { "Add-Layer", "Dimensions", 0 },
        { "Add-Layer", "PaddingIndex", -1 },
        { "Add-Layer", "Activation", "Mish" },
        { "Add-Layer", "Beta", 0.0 },
        { "Add-Layer", "Beta", double.NaN },
        { "Add-Layer", "Threshold", double.PositiveInfinity },
        { "Add-Layer", "Axis", 33 },
        { "Remove-Layer", "Last", 0 },
        { "Add-Layer", "MaxTokens", 2 },
        { "Add-Layer", "MaxTokens", (1 << 24) + 1 },
        { "Add-Layer", "SequenceLength", 0 },
        { "Add-Layer", "Split", "Sentence" },
        { "Invoke-Training", "Horizon", 0 },
        { "Invoke-Training", "Epochs", 0 },
        { "Invoke-Training", "BatchSize", 0 },
        { "Invoke-Training", "LearningRate", 0.0 },
        { "Invoke-Training", "LearningRate", -1e-3 },
        { "Invoke-Training", "LearningRate", double.NaN },
        { "Invoke-Training", "LearningRate", double.PositiveInfinity },
        { "Invoke-Training", "ValidationSplit", 1.0 },
        { "Invoke-Training", "ValidationSplit", double.NaN },
        { "Invoke-Training", "Momentum", 1.0 },
        { "Invoke-Training", "WeightDecay", -1.0 },
        { "Invoke-Training", "WeightDecay", double.NaN },
        { "Invoke-Training", "Optimizer", "Adagrad" },
        { "Invoke-Training", "Loss", "Hinge" },
        { "Invoke-Training", "Task", "Clustering" },
        { "Invoke-Training", "Backend", "Metal" },
        { "Invoke-Prediction", "BatchSize", 0 },
        { "Measure-Model", "BatchSize", -1 },
        { "Import-NeuralDataset", "Limit", 0 },
        { "Import-NeuralDataset", "Scale", 0f },
        { "Import-NeuralDataset", "Scale", float.NaN },
        { "Import-NeuralDataset", "Scale", float.PositiveInfinity },
        { "Import-NeuralDataset", "Format", "Parquet" },
        { "New-NeuralNetwork", "InputShape", new[] { 28, 0 } },
        { "New-NeuralNetwork", "InputShape", new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 } },
        { "Get-NeuralDataset", "Name", "Mnist" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_at_binding(string cmdlet, string parameter, object value)
    {
        var p = CmdletInfo.Get(cmdlet).Parameter(parameter);
        var problems = Evaluate(p.Property, value);
        Assert.NotEmpty(problems);
        Assert.All(problems, m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }

    public static TheoryData<string, string, object> GoodValues() => new()
    {
        { "Add-Layer", "Units", 128 },
        { "Add-Layer", "KernelSize", new[] { 3, 5 } },
        { "Add-Layer", "Rate", 0.0 },
        { "Add-Layer", "Rate", 0.5 },
        { "Add-Layer", "Alpha", -0.2 },
        { "Add-Layer", "Momentum", 0.1 },
        { "Add-Layer", "Epsilon", 1e-5 },
        { "Invoke-Training", "LearningRate", 1e-3 },
        { "Invoke-Training", "LearningRate", 1e6 },
        { "Invoke-Training", "ValidationSplit", 0.0 },
        { "Invoke-Training", "Momentum", 0.9 },
        { "Invoke-Training", "WeightDecay", 0.0 },
        { "Import-NeuralDataset", "Scale", 1f / 255f },
        { "Import-NeuralDataset", "Scale", -1f },
        { "New-NeuralNetwork", "InputShape", new[] { 1, 28, 28 } },
    };

    [Theory]
    [MemberData(nameof(GoodValues))]
    public void A_good_value_passes(string cmdlet, string parameter, object value)
    {
        Assert.Empty(Evaluate(CmdletInfo.Get(cmdlet).Parameter(parameter).Property, value));
    }

    [Fact]
    public void ValidateNumber_says_what_the_parameter_accepts()
    {
        var rate = new ValidateNumberAttribute(0, 1) { MaximumExclusive = true };
        Assert.Equal("The value 1 is not allowed; it must be a number in [0, 1).", rate.Check(1.0));
        var lr = new ValidateNumberAttribute(0, double.MaxValue) { MinimumExclusive = true };
        Assert.Equal("The value NaN is not allowed; it must be a finite number greater than 0.", lr.Check(double.NaN));
        var scale = new ValidateNumberAttribute(double.MinValue, double.MaxValue) { NonZero = true };
        Assert.Equal("The value 0 is not allowed; it must be a finite number other than 0.", scale.Check(0f));
        Assert.Contains("not a number", lr.Check("fast"));
    }

    /// <summary>The messages of the validation attributes on <paramref name="property"/> that refuse
    /// <paramref name="value"/> (evaluated as PowerShell does: ValidateRange and ValidateNumber element-wise on arrays).</summary>
    private static List<string> Evaluate(PropertyInfo property, object value)
    {
        var problems = new List<string>();
        var elements = value is Array a ? a.Cast<object>().ToList() : new List<object> { value };
        foreach (var attr in property.GetCustomAttributesData())
        {
            var args = attr.ConstructorArguments;
            switch (attr.AttributeType.Name)
            {
                case "ValidateRangeAttribute":
                {
                    double min = Convert.ToDouble(args[0].Value), max = Convert.ToDouble(args[1].Value);
                    foreach (var e in elements)
                    {
                        double x = Convert.ToDouble(e);
                        if (x < min || x > max) problems.Add($"{x} is outside [{min}, {max}]");
                    }
                    break;
                }
                case "ValidateNumberAttribute":
                {
                    var v = new ValidateNumberAttribute((double)args[0].Value!, (double)args[1].Value!);
                    foreach (var n in attr.NamedArguments) typeof(ValidateNumberAttribute).GetProperty(n.MemberName)!.SetValue(v, n.TypedValue.Value);
                    foreach (var e in elements) if (v.Check(e) is { } m) problems.Add(m);
                    break;
                }
                case "ValidateSetAttribute":
                {
                    var set = ((IEnumerable<CustomAttributeTypedArgument>)args[0].Value!).Select(x => (string)x.Value!).ToList();
                    foreach (var e in elements)
                        if (!set.Contains((string)e, StringComparer.OrdinalIgnoreCase)) problems.Add($"'{e}' is not one of {string.Join(", ", set)}");
                    break;
                }
                case "ValidateCountAttribute":
                {
                    int min = (int)args[0].Value!, max = (int)args[1].Value!;
                    if (elements.Count < min || elements.Count > max) problems.Add($"{elements.Count} values, not {min}..{max}");
                    break;
                }
            }
        }
        return problems;
    }
}
