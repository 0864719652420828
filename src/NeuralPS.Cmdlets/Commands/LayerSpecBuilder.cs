using System.Collections;
using System.Globalization;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Maps Add-Layer's parameters onto a <see cref="LayerSpec"/> (the shared vocabulary of
/// TEAM.md "Layer spec keys"): checks that each given parameter applies to the layer type, that the
/// required ones are there, and normalises the PowerShell forms (-KernelSize 3 → [3,3], -Padding
/// 'same' → "Same", -Padding 1,2 → paddingSize [1,2], -Activation linear → "None").
/// Shape checks happen later, when the layer is built against the network (Network.Add).</summary>
internal static class LayerSpecBuilder
{
    /// <summary>Type words Add-Layer offers (the -Type ValidateSet), in the order the help lists them.</summary>
    public static readonly IReadOnlyList<string> LayerTypes = new[]
    {
        "Dense", "Activation", "Dropout", "Flatten", "Conv2d", "MaxPool2d", "AvgPool2d", "GlobalAvgPool2d",
        "BatchNorm", "Dropout2d", "Residual", "SimpleRNN", "LSTM", "GRU", "Embedding", "TextVectorization",
    };

    /// <summary>Activation names -Activation accepts (case-insensitive); "Linear" means "None".</summary>
    public static readonly IReadOnlyList<string> ActivationNames = new[]
    {
        "None", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "GELUTanh", "ELU", "SELU", "SiLU", "Swish", "Softplus", "HardSigmoid", "HardSwish",
    };

    private sealed record Rule(string[] Allowed, string[] Required);

    private static readonly string[] Pool = { "PoolSize", "KernelSize", "Stride", "Padding" };
    private static readonly string[] Recurrent = { "Units", "ReturnSequences", "Bidirectional", "MaskZeroSteps", "NoBias" };

