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

    public static readonly IReadOnlyList<Entry> All = new Entry[]
    {
        new(ActivationKind.ReLU, "Relu", 13, _ => [], _ => Plain),
        new(ActivationKind.LeakyReLU, "LeakyRelu", 13, a => [Attr("alpha", a)],
            n => (null, OnnxAttributes.Float(n, "alpha", 0.01f))),
        new(ActivationKind.Sigmoid, "Sigmoid", 13, _ => [], _ => Plain),
        new(ActivationKind.Tanh, "Tanh", 13, _ => [], _ => Plain),
        // NeuralPS' Softmax is over the last dimension; opset 13's Softmax takes one axis.
        new(ActivationKind.Softmax, "Softmax", 13, _ => [Attr("axis", -1L)], _ => Plain),
        // The layer computes GELU's tanh approximation; ONNX has it as Gelu(approximate="tanh") from opset 20.
        new(ActivationKind.GELU, "Gelu", 20, _ => [Attr("approximate", "tanh")],
            n => OnnxAttributes.String(n, "approximate", "none") == "tanh"
                ? Plain
                : ("it computes the exact (erf) GELU; this NeuralPS computes only GELU's tanh approximation", 0.01f)),
    };

    private static readonly Dictionary<ActivationKind, Entry> ByKind = All.ToDictionary(e => e.Kind);
    private static readonly Dictionary<string, Entry> ByOp = All.ToDictionary(e => e.OpType, StringComparer.Ordinal);

    public static bool TryGet(ActivationKind kind, out Entry entry) => ByKind.TryGetValue(kind, out entry!);

    public static bool TryGet(string opType, out Entry entry) => ByOp.TryGetValue(opType, out entry!);

    /// <summary>Writes the activation after <paramref name="input"/> (nothing for None); returns the output value.</summary>
    public static string Write(OnnxGraphBuilder g, ActivationKind kind, float alpha, string input, string nodeName, string outputStem)
    {
        if (kind == ActivationKind.None) return input;
        if (!ByKind.TryGetValue(kind, out var entry))
            throw new InvalidConfigurationException($"Layer '{nodeName}': the activation {kind} has no ONNX form in this version of NeuralPS.");
        g.RequireOpset(entry.MinOpset);
        return g.Node(entry.OpType, nodeName, new[] { input }, outputStem, entry.Attributes(alpha));
    }
}
