using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>Typed reads of a node's attributes: a missing attribute gives the default, one of the wrong
/// type or an absurd length is an error naming the node.</summary>
internal static class OnnxAttributes
{
    private const int MaxInts = 16;

    public static AttributeProto? Find(NodeProto node, string name)
    {
        AttributeProto? found = null;
        foreach (var a in node.Attribute)
        {
            if (a.Name != name) continue;
            if (found is not null) throw OnnxReader.Bad(node, $"has the attribute '{name}' twice");
            found = a;
        }
        return found;
    }

    public static long Int(NodeProto node, string name, long fallback)
    {
        var a = Find(node, name);
        if (a is null) return fallback;
        if (a.Type != AttributeProto.Types.AttributeType.Int && !(a.Type == AttributeProto.Types.AttributeType.Undefined && a.HasI))
            throw OnnxReader.Bad(node, $"has attribute '{name}' of type {a.Type}, not INT");
        return a.I;
    }

    public static float Float(NodeProto node, string name, float fallback)
    {
        var a = Find(node, name);
        if (a is null) return fallback;
        if (a.Type != AttributeProto.Types.AttributeType.Float && !(a.Type == AttributeProto.Types.AttributeType.Undefined && a.HasF))
            throw OnnxReader.Bad(node, $"has attribute '{name}' of type {a.Type}, not FLOAT");
        if (!float.IsFinite(a.F)) throw OnnxReader.Bad(node, $"has attribute '{name}' = {a.F}, not a finite number");
        return a.F;
    }

    public static string String(NodeProto node, string name, string fallback)
    {
        var a = Find(node, name);
        if (a is null) return fallback;
        if (a.Type != AttributeProto.Types.AttributeType.String && !(a.Type == AttributeProto.Types.AttributeType.Undefined && a.HasS))
            throw OnnxReader.Bad(node, $"has attribute '{name}' of type {a.Type}, not STRING");
        if (a.S.Length > 256) throw OnnxReader.Bad(node, $"has attribute '{name}' of {a.S.Length} bytes");
        return a.S.ToStringUtf8();
    }

    /// <summary>An INTS attribute as ints (each within int range), or null when absent.</summary>
    public static int[]? Ints(NodeProto node, string name)
    {
        var a = Find(node, name);
        if (a is null) return null;
        if (a.Type != AttributeProto.Types.AttributeType.Ints && a.Type != AttributeProto.Types.AttributeType.Undefined)
            throw OnnxReader.Bad(node, $"has attribute '{name}' of type {a.Type}, not INTS");
        if (a.Ints.Count > MaxInts) throw OnnxReader.Bad(node, $"has attribute '{name}' with {a.Ints.Count:N0} values (at most {MaxInts})");
        var result = new int[a.Ints.Count];
        for (int i = 0; i < result.Length; i++)
        {
            long v = a.Ints[i];
            if (v < int.MinValue || v > int.MaxValue) throw OnnxReader.Bad(node, $"has attribute '{name}' value {v}, out of range");
            result[i] = (int)v;
        }
        return result;
    }
}
