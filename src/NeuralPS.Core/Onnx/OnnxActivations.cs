using NeuralPS.Core.Backends;
using NeuralPS.Core.Onnx.Proto;
using static NeuralPS.Core.Onnx.OnnxGraphBuilder;

namespace NeuralPS.Core.Onnx;

/// <summary>The activations and their ONNX ops, one entry each, read by both the writer and the reader.
/// An activation added to <see cref="ActivationKind"/> needs one line here to export and import.</summary>
internal static class OnnxActivations
{
    /// <summary>One activation: its ONNX op, the opset that op needs, its attributes when written, and
    /// whether a node of that op means this activation (null = yes; else the reason it does not, e.g. an
    /// approximation NeuralPS does not compute), with the alpha read from the node.</summary>
    internal sealed record Entry(
        ActivationKind Kind,
        string OpType,
        int MinOpset,
        Func<float, AttributeProto[]> Attributes,
        Func<NodeProto, (string? Refusal, float Alpha)> Read);

    private static readonly (string?, float) Plain = (null, 0.01f);

    // PyTorch's (and NeuralPS') SELU constants; ONNX's Selu defaults are these rounded to float32.
    private const float SeluAlpha = 1.6732632423543772f, SeluGamma = 1.0507009873554805f;

    private static bool Near(float a, float b) => Math.Abs(a - b) <= 1e-6f * Math.Max(1f, Math.Abs(b));

    public static readonly IReadOnlyList<Entry> All = new Entry[]
    {
        new(ActivationKind.ReLU, "Relu", 13, _ => [], _ => Plain),
        new(ActivationKind.LeakyReLU, "LeakyRelu", 13, a => [Attr("alpha", a)],
            n => (null, OnnxAttributes.Float(n, "alpha", 0.01f))),
        new(ActivationKind.Sigmoid, "Sigmoid", 13, _ => [], _ => Plain),
        new(ActivationKind.Tanh, "Tanh", 13, _ => [], _ => Plain),
        // Dense's Softmax is over its units (the last dimension); the Activation layer's axis is written by the exporter.
        new(ActivationKind.Softmax, "Softmax", 13, _ => [Attr("axis", -1L)], _ => Plain),
        // GELU is the exact (erf) form, GELUTanh the tanh approximation; ONNX's Gelu (opset 20) has both by attribute.
        new(ActivationKind.GELU, "Gelu", 20, _ => [Attr("approximate", "none")],
            n => OnnxAttributes.String(n, "approximate", "none") == "none" ? Plain : ("it is not the exact GELU", 0.01f)),
        new(ActivationKind.GELUTanh, "Gelu", 20, _ => [Attr("approximate", "tanh")],
            n => OnnxAttributes.String(n, "approximate", "none") == "tanh" ? Plain : ("it is not GELU's tanh approximation", 0.01f)),
        new(ActivationKind.ELU, "Elu", 13, a => [Attr("alpha", a)], n => (null, OnnxAttributes.Float(n, "alpha", 1f))),
        new(ActivationKind.SELU, "Selu", 13, _ => [Attr("alpha", SeluAlpha), Attr("gamma", SeluGamma)],
            n => Near(OnnxAttributes.Float(n, "alpha", SeluAlpha), SeluAlpha) && Near(OnnxAttributes.Float(n, "gamma", SeluGamma), SeluGamma)
                ? Plain : ("its alpha/gamma are not SELU's constants (NeuralPS' SELU has fixed constants)", 0.01f)),
        // ONNX's Softplus is log(1 + eˣ): NeuralPS' Softplus with beta 1 (its threshold 20 switches to x where the two
        // differ by less than e⁻²⁰ relative). The exporter refuses beta ≠ 1.
        new(ActivationKind.Softplus, "Softplus", 13, _ => [], _ => Plain),
        // NeuralPS' HardSigmoid is PyTorch's relu6(x + 3)/6 = max(0, min(1, x/6 + ½)): ONNX HardSigmoid with alpha = 1/6,
        // beta = ½ (ONNX's defaults 0.2 / 0.5 are Keras' old definition, refused on import).
        new(ActivationKind.HardSigmoid, "HardSigmoid", 13, _ => [Attr("alpha", 1f / 6f), Attr("beta", 0.5f)],
            n => Near(OnnxAttributes.Float(n, "alpha", 0.2f), 1f / 6f) && Near(OnnxAttributes.Float(n, "beta", 0.5f), 0.5f)
                ? Plain : ("its alpha/beta are not 1/6 and 1/2 (NeuralPS' HardSigmoid is PyTorch's relu6(x + 3)/6)", 0.01f)),
        new(ActivationKind.HardSwish, "HardSwish", 14, _ => [], _ => Plain),
    };

    private static readonly Dictionary<ActivationKind, Entry> ByKind = All.ToDictionary(e => e.Kind);
    private static readonly ILookup<string, Entry> ByOp = All.ToLookup(e => e.OpType, StringComparer.Ordinal);

    public static bool TryGet(ActivationKind kind, out Entry entry) => ByKind.TryGetValue(kind, out entry!);

    /// <summary>The activation a node is: of the entries for its op, the one that reads it without a refusal (Gelu:
    /// exact or tanh by its attribute), else the first, whose Read then gives the refusal.</summary>
    public static bool TryGet(NodeProto node, out Entry entry)
    {
        entry = null!;
        foreach (var candidate in ByOp[node.OpType])
        {
            entry ??= candidate;
            if (candidate.Read(node).Refusal is null) { entry = candidate; break; }
        }
        return entry is not null;
    }

    /// <summary>Whether the op is one of the activations' (for the importer's list of supported ops).</summary>
    public static bool IsActivationOp(string opType) => ByOp.Contains(opType);

    /// <summary>Writes the activation after <paramref name="input"/> (nothing for None); returns the output value.</summary>
    public static string Write(OnnxGraphBuilder g, ActivationKind kind, float alpha, string input, string nodeName, string outputStem)
    {
        if (kind == ActivationKind.None) return input;
        if (kind == ActivationKind.SiLU)
        {
            // SiLU has no ONNX op: x·Sigmoid(x), as PyTorch exports it.
            string sig = g.Node("Sigmoid", nodeName + "/sigmoid", new[] { input }, outputStem + "_sigmoid");
            return g.Node("Mul", nodeName, new[] { input, sig }, outputStem);
        }
        if (!ByKind.TryGetValue(kind, out var entry))
            throw new InvalidConfigurationException($"Layer '{nodeName}': the activation {kind} has no ONNX form in this version of NeuralPS.");
        g.RequireOpset(entry.MinOpset);
        return g.Node(entry.OpType, nodeName, new[] { input }, outputStem, entry.Attributes(alpha));
    }
}
