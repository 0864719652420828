namespace NeuralPS.Cmdlets.Commands;

/// <summary>The hyper-parameters Add-Layer was given, PowerShell-free: null means "not given".
/// <see cref="LayerSpecBuilder"/> turns them into a LayerSpec for one type word.</summary>
internal sealed class LayerParameters
{
    public string? Name { get; set; }
    public int? Units { get; set; }
    public string? Activation { get; set; }
    public double? Alpha { get; set; }
    public double? Beta { get; set; }
    public double? Threshold { get; set; }
    public int? Axis { get; set; }
    public bool? NoBias { get; set; }
    public string? WeightInit { get; set; }
    public double? Rate { get; set; }
    public int? Filters { get; set; }
    public int[]? KernelSize { get; set; }
    public int[]? Stride { get; set; }

    /// <summary>A number, two numbers, 'Same' or 'Valid' (as PowerShell bound it: int, string, object[]).</summary>
    public object? Padding { get; set; }
    public int[]? Dilation { get; set; }
    public int? Groups { get; set; }
    public int[]? PoolSize { get; set; }
    public double? Momentum { get; set; }
    public double? Epsilon { get; set; }

    public bool? ReturnSequences { get; set; }
    public bool? Bidirectional { get; set; }
    public bool? MaskZeroSteps { get; set; }
    public int? VocabularySize { get; set; }
    public int? Dimensions { get; set; }
    public int? PaddingIndex { get; set; }
    public int? MaxTokens { get; set; }
    public int? SequenceLength { get; set; }
    public string? Split { get; set; }

    /// <summary>What the Residual -Layers script block wrote (expected: layer specs from Add-Layer).</summary>
    public IReadOnlyList<object?>? Layers { get; set; }

    /// <summary>Parameter names (as the user types them, without the dash) that were given.</summary>
    public IEnumerable<string> GivenParameters()
    {
        if (Units is not null) yield return "Units";
        if (Activation is not null) yield return "Activation";
        if (Alpha is not null) yield return "Alpha";
        if (Beta is not null) yield return "Beta";
        if (Threshold is not null) yield return "Threshold";
        if (Axis is not null) yield return "Axis";
        if (NoBias is not null) yield return "NoBias";
        if (WeightInit is not null) yield return "WeightInit";
        if (Rate is not null) yield return "Rate";
        if (Filters is not null) yield return "Filters";
        if (KernelSize is not null) yield return "KernelSize";
        if (Stride is not null) yield return "Stride";
        if (Padding is not null) yield return "Padding";
        if (Dilation is not null) yield return "Dilation";
        if (Groups is not null) yield return "Groups";
        if (PoolSize is not null) yield return "PoolSize";
        if (Momentum is not null) yield return "Momentum";
        if (Epsilon is not null) yield return "Epsilon";
        if (Layers is not null) yield return "Layers";
        if (ReturnSequences is not null) yield return "ReturnSequences";
        if (Bidirectional is not null) yield return "Bidirectional";
        if (MaskZeroSteps is not null) yield return "MaskZeroSteps";
        if (VocabularySize is not null) yield return "VocabularySize";
        if (Dimensions is not null) yield return "Dimensions";
        if (PaddingIndex is not null) yield return "PaddingIndex";
        if (MaxTokens is not null) yield return "MaxTokens";
        if (SequenceLength is not null) yield return "SequenceLength";
        if (Split is not null) yield return "Split";
    }
}