    private static readonly Dictionary<string, Rule> Rules = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Dense"] = new(new[] { "Units", "Activation", "Alpha", "NoBias", "WeightInit" }, new[] { "Units" }),
        ["Activation"] = new(new[] { "Activation", "Alpha", "Beta", "Threshold", "Axis" }, new[] { "Activation" }),
        ["Dropout"] = new(new[] { "Rate" }, new[] { "Rate" }),
        ["Flatten"] = new(Array.Empty<string>(), Array.Empty<string>()),
        ["Conv2d"] = new(new[] { "Filters", "KernelSize", "Stride", "Padding", "Dilation", "Groups", "NoBias", "Activation", "Alpha" }, new[] { "Filters", "KernelSize" }),
        ["MaxPool2d"] = new(Pool, Array.Empty<string>()),
        ["AvgPool2d"] = new(Pool, Array.Empty<string>()),
        ["GlobalAvgPool2d"] = new(Array.Empty<string>(), Array.Empty<string>()),
        ["BatchNorm"] = new(new[] { "Momentum", "Epsilon" }, Array.Empty<string>()),
        ["Dropout2d"] = new(new[] { "Rate" }, new[] { "Rate" }),
        ["Residual"] = new(new[] { "Layers" }, new[] { "Layers" }),
        ["SimpleRNN"] = new(Recurrent, new[] { "Units" }),
        ["LSTM"] = new(Recurrent, new[] { "Units" }),
        ["GRU"] = new(Recurrent, new[] { "Units" }),
        // Without -VocabularySize an Embedding takes the ids of the TextVectorization before it (NetworkBuilder).
        ["Embedding"] = new(new[] { "VocabularySize", "Dimensions", "PaddingIndex" }, new[] { "Dimensions" }),
        // Without -SequenceLength the length is the network's -InputShape (NetworkBuilder).
        ["TextVectorization"] = new(new[] { "MaxTokens", "SequenceLength", "Split" }, Array.Empty<string>()),
    };

    /// <summary>The canonical spelling of a layer type word ("conv2d" → "Conv2d").</summary>
    public static string CanonicalType(string type)
    {
        foreach (var t in LayerTypes)
            if (string.Equals(t, type?.Trim(), StringComparison.OrdinalIgnoreCase)) return t;
        throw new InvalidConfigurationException($"Unknown layer type '{type}'. Add-Layer knows: {string.Join(", ", LayerTypes)}.");
    }

    /// <summary>Builds the spec, or throws <see cref="InvalidConfigurationException"/> saying which
    /// parameter is wrong and what the type accepts.</summary>
    public static LayerSpec Build(string type, LayerParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        type = CanonicalType(type);
        var rule = Rules[type];
        foreach (var given in p.GivenParameters())
        {
            if (Array.IndexOf(rule.Allowed, given) < 0)
            {
                string takes = rule.Allowed.Length == 0 ? "no layer parameters besides -Name" : "-" + string.Join(", -", rule.Allowed) + " and -Name";
                throw new InvalidConfigurationException($"Add-Layer {type} does not take -{given}; {type} takes {takes}.");
            }
        }
        foreach (var required in rule.Required)
        {
            if (!p.GivenParameters().Contains(required))
                throw new InvalidConfigurationException($"Add-Layer {type} needs -{required}{Example(type)}.");
        }

        string name = p.Name?.Trim() ?? string.Empty;
        var spec = new LayerSpec(type, name);
        switch (type)
        {
            case "Dense":
                spec.Set("units", (long)Positive(p.Units!.Value, "Units"));
                SetActivation(spec, p);
                if (p.NoBias is not null) spec.Set("useBias", !p.NoBias.Value);
                if (p.WeightInit is not null) spec.Set("weightInit", ParseWeightInit(p.WeightInit).ToString());
                break;
            case "Activation":
                SetActivation(spec, p);
                break;
            case "Dropout":
            case "Dropout2d":
                spec.Set("rate", Rate(p.Rate!.Value));
                break;
            case "Conv2d":
                spec.Set("filters", (long)Positive(p.Filters!.Value, "Filters"));
                spec.Set("kernelSize", Pair(p.KernelSize!, "KernelSize", minimum: 1));
                if (p.Stride is not null) spec.Set("stride", Pair(p.Stride, "Stride", minimum: 1));
                SetPadding(spec, p.Padding);
                if (p.Dilation is not null) spec.Set("dilation", Pair(p.Dilation, "Dilation", minimum: 1));
                if (p.Groups is not null) spec.Set("groups", (long)Positive(p.Groups.Value, "Groups"));
                if (p.NoBias is not null) spec.Set("useBias", !p.NoBias.Value);
                SetActivation(spec, p);
                break;
            case "MaxPool2d":
            case "AvgPool2d":
                if (p.PoolSize is not null && p.KernelSize is not null)
                    throw new InvalidConfigurationException($"Add-Layer {type}: give -PoolSize or -KernelSize (they are the same setting), not both.");
                spec.Set("poolSize", p.PoolSize is not null ? Pair(p.PoolSize, "PoolSize", 1)
                    : p.KernelSize is not null ? Pair(p.KernelSize, "KernelSize", 1) : new[] { 2, 2 });
                if (p.Stride is not null) spec.Set("stride", Pair(p.Stride, "Stride", minimum: 1));
                SetPadding(spec, p.Padding);
                break;
            case "BatchNorm":
                if (p.Momentum is { } m)
                {
                    if (!(m >= 0 && m <= 1)) throw new InvalidConfigurationException($"Add-Layer BatchNorm: -Momentum must be between 0 and 1 (PyTorch convention: running = (1-m)·running + m·batch) but is {Num(m)}.");
                    spec.Set("momentum", m);
                }
                if (p.Epsilon is { } e)
                {
                    if (!(e > 0)) throw new InvalidConfigurationException($"Add-Layer BatchNorm: -Epsilon must be greater than 0 but is {Num(e)}.");
                    spec.Set("epsilon", e);
                }
                break;
            case "Residual":
                AddChildren(spec, p.Layers!);
                break;
            case "SimpleRNN":
            case "LSTM":
            case "GRU":
                spec.Set("units", (long)Positive(p.Units!.Value, "Units"));
                if (p.ReturnSequences is not null) spec.Set("returnSequences", p.ReturnSequences.Value);
                if (p.Bidirectional is not null) spec.Set("bidirectional", p.Bidirectional.Value);
                if (p.MaskZeroSteps is not null) spec.Set("maskZeroSteps", p.MaskZeroSteps.Value);
                if (p.NoBias is not null) spec.Set("useBias", !p.NoBias.Value);
                break;
            case "Embedding":
                if (p.VocabularySize is { } vocabulary) spec.Set("vocabularySize", (long)Positive(vocabulary, "VocabularySize"));
                spec.Set("dimensions", (long)Positive(p.Dimensions!.Value, "Dimensions"));
                if (p.PaddingIndex is { } pad)
                {
                    if (pad < 0 || (p.VocabularySize is { } v && pad >= v))
                        throw new InvalidConfigurationException($"Add-Layer Embedding: -PaddingIndex is a token id and must be in [0, {(p.VocabularySize ?? int.MaxValue) - 1}] but is {pad}.");
                    spec.Set("paddingIndex", (long)pad);
                }
                break;
            case "TextVectorization":
                spec.Set("maxTokens", (long)(p.MaxTokens ?? DefaultMaxTokens));
                if (p.SequenceLength is { } length) spec.Set("sequenceLength", (long)Positive(length, "SequenceLength"));
                spec.Set("split", TextVectorization.SplitWord(TextVectorization.ParseSplit(p.Split ?? "Word")));
                if (p.MaxTokens is { } max && (max < 3 || max > TextVectorization.MaxVocabulary))
                    throw new InvalidConfigurationException($"Add-Layer TextVectorization: -MaxTokens counts padding (id 0), out-of-vocabulary (id 1) and the tokens, so it must be in [3, {TextVectorization.MaxVocabulary:N0}] but is {max}.");
                break;
            // Flatten, GlobalAvgPool2d: no settings.
        }
        return spec;
    }

    /// <summary>TextVectorization's vocabulary cap when -MaxTokens is not given (Keras' usual 20,000).</summary>
    public const int DefaultMaxTokens = 20000;

    private static string Example(string type) => type switch
    {
        "TextVectorization" => " (e.g. Add-Layer TextVectorization -MaxTokens 20000 -SequenceLength 200 -Split Word)",
        "Dense" => " (e.g. Add-Layer Dense -Units 64 -Activation ReLU)",
        "Activation" => " (e.g. Add-Layer Activation -Activation ReLU)",
        "Dropout" or "Dropout2d" => $" (e.g. Add-Layer {type} -Rate 0.25)",
        "Conv2d" => " (e.g. Add-Layer Conv2d -Filters 32 -KernelSize 3 -Activation ReLU)",
        "SimpleRNN" or "LSTM" or "GRU" => $" (e.g. Add-Layer {type} -Units 64 -ReturnSequences)",
        "Embedding" => " (e.g. Add-Layer Embedding -VocabularySize 5000 -Dimensions 32 -PaddingIndex 0, or after TextVectorization: Add-Layer Embedding -Dimensions 32)",
        "Residual" => " (e.g. Add-Layer Residual -Layers { Add-Layer Conv2d -Filters 32 -KernelSize 3 -Padding Same; Add-Layer BatchNorm })",
        _ => string.Empty,
    };

    private static void SetActivation(LayerSpec spec, LayerParameters p)
    {
        string? activation = null;
        if (p.Activation is not null)
        {
            activation = CanonicalActivation(p.Activation);
            spec.Set("activation", activation);
        }
        if (p.Alpha is { } alpha)
        {
            if (activation is not (nameof(ActivationKind.LeakyReLU) or nameof(ActivationKind.ELU)))
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Alpha is the LeakyReLU slope or ELU's alpha; use it with -Activation LeakyReLU or ELU.");
            if (!double.IsFinite(alpha) || alpha < 0)
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Alpha must be a finite number ≥ 0 but is {Num(alpha)}.");
            spec.Set("alpha", alpha);
        }
        if ((p.Beta is not null || p.Threshold is not null) && activation != nameof(ActivationKind.Softplus))
            throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Beta and -Threshold are Softplus' settings; use them with -Activation Softplus.");
        if (p.Beta is { } beta)
        {
            if (!double.IsFinite(beta) || beta <= 0)
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Beta must be a finite number greater than 0 but is {Num(beta)}.");
            spec.Set("beta", beta);
        }
        if (p.Threshold is { } threshold)
        {
            if (!double.IsFinite(threshold))
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Threshold must be a finite number but is {Num(threshold)}.");
            spec.Set("threshold", threshold);
        }
        if (p.Axis is { } axis)
        {
            if (activation != nameof(ActivationKind.Softmax))
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Axis is Softmax's dimension; use it with -Activation Softmax.");
            if (axis == 0)
                throw new InvalidConfigurationException($"Add-Layer {spec.Type}: -Axis 0 is the batch; Softmax takes 1 … rank (the sample's dimensions) or -1 for the last.");
            spec.Set("axis", (long)axis);
        }
    }

    /// <summary>"relu" → "ReLU", "linear" → "None"; unknown names are refused with the list.</summary>
    public static string CanonicalActivation(string name)
    {
        string n = (name ?? string.Empty).Trim();
        if (n.Equals("Linear", StringComparison.OrdinalIgnoreCase) || n.Length == 0) return nameof(ActivationKind.None);
        if (n.Equals("Swish", StringComparison.OrdinalIgnoreCase)) return nameof(ActivationKind.SiLU);
        foreach (var kind in Enum.GetNames<ActivationKind>())
            if (kind.Equals(n, StringComparison.OrdinalIgnoreCase)) return kind;
        throw new InvalidConfigurationException($"Unknown activation '{name}'. Known: {string.Join(", ", ActivationNames)}.");
    }

    private static int Positive(int value, string parameter) => value > 0 ? value
        : throw new InvalidConfigurationException($"-{parameter} must be greater than 0 but is {value}.");

    private static double Rate(double rate) => rate >= 0 && rate < 1 ? rate
        : throw new InvalidConfigurationException($"-Rate is the fraction of inputs dropped and must be in [0, 1) but is {Num(rate)}.");

    /// <summary>One or two integers → [h, w] (one means square), each ≥ <paramref name="minimum"/>.</summary>
    public static int[] Pair(IReadOnlyList<int> values, string parameter, int minimum)
    {
        if (values.Count is not (1 or 2))
            throw new InvalidConfigurationException($"-{parameter} takes one number (square) or two numbers (height, width) but got {values.Count}: {string.Join(", ", values)}.");
        int h = values[0], w = values.Count == 2 ? values[1] : values[0];
        if (h < minimum || w < minimum)
            throw new InvalidConfigurationException($"-{parameter} values must be ≥ {minimum} but are {h}, {w}.");
        return new[] { h, w };
    }

    private static void SetPadding(LayerSpec spec, object? padding)
    {
        if (padding is null) return;
        var (mode, size) = ParsePadding(padding);
        if (mode is not null) spec.Set("padding", mode);
        else spec.Set("paddingSize", size!);
    }

    /// <summary>-Padding forms: a number, two numbers (height, width), 'Same' or 'Valid'
    /// (case-insensitive), or a numeric string. Returns the mode word or the explicit sizes.</summary>
    public static (string? Mode, int[]? Size) ParsePadding(object padding)
    {
        const string Help = "-Padding takes a number, two numbers (height, width), 'Same' or 'Valid'";
        switch (padding)
        {
            case string s:
            {
                string t = s.Trim();
                if (t.Equals("Same", StringComparison.OrdinalIgnoreCase)) return ("Same", null);
                if (t.Equals("Valid", StringComparison.OrdinalIgnoreCase)) return ("Valid", null);
                var parts = t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var ints = new List<int>();
                foreach (var part in parts)
                {
                    if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                        throw new InvalidConfigurationException($"{Help}; '{s}' is none of these.");
                    ints.Add(v);
                }
                if (ints.Count == 0) throw new InvalidConfigurationException($"{Help}; got an empty string.");
                return (null, Pair(ints, "Padding", minimum: 0));
            }
            case IEnumerable list:
            {
                var ints = new List<int>();
                foreach (var item in list)
                {
                    ints.Add(item is string str && int.TryParse(str, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                        : AsInt(item) ?? throw new InvalidConfigurationException($"{Help}; '{item}' in the list is not a whole number."));
                }
                return (null, Pair(ints, "Padding", minimum: 0));
            }
            default:
                int? one = AsInt(padding);
                if (one is null) throw new InvalidConfigurationException($"{Help}; '{padding}' ({padding.GetType().Name}) is none of these.");
                return (null, Pair(new[] { one.Value }, "Padding", minimum: 0));
        }
    }

    private static int? AsInt(object? o) => o switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        short s => s,
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        uint ui when ui <= int.MaxValue => (int)ui,
        double d when d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
        float f when f == MathF.Floor(f) && Math.Abs(f) <= int.MaxValue => (int)f,
        decimal m when m == decimal.Floor(m) && Math.Abs(m) <= int.MaxValue => (int)m,
        _ => null,
    };

    private static void AddChildren(LayerSpec spec, IReadOnlyList<object?> outputs)
    {
        foreach (var o in outputs)
        {
            switch (o)
            {
                case null:
                    continue;
                case LayerSpec child:
                    spec.Children.Add(child);
                    break;
                default:
                    throw new InvalidConfigurationException(
                        $"The Residual -Layers script block must output only layers from Add-Layer (without a network), but it wrote a {o.GetType().Name} ('{o}').");
            }
        }
        if (spec.Children.Count == 0)
            throw new InvalidConfigurationException($"The Residual -Layers script block produced no layers{Example("Residual")}.");
    }

    private static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static NeuralPS.Core.Layers.WeightInit ParseWeightInit(string text) =>
        Enum.TryParse<NeuralPS.Core.Layers.WeightInit>(text.Trim(), ignoreCase: true, out var w) && Enum.IsDefined(w) && text.Trim().All(char.IsLetter)
            ? w
            : throw new InvalidConfigurationException($"Add-Layer Dense: -WeightInit '{text}' is not one of {string.Join(", ", Enum.GetNames<NeuralPS.Core.Layers.WeightInit>())}.");
}
