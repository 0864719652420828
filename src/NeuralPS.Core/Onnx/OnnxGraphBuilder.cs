using Google.Protobuf;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>Appends nodes and initializers to an ONNX graph with unique value names. Float tensors are
/// written as little-endian raw_data (exact bits, as every ONNX producer does for weights).</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string name) => Graph = new GraphProto { Name = name };

    public GraphProto Graph { get; }

    /// <summary>The highest opset any node added so far needs (an op that exists only from a later opset raises it).</summary>
    public int RequiredOpset { get; private set; } = OnnxFormat.DefaultOpset;

    public void RequireOpset(int opset) => RequiredOpset = Math.Max(RequiredOpset, opset);

    /// <summary>A value name not used yet: <paramref name="stem"/>, else stem_2, stem_3, ...</summary>
    public string Fresh(string stem)
    {
        if (_names.Add(stem)) return stem;
        for (int i = 2; ; i++)
        {
            string candidate = $"{stem}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Reserves a name given from outside (a graph input or output).</summary>
    public string Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX value name '{name}' is taken.");
        return name;
    }

    public string Floats(string stem, ReadOnlySpan<float> values, params long[] dims)
    {
        var t = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        t.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    public string Scalar(string stem, float value) => Floats(stem, new[] { value });

    public string Int64s(string stem, params long[] values)
    {
        var t = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    public string Strings(string stem, IReadOnlyList<string> values)
    {
        var t = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.String };
        t.Dims.Add(values.Count);
        foreach (var v in values) t.StringData.Add(ByteString.CopyFromUtf8(v));
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a node with one output named after <paramref name="outputStem"/>; returns the output name.</summary>
    public string Node(string opType, string nodeName, string[] inputs, string outputStem, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, nodeName, inputs, new[] { outputStem }, attributes)[0];

    /// <summary>Adds a node; an empty output stem means "output not used" (written as "").</summary>
    public string[] NodeWithOutputs(string opType, string nodeName, string[] inputs, string[] outputStems, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = FreshNode(Scope + nodeName) };
        node.Input.AddRange(inputs);
        var outputs = new string[outputStems.Length];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = outputStems[i].Length == 0 ? "" : Fresh(outputStems[i]);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        LastNode = node;
        return outputs;
    }

    /// <summary>Prefixed to node names: "block/" inside a residual block, whose layer names are the block's own.</summary>
    public string Scope { get; set; } = string.Empty;

    /// <summary>The node added last (to set its doc_string).</summary>
    public NodeProto? LastNode { get; private set; }

    private string FreshNode(string name)
    {
        if (_nodeNames.Add(name)) return name;
        for (int i = 2; ; i++)
        {
            string candidate = $"{name}_{i}";
            if (_nodeNames.Add(candidate)) return candidate;
        }
    }

    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attr(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static ValueInfoProto TensorInfo(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException("dims are strings or integers"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
