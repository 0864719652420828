using System.Globalization;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Tensors;
using DataType = NeuralPS.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace NeuralPS.Core.Onnx;

/// <summary>Turns an ONNX graph into NeuralPS layers. The graph is walked from its one float input to its
/// first float output along the nodes that output depends on (a label subgraph or a shape computation for
/// a recurrent layer's zero initial state is not part of that walk). Each step matches the node at hand —
/// with the few nodes that belong with it (a Gemm's activation, the Transposes and Reshapes around an
/// LSTM) — against <see cref="Ops"/>, one entry per op; a value read by two nodes must be a residual block
/// (one branch the identity or a single 1x1 Conv / Gemm projection, joined by Add). Anything else is
/// refused naming the node and its op type. Weights come from initializers or Constant nodes only.</summary>
internal sealed class OnnxImporter
{
    private const int MaxDepth = 32;

    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly string _source;
    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly HashSet<NodeProto> _useful = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<NodeProto> _done = new(ReferenceEqualityComparer.Instance);
    private string _output = string.Empty;
    private int _opset;

    private delegate string OpImporter(OnnxImporter r, Network net, NodeProto node, string input, int depth);

    // One entry per op that starts a layer (activations come from OnnxActivations' table).
    private static readonly Dictionary<string, OpImporter> Ops = new(StringComparer.Ordinal)
    {
        ["Gemm"] = (r, n, node, x, _) => r.ImportGemm(n, node, x),
        ["MatMul"] = (r, n, node, x, _) => r.ImportMatMul(n, node, x),
        ["Conv"] = (r, n, node, x, _) => r.ImportConv(n, node, x),
        ["MaxPool"] = (r, n, node, x, _) => r.ImportPool(n, node, x, average: false),
        ["AveragePool"] = (r, n, node, x, _) => r.ImportPool(n, node, x, average: true),
        ["GlobalAveragePool"] = (r, n, node, x, _) => r.ImportGlobalAveragePool(n, node, x),
        ["BatchNormalization"] = (r, n, node, x, _) => r.ImportBatchNorm(n, node, x),
        ["Flatten"] = (r, n, node, x, _) => r.ImportFlatten(n, node, x),
        ["Reshape"] = (r, n, node, x, _) => r.ImportReshape(n, node, x),
        ["Dropout"] = (r, n, node, x, _) => r.ImportDropout(n, node, x),
        ["Identity"] = (r, n, node, x, _) => r.Finish(node),
        ["Transpose"] = (r, n, node, x, _) => r.ImportTransposedRecurrent(n, node, x),
        ["LSTM"] = (r, n, node, x, _) => r.ImportRecurrent(n, node, x, batchMajor: true),
        ["GRU"] = (r, n, node, x, _) => r.ImportRecurrent(n, node, x, batchMajor: true),
        ["RNN"] = (r, n, node, x, _) => r.ImportRecurrent(n, node, x, batchMajor: true),
        ["Cast"] = (r, n, node, x, _) => r.ImportEmbedding(n, node, x),
    };

    /// <summary>The op types that import (for messages and the coverage table).</summary>
    public static IEnumerable<string> OpTypes => Ops.Keys.Concat(OnnxActivations.All.Select(a => a.OpType)).Append("Add").Append("Constant").Distinct().Order();

    public OnnxImporter(ModelProto model, string source)
    {
        _model = model;
        _graph = model.Graph;
        _source = source;
    }

    private ModelFileException Fail(string what) => new($"ONNX file '{_source}': {what}");
    private ModelFileException Fail(NodeProto node, string what) => new($"ONNX file '{_source}': node '{node.Name}' ({node.OpType}) {what}.");

    public Network Import()
    {
        CheckOpsets();
        if (_graph.Node.Count > OnnxFormat.MaxNodes || _graph.Initializer.Count > OnnxFormat.MaxNodes)
            throw Fail($"the graph has {_graph.Node.Count:N0} nodes and {_graph.Initializer.Count:N0} initializers, more than the {OnnxFormat.MaxNodes:N0} NeuralPS reads.");
        long weightValues = IndexGraph();
        var metadata = OnnxReader.Metadata(_model, _source);
        _output = FindOutput();
        MarkUseful();
        var (input, inputShape, columns) = metadata.ContainsKey(OnnxFormat.ColumnsKey) && metadata.ContainsKey(OnnxFormat.PreprocessingKey)
            ? ImportColumns(metadata)
            : FindInput();
        // PyTorch names every graph "torch_jit" (older versions "main_graph"): the file's name says more.
        string name = string.IsNullOrWhiteSpace(_graph.Name) || _graph.Name is "torch_jit" or "main_graph" || _graph.Name.Length > 128
            ? Path.GetFileNameWithoutExtension(_source)
            : _graph.Name;
        ulong seed = OnnxReader.Unsigned(metadata, OnnxFormat.SeedKey) ?? 0;

        // Every tensor a layer allocates (weights, gradients) is bounded by the weights the file really holds.
        using var budget = AllocationBudget.Limit(4 * weightValues + (1L << 22), $"ONNX file '{_source}' (its weights hold {weightValues:N0} values)");
        Network net;
        try
        {
            net = new Network(name, inputShape, seed);
        }
        catch (NeuralException e) when (e is not ModelFileException)
        {
            throw Fail($"its input cannot be a network input: {e.Message}");
        }
        string x = input;
        try
        {
            if (metadata.ContainsKey(OnnxFormat.PreprocessingKey)) x = ImportPreprocessing(net, x, metadata, columns);
            x = WalkChain(net, x, _output, 0);
        }
        catch (Exception e) when (e is NeuralException and not ModelFileException or OverflowException)
        {
            throw Fail($"the graph does not make a valid NeuralPS network: {e.Message}");
        }
        foreach (var node in _useful)
        {
            if (!_done.Contains(node) && node.OpType != "Constant")
                throw Fail(node, "is not part of a layer NeuralPS can rebuild (the graph is not a chain of supported layers and residual blocks)");
        }
        if (net.Layers.Count == 0) throw Fail("the graph has no layers (its output is its input).");

        if (OnnxReader.StringList(metadata, OnnxFormat.ClassNamesKey, _source) is { } classes)
        {
            if (classes.Length > Math.Max(2, net.OutputShape.Size))
                throw Fail($"it names {classes.Length} classes but the network has {net.OutputShape.Size} outputs.");
            net.ClassNames = classes;
        }
        if (metadata.TryGetValue(OnnxFormat.EpochsKey, out var epochs) && int.TryParse(epochs, NumberStyles.None, CultureInfo.InvariantCulture, out int e2))
            net.EpochsTrained = e2;
        return net;
    }

    private void CheckOpsets()
    {
        foreach (var o in _model.OpsetImport)
        {
            if (o.Domain is "" or "ai.onnx")
            {
                _opset = (int)Math.Clamp(o.Version, 0, int.MaxValue);
            }
        }
        if (_opset == 0) throw Fail("it imports no version of the default ONNX operator set (opset_import is missing).");
        if (_opset < OnnxFormat.MinImportOpset || _opset > OnnxFormat.MaxImportOpset)
            throw Fail($"it uses ONNX opset {_opset}; NeuralPS reads opsets {OnnxFormat.MinImportOpset} to {OnnxFormat.MaxImportOpset} (re-export it, e.g. torch.onnx.export(..., opset_version=17)).");
    }

    // Constants (initializers and Constant nodes), producers and consumers; returns the float values held.
    private long IndexGraph()
    {
        long values = 0;
        foreach (var t in _graph.Initializer)
        {
            if (string.IsNullOrEmpty(t.Name)) throw Fail("an initializer has no name.");
            if (!_constants.TryAdd(t.Name, t)) throw Fail($"the initializer '{t.Name}' is defined twice.");
            values += OnnxTensors.Count(t, $"initializer '{t.Name}'");
        }
        foreach (var node in _graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw Fail(node, $"is from the operator domain '{node.Domain}', which NeuralPS does not implement");
            if (node.Output.Count > 8 || node.Input.Count > 16) throw Fail(node, $"has {node.Input.Count} inputs and {node.Output.Count} outputs");
            foreach (var o in node.Output)
            {
                if (o.Length == 0) continue;
                if (_constants.ContainsKey(o) || !_producer.TryAdd(o, node)) throw Fail(node, $"writes the value '{o}', which is already defined");
            }
            if (node.OpType == "Constant")
            {
                if (node.Output.Count != 1) throw Fail(node, "must have one output");
                var c = ConstantValue(node);
                values += OnnxTensors.Count(c, $"constant '{node.Output[0]}'");
                _constants[node.Output[0]] = c;
            }
        }
        return values;
    }

    private static TensorProto ConstantValue(NodeProto node)
    {
        if (node.Attribute.Count != 1) throw OnnxReader.Bad(node, "must have exactly one value attribute");
        var a = node.Attribute[0];
        switch (a.Name)
        {
            case "value" when a.T is not null:
                return a.T;
            case "value_float":
                return new TensorProto { DataType = (int)DataType.Float, FloatData = { a.F } };
            case "value_floats":
                return new TensorProto { DataType = (int)DataType.Float, Dims = { a.Floats.Count }, FloatData = { a.Floats } };
            case "value_int":
                return new TensorProto { DataType = (int)DataType.Int64, Int64Data = { a.I } };
            case "value_ints":
                return new TensorProto { DataType = (int)DataType.Int64, Dims = { a.Ints.Count }, Int64Data = { a.Ints } };
            default:
                throw OnnxReader.Bad(node, $"has the attribute '{a.Name}', which NeuralPS does not read as a constant");
        }
    }

    private sealed record ColumnEntry(string name, string[]? categories);

    // The record columns Export-NeuralNetwork writes as graph inputs (float or string [batch, 1]); each
    // string column goes through Equal (with its categories) and Cast; all meet in one Concat.
    private (string Name, Shape Shape, List<FeatureColumn>? Columns) ImportColumns(Dictionary<string, string> metadata)
    {
        List<ColumnEntry>? entries;
        try
        {
            entries = System.Text.Json.JsonSerializer.Deserialize<List<ColumnEntry>>(metadata[OnnxFormat.ColumnsKey]);
        }
        catch (System.Text.Json.JsonException)
        {
            entries = null;
        }
        var inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (entries is null || entries.Count != inputs.Count || entries.Count == 0)
            throw Fail($"its metadata '{OnnxFormat.ColumnsKey}' does not describe its {inputs.Count} inputs.");
        var columns = new List<FeatureColumn>();
        var parts = new List<string>();
        NodeProto? concat = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            var e = entries[i];
            if (string.IsNullOrEmpty(e.name)) throw Fail($"column {i + 1} in its metadata has no name.");
            string v = inputs[i].Name;
            int type = inputs[i].Type?.TensorType?.ElemType ?? 0;
            if (e.categories is null)
            {
                if (type != (int)DataType.Float) throw Fail($"the input '{v}' of the numeric column '{e.name}' is not float.");
                columns.Add(new FeatureColumn(e.name));
            }
            else
            {
                if (type != (int)DataType.String) throw Fail($"the input '{v}' of the categorical column '{e.name}' is not string.");
                var equal = Single(v);
                if (equal is not { OpType: "Equal" } || equal.Input.Count != 2 || equal.Input[0] != v)
                    throw Fail($"the categorical input '{v}' is not one-hot encoded by an Equal node.");
                var categories = OnnxTensors.Strings(Const(equal, 1, "categories"), $"node '{equal.Name}' categories");
                if (!categories.SequenceEqual(e.categories)) throw Fail(equal, "compares with categories other than its metadata lists");
                var cast = Single(Finish(equal));
                if (cast is not { OpType: "Cast" } || OnnxAttributes.Int(cast, "to", 0) != (long)DataType.Float)
                    throw Fail(equal, "is not followed by a Cast to float");
                v = Finish(cast);
                try
                {
                    columns.Add(new FeatureColumn(e.name, e.categories));
                }
                catch (InvalidConfigurationException ex)
                {
                    throw Fail($"column '{e.name}' in its metadata is invalid: {ex.Message}");
                }
            }
            var next = Single(v);
            if (next is not { OpType: "Concat" } || concat is not null && !ReferenceEquals(next, concat))
                throw Fail($"the column input '{inputs[i].Name}' does not reach the Concat of the columns.");
            concat = next;
            parts.Add(v);
        }
        if (!concat!.Input.SequenceEqual(parts) || OnnxAttributes.Int(concat, "axis", 0) is not (1 or -1))
            throw Fail(concat, "does not concatenate the columns in order along axis 1");
        int width = columns.Sum(c => c.Width);
        return (Finish(concat), new Shape(width), columns);
    }

    private (string Name, Shape Shape, List<FeatureColumn>? Columns) FindInput()
    {
        var inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw Fail($"the graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); NeuralPS imports networks with one float input.");
        var input = inputs[0];
        var tensor = input.Type?.TensorType ?? throw Fail($"the input '{input.Name}' is not a tensor.");
        if (tensor.ElemType != (int)DataType.Float)
            throw Fail($"the input '{input.Name}' is {OnnxTensors.TypeName(tensor.ElemType)}; NeuralPS networks take float32 input.");
        var dims = tensor.Shape?.Dim ?? throw Fail($"the input '{input.Name}' has no shape.");
        if (dims.Count < 2 || dims.Count > 5)
            throw Fail($"the input '{input.Name}' has rank {dims.Count}; NeuralPS reads (batch, features), (batch, time, features) or (batch, channels, height, width).");
        var shape = new int[dims.Count - 1];
        for (int i = 1; i < dims.Count; i++)
        {
            var d = dims[i];
            if (d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0 || d.DimValue > Shape.MaxElements)
                throw Fail($"dimension {i} of the input '{input.Name}' is {(d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? $"'{d.DimParam}'" : d.DimValue.ToString(CultureInfo.InvariantCulture))}; every dimension but the batch must be a fixed positive size.");
            shape[i - 1] = (int)d.DimValue;
        }
        var result = new Shape(shape);
        if (!result.IsWithinLimit) throw Fail($"the input '{input.Name}' {result} has more than {Shape.MaxElements:N0} values per sample.");
        return (input.Name, result, null);
    }

    private string FindOutput()
    {
        foreach (var o in _graph.Output)
        {
            int type = o.Type?.TensorType?.ElemType ?? (int)DataType.Float;
            if (type == (int)DataType.Float) return o.Name;
        }
        throw Fail("the graph has no float output.");
    }

    // The nodes the main output depends on. A recurrent node's initial states and sequence lengths are
    // not followed: they must be absent or zeros (checked when the node is imported).
    private void MarkUseful()
    {
        var stack = new Stack<string>();
        stack.Push(_output);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (stack.Count > 0)
        {
            string v = stack.Pop();
            if (!seen.Add(v) || !_producer.TryGetValue(v, out var node)) continue;
            _useful.Add(node);
            int dataInputs = node.OpType is "LSTM" or "GRU" or "RNN" ? Math.Min(4, node.Input.Count) : node.Input.Count;
            // A Reshape whose target is computed from Shape(its input) is evaluated when imported (ReshapeTarget).
            if (node.OpType == "Reshape" && node.Input.Count == 2 && !_constants.ContainsKey(node.Input[1]) && IsShapeExpression(node.Input[1], node.Input[0], 0))
                dataInputs = 1;
            for (int i = 0; i < dataInputs; i++)
            {
                string input = node.Input[i];
                if (input.Length == 0) continue;
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = new List<NodeProto>();
                if (!list.Contains(node)) list.Add(node);
                stack.Push(input);
            }
        }
    }

    private List<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : new List<NodeProto>();

    /// <summary>x read by a Sigmoid and by a Mul of x and that Sigmoid's output (read by nothing else): SiLU.</summary>
    private (NodeProto Sigmoid, NodeProto Mul)? SiluPattern(string x, NodeProto a, NodeProto b)
    {
        var (sigmoid, mul) = a.OpType == "Sigmoid" ? (a, b) : (b, a);
        if (sigmoid.OpType != "Sigmoid" || mul.OpType != "Mul" || sigmoid.Input.Count != 1 || sigmoid.Input[0] != x
            || sigmoid.Output.Count != 1 || mul.Input.Count != 2) return null;
        string s = sigmoid.Output[0];
        bool operands = mul.Input[0] == x && mul.Input[1] == s || mul.Input[0] == s && mul.Input[1] == x;
        return operands && Single(s) == mul ? (sigmoid, mul) : null;
    }

    /// <summary>The exact GELU as PyTorch (opset &lt; 20) and Keras' exporters write it: Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5),
    /// x read by the Div and the inner Mul, every intermediate read once (constants on either side of Add and the Muls).
    /// Returns the nodes in order, the last one's output being GELU(x).</summary>
    private NodeProto[]? GeluPattern(string x, NodeProto a, NodeProto b)
    {
        var (div, mul) = a.OpType == "Div" ? (a, b) : (b, a);
        if (div.OpType != "Div" || mul.OpType != "Mul" || div.Input.Count != 2 || div.Input[0] != x || div.Output.Count != 1
            || !IsScalar(div.Input[1], MathF.Sqrt(2f))) return null;
        if (Single(div.Output[0]) is not { OpType: "Erf" } erf || erf.Input.Count != 1 || erf.Output.Count != 1) return null;
        if (Single(erf.Output[0]) is not { OpType: "Add" } add || !BinaryWith(add, erf.Output[0], 1f)) return null;
        if (Single(add.Output[0]) != mul || mul.Input.Count != 2 || mul.Output.Count != 1
            || !(mul.Input[0] == x && mul.Input[1] == add.Output[0] || mul.Input[1] == x && mul.Input[0] == add.Output[0])) return null;
        if (Single(mul.Output[0]) is not { OpType: "Mul" } half || !BinaryWith(half, mul.Output[0], 0.5f)) return null;
        return new[] { div, erf, add, mul, half };
    }

    // node(value, c) or node(c, value) with c a scalar constant equal to `expected`.
    private bool BinaryWith(NodeProto node, string value, float expected) =>
        node.Input.Count == 2 && node.Output.Count == 1 &&
        (node.Input[0] == value && IsScalar(node.Input[1], expected) || node.Input[1] == value && IsScalar(node.Input[0], expected));

    private bool IsScalar(string name, float expected)
    {
        if (!_constants.TryGetValue(name, out var t)) return false;
        if (t.Dims.Aggregate(1L, (p, d) => p * d) != 1 || (DataType)t.DataType is not (DataType.Float or DataType.Double)) return false;
        float v = OnnxTensors.Floats(t, $"constant '{name}'")[0];
        return MathF.Abs(v - expected) <= 1e-6f * MathF.Abs(expected);
    }

    private NodeProto? Single(string value)
    {
        var list = Consumers(value);
        return list.Count == 1 && value != _output ? list[0] : null;
    }

    private string Finish(NodeProto node)
    {
        if (!_done.Add(node)) throw Fail(node, "is reached twice (the graph has a cycle)");
        if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Fail(node, "has no output");
        for (int i = 1; i < node.Output.Count; i++)
        {
            if (node.Output[i].Length > 0 && (Consumers(node.Output[i]).Count > 0 || node.Output[i] == _output))
                throw Fail(node, $"uses its output {i + 1} ('{node.Output[i]}'), which NeuralPS does not compute");
        }
        return node.Output[0];
    }

    private TensorProto Const(NodeProto node, int index, string what)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0) throw Fail(node, $"has no {what} input");
        return _constants.TryGetValue(node.Input[index], out var t)
            ? t
            : throw Fail(node, $"computes its {what} ('{node.Input[index]}') in the graph; NeuralPS imports weights stored as initializers or constants");
    }

    private TensorProto? OptionalConst(NodeProto node, int index, string what) =>
        index < node.Input.Count && node.Input[index].Length > 0 ? Const(node, index, what) : null;

    private string WalkChain(Network net, string value, string target, int depth)
    {
        int guard = 0;
        while (value != target)
        {
            if (++guard > OnnxFormat.MaxNodes) throw Fail("the graph does not lead from its input to its output.");
            var next = Consumers(value);
            if (next.Count == 0) throw Fail($"the value '{value}' leads nowhere: nothing reads it on the way to the output '{target}'.");
            if (next.Count == 1)
            {
                value = Match(net, next[0], value, depth);
            }
            else if (next.Count == 2 && SiluPattern(value, next[0], next[1]) is var (sigmoid, mul))
            {
                // SiLU as PyTorch writes it: Mul(x, Sigmoid(x)).
                if (_done.Contains(sigmoid) || _done.Contains(mul)) throw Fail(mul, "is reached twice (the graph has a cycle)");
                _done.Add(sigmoid);
                net.Add(new Activation(ActivationKind.SiLU, null, LayerName(net, mul)));
                value = Finish(mul);
            }
            else if (next.Count == 2 && GeluPattern(value, next[0], next[1]) is { } gelu)
            {
                // The exact GELU spelled out in five nodes (PyTorch 1.13 at opset 17): one GELU layer.
                if (gelu.Any(_done.Contains)) throw Fail(gelu[^1], "is reached twice (the graph has a cycle)");
                foreach (var n in gelu[..^1]) _done.Add(n);
                net.Add(new Activation(ActivationKind.GELU, null, LayerName(net, gelu[^1])));
                value = Finish(gelu[^1]);
            }
            else if (next.Count == 2)
            {
                value = ImportResidual(net, value, next[0], next[1], depth);
            }
            else
            {
                throw Fail($"the value '{value}' is read by {next.Count} nodes ({string.Join(", ", next.Select(n => $"'{n.Name}' ({n.OpType})"))}); NeuralPS imports chains of layers and residual blocks (two branches joined by Add).");
            }
        }
        return value;
    }

    private string Match(Network net, NodeProto node, string input, int depth)
    {
        if (_done.Contains(node)) throw Fail(node, "is reached twice (the graph has a cycle)");
        if (node.Input.Count == 0 || node.Input[0] != input && node.OpType is not ("Add" or "Mul"))
        {
            if (!(node.OpType is "Gather" && node.Input.Count > 1 && node.Input[1] == input))
                throw Fail(node, $"reads '{input}' as other than its first input, which NeuralPS does not import");
        }
        try
        {
            if (Ops.TryGetValue(node.OpType, out var import)) return import(this, net, node, input, depth);
            if (OnnxActivations.TryGet(node, out var activation)) return ImportActivation(net, node, activation);
        }
        catch (NeuralException e) when (e is not ModelFileException)
        {
            throw Fail(node, $"cannot become a NeuralPS layer: {e.Message}");
        }
        throw Fail(node, $"is an op NeuralPS does not import. Supported ops: {string.Join(", ", OpTypes)}");
    }

    private string? LayerName(Network net, NodeProto node)
    {
        string n = node.Name;
        if (string.IsNullOrWhiteSpace(n) || n.Length > 128) return null;
        // PyTorch names a node "/module/path/OpType[_k]": the layer is the module ("block1.conv1", "0"),
        // as in the model's state_dict keys.
        if (n.StartsWith('/'))
        {
            var parts = n.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (parts.Count > 0 && parts[^1].StartsWith(node.OpType, StringComparison.Ordinal)) parts.RemoveAt(parts.Count - 1);
            n = string.Join('.', parts);
            if (n.Length == 0) return null;
        }
        foreach (var l in net.Layers) if (string.Equals(l.Name, n, StringComparison.OrdinalIgnoreCase)) return null;
        return n;
    }

    private static void Load(Parameter p, float[] values, NodeProto node, string what)
    {
        if (values.Length != p.Value.Size)
            throw OnnxReader.Bad(node, $"has {values.Length:N0} values for its {what} where the layer needs {p.Value.Size:N0}");
        values.CopyTo(p.Value.Span);
    }

    private static string Dims(TensorProto t) => "[" + string.Join(", ", t.Dims) + "]";

    // --- activations --------------------------------------------------------------------------------

    private (ActivationKind Kind, float Alpha, NodeProto Node)? FusableActivation(Network net, string value, bool elementwiseOnly)
    {
        var next = Single(value);
        if (next is null || !OnnxActivations.TryGet(next, out var entry)) return null;
        if (elementwiseOnly && entry.Kind == ActivationKind.Softmax) return null;
        var (refusal, alpha) = entry.Read(next);
        if (refusal is not null) return null;
        if (entry.Kind == ActivationKind.Softmax && !SoftmaxOverLastAxis(next, net.OutputShape.Rank + 1)) return null;
        return (entry.Kind, alpha, next);
    }

    private static bool SoftmaxOverLastAxis(NodeProto node, int rank)
    {
        long axis = OnnxAttributes.Int(node, "axis", -1);
        return axis == -1 || axis == rank - 1;
    }

    private string ImportActivation(Network net, NodeProto node, OnnxActivations.Entry entry)
    {
        var (refusal, alpha) = entry.Read(node);
        if (refusal is not null) throw Fail(node, $"does not import: {refusal}");
        if (entry.Kind == ActivationKind.Softmax && !SoftmaxOverLastAxis(node, net.OutputShape.Rank + 1))
        {
            // Softmax over another axis (PyTorch's dim=1 on NCHW): the Activation layer's Axis.
            long axis = OnnxAttributes.Int(node, "axis", -1);
            int rank = net.OutputShape.Rank + 1;
            if (axis < 0) axis += rank;
            if (axis <= 0 || axis >= rank) throw Fail(node, $"is a Softmax over axis {OnnxAttributes.Int(node, "axis", -1)} of a rank-{rank} tensor; NeuralPS takes a Softmax over a sample's axes, not the batch's");
            net.Add(new Activation(ActivationKind.Softmax, null, LayerName(net, node), axis: (int)axis));
            return Finish(node);
        }
        net.Add(new Activation(entry.Kind, alpha, LayerName(net, node)));
        return Finish(node);
    }

    // --- Dense --------------------------------------------------------------------------------------

    private string ImportGemm(Network net, NodeProto node, string x)
    {
        if (OnnxAttributes.Float(node, "alpha", 1f) != 1f || OnnxAttributes.Float(node, "beta", 1f) != 1f || OnnxAttributes.Int(node, "transA", 0) != 0)
            throw Fail(node, "has alpha, beta or transA other than 1, 1, 0; NeuralPS imports Gemm as y = x·Wᵀ + b");
        if (net.OutputShape.Rank != 1) throw Fail(node, $"multiplies a {net.OutputShape} tensor; Gemm imports on (batch, features)");
        var wt = Const(node, 1, "weight");
        if (wt.Dims.Count != 2) throw Fail(node, $"has a weight of dims {Dims(wt)}, not a matrix");
        bool transB = OnnxAttributes.Int(node, "transB", 0) != 0;
        var w = OnnxTensors.Floats(wt, $"node '{node.Name}' weight");
        int rows = (int)wt.Dims[0], cols = (int)wt.Dims[1];
        int units = transB ? rows : cols, features = transB ? cols : rows;
        if (features != net.OutputShape[0]) throw Fail(node, $"has a weight of dims {Dims(wt)} for {net.OutputShape[0]} input features");
        if (!transB) w = Transpose(w, rows, cols);
        return AddDense(net, node, Finish(node), w, units, OptionalConst(node, 2, "bias"));
    }

    private string ImportMatMul(Network net, NodeProto node, string x)
    {
        var wt = Const(node, 1, "weight");
        if (wt.Dims.Count != 2) throw Fail(node, $"has a weight of dims {Dims(wt)}, not a matrix");
        if (net.OutputShape.Rank is not (1 or 2)) throw Fail(node, $"multiplies a {net.OutputShape} tensor; MatMul imports on (batch, features) or (batch, time, features)");
        int features = (int)wt.Dims[0], units = (int)wt.Dims[1];
        if (features != net.OutputShape[^1]) throw Fail(node, $"has a weight of dims {Dims(wt)} for {net.OutputShape[^1]} input features");
        var w = Transpose(OnnxTensors.Floats(wt, $"node '{node.Name}' weight"), features, units);
        string y = Finish(node);
        TensorProto? bias = null;
        if (Single(y) is { OpType: "Add" } add && add.Input.Count == 2)
        {
            int other = add.Input[0] == y ? 1 : 0;
            if (_constants.TryGetValue(add.Input[other], out var b) && OnnxTensors.Count(b, "bias") == units)
            {
                bias = b;
                y = Finish(add);
            }
        }
        return AddDense(net, node, y, w, units, bias);
    }

    private string AddDense(Network net, NodeProto node, string y, float[] weight, int units, TensorProto? biasTensor)
    {
        float[]? bias = null;
        if (biasTensor is not null)
        {
            bias = OnnxTensors.Floats(biasTensor, $"node '{node.Name}' bias");
            if (bias.Length == 1 && units > 1) bias = Enumerable.Repeat(bias[0], units).ToArray();
            if (bias.Length != units) throw Fail(node, $"has a bias of dims {Dims(biasTensor)} for {units} units");
        }
        var activation = FusableActivation(net, y, elementwiseOnly: false);
        var dense = new Dense(units, activation?.Kind ?? ActivationKind.None, bias is not null, activation?.Alpha ?? 0.01f, LayerName(net, node));
        net.Add(dense);
        Load(dense.Weight, weight, node, "weight");
        if (bias is not null) Load(dense.Bias!, bias, node, "bias");
        return activation is { } a ? Finish(a.Node) : y;
    }

    private static float[] Transpose(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }

    // --- convolution and pooling ----------------------------------------------------------------------

    private (PaddingMode Mode, int[]? Size) Padding(NodeProto node, int[] kernel, int[] stride, int[] dilation, Shape input)
    {
        string autoPad = OnnxAttributes.String(node, "auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "VALID": return (PaddingMode.Valid, null);
            case "SAME_UPPER": return (PaddingMode.Same, null);
            case "NOTSET": break;
            default: throw Fail(node, $"has auto_pad '{autoPad}'; NeuralPS pads as SAME_UPPER, VALID or explicitly");
        }
        var pads = OnnxAttributes.Ints(node, "pads") ?? new int[4];
        if (pads.Length != 4 || pads.Any(p => p < 0)) throw Fail(node, $"has pads [{string.Join(", ", pads)}]; 2-d ops need 4 non-negative pads");
        var (top, bottom, _) = ConvolutionGeometry.ResolveAxis(input[1], kernel[0], stride[0], dilation[0], PaddingMode.Same, 0, "height");
        var (left, right, _) = ConvolutionGeometry.ResolveAxis(input[2], kernel[1], stride[1], dilation[1], PaddingMode.Same, 0, "width");
        bool same = pads[0] == top && pads[2] == bottom && pads[1] == left && pads[3] == right;
        if (same && (node.DocString == OnnxExporter.SameDoc || top != bottom || left != right)) return (PaddingMode.Same, null);
        if (pads[0] == pads[2] && pads[1] == pads[3])
            return pads[0] == 0 && pads[1] == 0 ? (PaddingMode.Valid, null) : (PaddingMode.Explicit, new[] { pads[0], pads[1] });
        // Asymmetric pads other than what "Same" gives (the extra row/column at the bottom/right).
        throw Fail(node, $"pads [{string.Join(", ", pads)}] unevenly; NeuralPS pads symmetrically or as SAME_UPPER");
    }

    private int[] Pair(NodeProto node, string name, int fallback)
    {
        var v = OnnxAttributes.Ints(node, name);
        if (v is null) return new[] { fallback, fallback };
        if (v.Length != 2 || v.Any(i => i <= 0)) throw Fail(node, $"has {name} [{string.Join(", ", v)}]; 2-d ops need two positive values");
        return v;
    }

    private string ImportConv(Network net, NodeProto node, string x)
    {
        if (net.OutputShape.Rank != 3) throw Fail(node, $"convolves a {net.OutputShape} tensor; NeuralPS imports 2-d convolutions over (channels, height, width)");
        var wt = Const(node, 1, "weight");
        if (wt.Dims.Count != 4) throw Fail(node, $"has a weight of dims {Dims(wt)}; a 2-d convolution's is [filters, channels/groups, kh, kw]");
        var w = OnnxTensors.Floats(wt, $"node '{node.Name}' weight");
        int filters = (int)wt.Dims[0];
        var kernel = new[] { (int)wt.Dims[2], (int)wt.Dims[3] };
        if (OnnxAttributes.Ints(node, "kernel_shape") is { } ks && !ks.SequenceEqual(kernel))
            throw Fail(node, $"has kernel_shape [{string.Join(", ", ks)}] but a weight of dims {Dims(wt)}");
        var stride = Pair(node, "strides", 1);
        var dilation = Pair(node, "dilations", 1);
        int groups = (int)Math.Clamp(OnnxAttributes.Int(node, "group", 1), 0, int.MaxValue);
        if (groups <= 0 || wt.Dims[1] * groups != net.OutputShape[0])
            throw Fail(node, $"has a weight of dims {Dims(wt)} with group {groups} for {net.OutputShape[0]} input channels");
        var (mode, size) = Padding(node, kernel, stride, dilation, net.OutputShape);
        var biasTensor = OptionalConst(node, 2, "bias");
        float[]? bias = biasTensor is null ? null : OnnxTensors.Floats(biasTensor, $"node '{node.Name}' bias");
        if (bias is not null && bias.Length != filters) throw Fail(node, $"has a bias of dims {Dims(biasTensor!)} for {filters} filters");
        string y = Finish(node);
        var activation = FusableActivation(net, y, elementwiseOnly: true);
        var conv = new Conv2d(filters, kernel, stride, mode, size, dilation, groups, bias is not null,
            activation?.Kind ?? ActivationKind.None, activation?.Alpha ?? 0.01f, LayerName(net, node));
        net.Add(conv);
        Load(conv.Parameters[0], w, node, "weight");
        if (bias is not null) Load(conv.Parameters[1], bias, node, "bias");
        return activation is { } a ? Finish(a.Node) : y;
    }

    private string ImportPool(Network net, NodeProto node, string x, bool average)
    {
        if (net.OutputShape.Rank != 3) throw Fail(node, $"pools a {net.OutputShape} tensor; NeuralPS imports 2-d pooling over (channels, height, width)");
        if (OnnxAttributes.Int(node, "ceil_mode", 0) != 0) throw Fail(node, "rounds its output size up (ceil_mode = 1); NeuralPS rounds down");
        if (OnnxAttributes.Ints(node, "dilations") is { } d && d.Any(v => v != 1)) throw Fail(node, "has dilated windows, which NeuralPS' pooling does not");
        if (OnnxAttributes.Int(node, "storage_order", 0) != 0) throw Fail(node, "has storage_order 1");
        var kernel = OnnxAttributes.Ints(node, "kernel_shape") ?? throw Fail(node, "has no kernel_shape");
        if (kernel.Length != 2 || kernel.Any(k => k <= 0)) throw Fail(node, $"has kernel_shape [{string.Join(", ", kernel)}]; 2-d pooling needs two positive sizes");
        var stride = Pair(node, "strides", 1);
        var (mode, size) = Padding(node, kernel, stride, new[] { 1, 1 }, net.OutputShape);
        string? name = LayerName(net, node);
        Layer layer = average
            ? new AvgPool2d(kernel, stride, mode, size, OnnxAttributes.Int(node, "count_include_pad", 0) != 0, name)
            : new MaxPool2d(kernel, stride, mode, size, name);
        net.Add(layer);
        return Finish(node);
    }

    // GlobalAveragePool gives (batch, C, 1, 1); NeuralPS' GlobalAvgPool2d gives (batch, C): the node must be
    // followed by what drops the 1x1 (Flatten, a Reshape to (batch, C) or a Squeeze of axes 2 and 3).
    private string ImportGlobalAveragePool(Network net, NodeProto node, string x)
    {
        if (net.OutputShape.Rank != 3) throw Fail(node, $"pools a {net.OutputShape} tensor; NeuralPS imports it over (channels, height, width)");
        int channels = net.OutputShape[0];
        string y = Finish(node);
        var next = Single(y) ?? throw Fail(node, "is not followed by a Flatten (NeuralPS' global pooling outputs (batch, channels))");
        bool drops = next.OpType switch
        {
            "Flatten" => OnnxAttributes.Int(next, "axis", 1) == 1,
            "Reshape" => ReshapeTarget(next, new Shape(channels, 1, 1)) is { Length: 2 } t && (t[0] is 0 or -1) && (t[1] == channels || t[1] == -1 && t[0] == 0),
            "Squeeze" => SqueezeAxes(next) is { } axes && axes.Order().SequenceEqual(new long[] { 2, 3 }),
            _ => false,
        };
        if (!drops) throw Fail(next, "follows a GlobalAveragePool but does not flatten its (batch, channels, 1, 1) output, which NeuralPS' global pooling needs");
        net.Add(new GlobalAvgPool2d(LayerName(net, node)));
        return Finish(next);
    }

    /// <summary>A Reshape's target: a constant, or what PyTorch writes for x.view(x.size(0), -1) — a small
    /// computation on Shape(x) (<see cref="EvaluateShape"/>), evaluated here with the batch as 0 ("keep").</summary>
    private long[]? ReshapeTarget(NodeProto node, Shape dataShape)
    {
        if (OnnxAttributes.Int(node, "allowzero", 0) != 0) return null;
        if (node.Input.Count > 1 && !_constants.ContainsKey(node.Input[1]) && IsShapeExpression(node.Input[1], node.Input[0], 0))
        {
            var target = EvaluateShape(node.Input[1], node.Input[0], dataShape, 0);
            for (int i = 0; i < target.Length; i++)
            {
                if (target[i] == BatchMarker)
                {
                    if (i != 0) throw Fail(node, "moves the batch dimension");
                    target[i] = 0;
                }
            }
            return target;
        }
        return OnnxTensors.Integers(Const(node, 1, "shape"), $"node '{node.Name}' shape", OnnxTensors.MaxRank);
    }

    private const long BatchMarker = long.MinValue;
    private static readonly HashSet<string> ShapeOps = new(StringComparer.Ordinal) { "Shape", "Gather", "Unsqueeze", "Concat", "Cast", "Squeeze", "Constant" };

    private const int MaxShapeNodes = 64;

    // True when `value` is computed only from constants and Shape(data) by ops EvaluateShape knows, through at
    // most MaxShapeNodes distinct nodes (a visited set: a hostile DAG reusing values cannot blow up).
    private bool IsShapeExpression(string value, string data, int depth)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(value);
        while (stack.Count > 0)
        {
            string v = stack.Pop();
            if (!seen.Add(v) || _constants.ContainsKey(v)) continue;
            if (seen.Count > MaxShapeNodes) return false;
            if (!_producer.TryGetValue(v, out var node) || !ShapeOps.Contains(node.OpType)) return false;
            if (node.OpType == "Shape")
            {
                if (node.Input.Count != 1 || node.Input[0] != data || node.Attribute.Count != 0) return false;
                continue;
            }
            foreach (var input in node.Input) if (input.Length > 0) stack.Push(input);
        }
        return true;
    }

    // Values are int64 vectors (a scalar as one value); the batch is BatchMarker. Memoised per value, and a value
    // met again while it is being evaluated is a cycle.
    private long[] EvaluateShape(string value, string data, Shape dataShape, int depth) =>
        EvaluateShape(value, data, dataShape, new Dictionary<string, long[]?>(StringComparer.Ordinal));

    private long[] EvaluateShape(string value, string data, Shape dataShape, Dictionary<string, long[]?> memo)
    {
        if (memo.TryGetValue(value, out var known)) return known ?? throw Fail($"the shape computation of '{value}' is a cycle.");
        memo[value] = null;
        var result = EvaluateShapeNode(value, data, dataShape, memo);
        if (result.Length > OnnxTensors.MaxRank + 1) throw Fail($"the shape computed for '{value}' has {result.Length} dimensions.");
        memo[value] = result;
        return result;
    }

    private long[] EvaluateShapeNode(string value, string data, Shape dataShape, Dictionary<string, long[]?> memo)
    {
        if (_constants.TryGetValue(value, out var c)) return OnnxTensors.Integers(c, $"shape value '{value}'", OnnxTensors.MaxRank);
        var node = _producer[value];
        switch (node.OpType)
        {
            case "Shape":
                return new[] { BatchMarker }.Concat(dataShape.Select(d => (long)d)).ToArray();
            case "Cast":
            case "Squeeze":
            case "Unsqueeze":
                return EvaluateShape(node.Input[0], data, dataShape, memo);
            case "Concat":
                return node.Input.SelectMany(i => EvaluateShape(i, data, dataShape, memo)).ToArray();
            case "Gather":
            {
                if (node.Input.Count != 2) throw Fail(node, "must have two inputs");
                var from = EvaluateShape(node.Input[0], data, dataShape, memo);
                var index = EvaluateShape(node.Input[1], data, dataShape, memo);
                if (OnnxAttributes.Int(node, "axis", 0) != 0) throw Fail(node, "gathers a shape along an axis other than 0");
                return index.Select(i =>
                {
                    long k = i < 0 ? i + from.Length : i;
                    return k >= 0 && k < from.Length ? from[k] : throw Fail(node, $"picks index {i} of a shape of rank {from.Length}");
                }).ToArray();
            }
            default:
                throw Fail(node, "computes a shape in a way NeuralPS does not evaluate");
        }
    }

    private long[]? SqueezeAxes(NodeProto node)
    {
        if (node.Input.Count > 1 && node.Input[1].Length > 0) return OnnxTensors.Integers(Const(node, 1, "axes"), $"node '{node.Name}' axes", OnnxTensors.MaxRank);
        return OnnxAttributes.Ints(node, "axes")?.Select(i => (long)i).ToArray();
    }

    private string ImportBatchNorm(Network net, NodeProto node, string x)
    {
        if (net.OutputShape.Rank is not (1 or 3)) throw Fail(node, $"normalises a {net.OutputShape} tensor; NeuralPS' BatchNorm takes (features) or (channels, height, width)");
        if (OnnxAttributes.Int(node, "training_mode", 0) != 0) throw Fail(node, "is in training mode; export the model for inference (model.eval())");
        int c = net.OutputShape[0];
        var values = new float[4][];
        string[] what = { "scale", "bias", "mean", "variance" };
        for (int i = 0; i < 4; i++)
        {
            values[i] = OnnxTensors.Floats(Const(node, i + 1, what[i]), $"node '{node.Name}' {what[i]}");
            if (values[i].Length != c) throw Fail(node, $"has {values[i].Length} {what[i]} values for {c} channels");
        }
        double epsilon = Shortest(OnnxAttributes.Float(node, "epsilon", 1e-5f));
        double momentum = Shortest((float)(1 - Shortest(OnnxAttributes.Float(node, "momentum", 0.9f))));
        var bn = new BatchNorm(Math.Clamp(momentum, 0, 1), epsilon, LayerName(net, node));
        net.Add(bn);
        Load(bn.Parameters[0], values[0], node, "scale");
        Load(bn.Parameters[1], values[1], node, "bias");
        values[2].CopyTo(bn.RunningMean.Span);
        values[3].CopyTo(bn.RunningVariance.Span);
        return Finish(node);
    }

    /// <summary>The double a float attribute was written from (1e-5f → 1e-5, not 9.99999974737875e-06).</summary>
    private static double Shortest(float f) => double.Parse(f.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // --- reshaping, dropout ---------------------------------------------------------------------------

    private string ImportFlatten(Network net, NodeProto node, string x)
    {
        long axis = OnnxAttributes.Int(node, "axis", 1);
        if (axis != 1 && !(axis == -1 && net.OutputShape.Rank == 1))
            throw Fail(node, $"flattens from axis {axis}; NeuralPS flattens everything but the batch (axis 1)");
        net.Add(new Flatten(LayerName(net, node)));
        return Finish(node);
    }

    private string ImportReshape(Network net, NodeProto node, string x)
    {
        var shape = net.OutputShape;
        var target = ReshapeTarget(node, shape) ?? throw Fail(node, "has allowzero = 1");
        bool batchFirst = target.Length > 0 && (target[0] is 0 or -1);
        if (batchFirst && target.Length == 2 && (target[1] == shape.Size || target[1] == -1 && target[0] == 0))
        {
            if (shape.Rank > 1) net.Add(new Flatten(LayerName(net, node)));
            return Finish(node);
        }
        if (batchFirst && target.Length == shape.Rank + 1)
        {
            bool same = true;
            for (int i = 1; i < target.Length; i++) same &= target[i] == 0 || target[i] == shape[i - 1];
            if (same) return Finish(node);
        }
        throw Fail(node, $"reshapes {shape} to [{string.Join(", ", target)}]; NeuralPS imports reshapes that flatten (to (batch, {shape.Size}))");
    }

    private string ImportDropout(Network net, NodeProto node, string x)
    {
        double rate = 0.5;
        if (OptionalConst(node, 1, "ratio") is { } ratio)
        {
            var r = OnnxTensors.Floats(ratio, $"node '{node.Name}' ratio");
            if (r.Length != 1) throw Fail(node, "has a ratio that is not one number");
            rate = Shortest(r[0]);
        }
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var mode = OptionalConst(node, 2, "training_mode");
            if (mode is null || !OnnxTensors.IsAllZero(mode, "training_mode")) throw Fail(node, "runs in training mode; NeuralPS imports Dropout's inference form");
        }
        string? name = LayerName(net, node);
        net.Add(node.DocString == "NeuralPS Dropout2d" && net.OutputShape.Rank == 3 ? new Dropout2d(rate, name) : new Dropout(rate, name));
        return Finish(node);
    }

    // --- recurrent layers -----------------------------------------------------------------------------

    private string ImportTransposedRecurrent(Network net, NodeProto node, string x)
    {
        var perm = OnnxAttributes.Ints(node, "perm");
        var next = Single(node.Output.Count > 0 ? node.Output[0] : "");
        if (perm is not null && perm.SequenceEqual(new[] { 1, 0, 2 }) && net.OutputShape.Rank == 2 && next is { OpType: "LSTM" or "GRU" or "RNN" })
        {
            Finish(node);
            return ImportRecurrent(net, next, node.Output[0], batchMajor: false);
        }
        throw Fail(node, $"transposes with perm [{string.Join(", ", perm ?? Array.Empty<int>())}]; NeuralPS imports a Transpose only as (batch, time) → (time, batch) in front of an LSTM, GRU or RNN");
    }

    private static readonly Dictionary<string, string[]> DefaultActivations = new()
    {
        ["LSTM"] = new[] { "Sigmoid", "Tanh", "Tanh" },
        ["GRU"] = new[] { "Sigmoid", "Tanh" },
        ["RNN"] = new[] { "Tanh" },
    };

    private void CheckZeroState(NodeProto node, int index, string what)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0) return;
        string v = node.Input[index];
        if (_constants.TryGetValue(v, out var t))
        {
            if (OnnxTensors.IsAllZero(t, $"node '{node.Name}' {what}")) return;
        }
        else if (_producer.TryGetValue(v, out var p) && p.OpType == "ConstantOfShape")
        {
            var value = OnnxAttributes.Find(p, "value")?.T;
            if (value is null || OnnxTensors.IsAllZero(value, $"node '{p.Name}' value")) return;
        }
        throw Fail(node, $"starts from a given {what} ('{v}'); NeuralPS' recurrent layers start from zeros");
    }

    private string ImportRecurrent(Network net, NodeProto node, string x, bool batchMajor)
    {
        string op = node.OpType;
        if (_done.Contains(node)) throw Fail(node, "is reached twice (the graph has a cycle)");
        if ((OnnxAttributes.Int(node, "layout", 0) != 0) != batchMajor)
            throw Fail(node, batchMajor ? "reads (time, batch, features) but its input is (batch, time, features); a Transpose must come first" : "has layout 1 after a Transpose");
        if (net.OutputShape.Rank != 2) throw Fail(node, $"reads a {net.OutputShape} tensor; recurrent layers take (time, features)");
        int time = net.OutputShape[0], features = net.OutputShape[1];
        if (node.Input.Count > 4 && node.Input[4].Length > 0) throw Fail(node, "has sequence_lens; NeuralPS' recurrent layers read whole sequences");
        CheckZeroState(node, 5, "initial_h");
        CheckZeroState(node, 6, "initial_c");
        if (node.Input.Count > 7 && node.Input[7].Length > 0) throw Fail(node, "has peephole weights (P), which NeuralPS' LSTM does not");
        string direction = OnnxAttributes.String(node, "direction", "forward");
        if (direction is not ("forward" or "bidirectional")) throw Fail(node, $"runs in direction '{direction}'; NeuralPS reads forward or bidirectional");
        int directions = direction == "bidirectional" ? 2 : 1;
        if (OnnxAttributes.Find(node, "activations") is { } acts)
        {
            var expected = Enumerable.Repeat(DefaultActivations[op], directions).SelectMany(a => a).ToArray();
            var given = acts.Strings.Select(s => s.ToStringUtf8()).ToArray();
            if (!given.SequenceEqual(expected, StringComparer.OrdinalIgnoreCase))
                throw Fail(node, $"uses activations [{string.Join(", ", given)}]; NeuralPS' {op} uses [{string.Join(", ", expected)}]");
        }
        if (OnnxAttributes.Find(node, "clip") is not null) throw Fail(node, "clips its cell input, which NeuralPS does not");
        if (OnnxAttributes.Int(node, "input_forget", 0) != 0) throw Fail(node, "couples the input and forget gates (input_forget = 1)");
        if (op == "GRU" && OnnxAttributes.Int(node, "linear_before_reset", 0) != 1)
            throw Fail(node, "has linear_before_reset = 0; NeuralPS' GRU (as PyTorch's) applies the reset gate after the recurrent product (linear_before_reset = 1)");

        var order = OnnxExporter.OnnxGateOrder(op);
        int gates = order.Length;
        long hiddenAttr = OnnxAttributes.Int(node, "hidden_size", -1);
        var wt = Const(node, 1, "W");
        var rt = Const(node, 2, "R");
        if (wt.Dims.Count != 3 || wt.Dims[0] != directions || wt.Dims[1] % gates != 0 || wt.Dims[2] != features)
            throw Fail(node, $"has W of dims {Dims(wt)}; expected [{directions}, {gates}·hidden, {features}]");
        int h = (int)(wt.Dims[1] / gates);
        if (h <= 0 || hiddenAttr != -1 && hiddenAttr != h) throw Fail(node, $"has hidden_size {hiddenAttr} but W of dims {Dims(wt)}");
        if (rt.Dims.Count != 3 || rt.Dims[0] != directions || rt.Dims[1] != (long)gates * h || rt.Dims[2] != h)
            throw Fail(node, $"has R of dims {Dims(rt)}; expected [{directions}, {gates * h}, {h}]");
        var bt = OptionalConst(node, 3, "B");
        if (bt is not null && (bt.Dims.Count != 2 || bt.Dims[0] != directions || bt.Dims[1] != 2L * gates * h))
            throw Fail(node, $"has B of dims {Dims(bt)}; expected [{directions}, {2 * gates * h}]");
        var w = OnnxTensors.Floats(wt, $"node '{node.Name}' W");
        var r = OnnxTensors.Floats(rt, $"node '{node.Name}' R");
        var b = bt is null ? null : OnnxTensors.Floats(bt, $"node '{node.Name}' B");

        _done.Add(node);
        bool Used(int i) => i < node.Output.Count && node.Output[i].Length > 0 && (Consumers(node.Output[i]).Count > 0 || node.Output[i] == _output);
        if (Used(2)) throw Fail(node, "uses its cell state output Y_c, which NeuralPS' LSTM does not output");
        bool sequences = Used(0);
        if (sequences == Used(1)) throw Fail(node, "must use exactly one of its outputs Y (every step) and Y_h (the last state)");

        // Follow the output through Transposes/Reshapes/Squeezes until it is (batch, time, D·H) or (batch, D·H).
        var axes = sequences
            ? (batchMajor ? new List<(char, int)> { ('N', -1), ('T', time), ('D', directions), ('H', h) } : new List<(char, int)> { ('T', time), ('D', directions), ('N', -1), ('H', h) })
            : (batchMajor ? new List<(char, int)> { ('N', -1), ('D', directions), ('H', h) } : new List<(char, int)> { ('D', directions), ('N', -1), ('H', h) });
        string y = node.Output[sequences ? 0 : 1];
        while (!IsRecurrentOutput(axes, sequences))
        {
            var next = Single(y) ?? throw Fail(node, $"output '{y}' is not brought to (batch, {(sequences ? "time, " : "")}directions·hidden) by the nodes after it");
            axes = RecurrentLayout(next, axes, directions * h);
            y = Finish(next);
        }

        string? name = LayerName(net, node);
        RecurrentLayer layer = op switch
        {
            "LSTM" => new LSTM(h, sequences, directions == 2, b is not null, name),
            "GRU" => new GRU(h, sequences, directions == 2, b is not null, name),
            _ => new SimpleRNN(h, sequences, directions == 2, b is not null, name),
        };
        net.Add(layer);
        for (int d = 0; d < directions; d++)
        {
            string suffix = d == 0 ? "" : "_reverse";
            var wih = layer.GetParameter("weight_ih" + suffix).Value.Span;
            var whh = layer.GetParameter("weight_hh" + suffix).Value.Span;
            for (int k = 0; k < gates; k++)
            {
                int dst = order[k];
                w.AsSpan((d * gates + k) * h * features, h * features).CopyTo(wih.Slice(dst * h * features));
                r.AsSpan((d * gates + k) * h * h, h * h).CopyTo(whh.Slice(dst * h * h));
                if (b is not null)
                {
                    b.AsSpan(d * 2 * gates * h + k * h, h).CopyTo(layer.GetParameter("bias_ih" + suffix).Value.Span.Slice(dst * h));
                    b.AsSpan(d * 2 * gates * h + (gates + k) * h, h).CopyTo(layer.GetParameter("bias_hh" + suffix).Value.Span.Slice(dst * h));
                }
            }
        }
        return y;
    }

    private static bool IsRecurrentOutput(List<(char Name, int Size)> axes, bool sequences)
    {
        bool hasD = axes.Any(a => a.Name == 'D');
        var names = new string(axes.Select(a => a.Name).ToArray());
        return !hasD && names == (sequences ? "NTM" : "NM") || !hasD && names == (sequences ? "NTH" : "NH");
    }

    private List<(char Name, int Size)> RecurrentLayout(NodeProto node, List<(char Name, int Size)> axes, int merged)
    {
        switch (node.OpType)
        {
            case "Transpose":
            {
                var perm = OnnxAttributes.Ints(node, "perm");
                if (perm is null || perm.Length != axes.Count || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
                    throw Fail(node, "has no valid permutation of the recurrent output's axes");
                return perm.Select(p => axes[p]).ToList();
            }
            case "Squeeze":
            case "Gather":
            {
                long axis;
                if (node.OpType == "Squeeze")
                {
                    var list = SqueezeAxes(node);
                    if (list is null || list.Length != 1) throw Fail(node, "must squeeze one axis of the recurrent output");
                    axis = list[0];
                }
                else
                {
                    axis = OnnxAttributes.Int(node, "axis", 0);
                    var index = Const(node, 1, "indices");
                    if (index.Dims.Count != 0) throw Fail(node, "must pick one index of the recurrent output (a scalar)");
                    long i = OnnxTensors.Integers(index, $"node '{node.Name}' indices", 1)[0];
                    if (i is not (0 or -1)) throw Fail(node, $"picks index {i} of an axis of size 1");
                }
                if (axis < 0) axis += axes.Count;
                if (axis < 0 || axis >= axes.Count || axes[(int)axis].Size != 1)
                    throw Fail(node, "removes an axis of the recurrent output whose size is not 1 (for a bidirectional layer, keep both directions)");
                var copy = new List<(char, int)>(axes);
                copy.RemoveAt((int)axis);
                return copy;
            }
            case "Flatten" when OnnxAttributes.Int(node, "axis", 1) == 1 && axes.Count == 3 && axes[0].Name == 'N' && axes[1].Name == 'D' && axes[2].Name == 'H':
                return new List<(char, int)> { axes[0], ('M', merged) };
            case "Reshape":
            {
                if (axes[0].Name != 'N' && node.Input.Count > 1 && !_constants.ContainsKey(node.Input[1]))
                    throw Fail(node, "computes its target shape in the graph where the batch is not the first axis");
                var target = ReshapeTarget(node, new Shape(axes.Select(a => Math.Max(1, a.Size)).ToArray()[1..])) ?? throw Fail(node, "has allowzero = 1");
                foreach (var candidate in ReshapeCandidates(axes, merged))
                {
                    if (Matches(target, axes, candidate)) return candidate;
                }
                throw Fail(node, $"reshapes the recurrent output ({string.Join(", ", axes.Select(a => a.Name))}) to [{string.Join(", ", target)}], which NeuralPS does not import");
            }
            default:
                throw Fail(node, "follows a recurrent layer but is not a Transpose, Reshape, Squeeze or Gather bringing its output to (batch, ..., directions·hidden)");
        }
    }

    private static IEnumerable<List<(char Name, int Size)>> ReshapeCandidates(List<(char Name, int Size)> axes, int merged)
    {
        int n = axes.Count;
        if (n >= 2 && axes[n - 2].Name == 'D' && axes[n - 1].Name == 'H')
        {
            var c = axes.Take(n - 2).ToList();
            c.Add(('M', merged));
            yield return c;
        }
        for (int i = 0; i < n; i++)
        {
            if (axes[i].Name == 'D' && axes[i].Size == 1)
            {
                var c = new List<(char, int)>(axes);
                c.RemoveAt(i);
                yield return c;
            }
        }
        yield return axes;
    }

    private static bool Matches(long[] target, List<(char Name, int Size)> input, List<(char Name, int Size)> result)
    {
        if (target.Length != result.Count) return false;
        int minusOnes = 0;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == 0)
            {
                if (i >= input.Count || input[i] != result[i]) return false;
            }
            else if (t == -1)
            {
                if (++minusOnes > 1) return false;
            }
            else if (result[i].Size != t)
            {
                return false;
            }
        }
        return true;
    }

    // --- embedding ------------------------------------------------------------------------------------

    private string ImportEmbedding(Network net, NodeProto node, string x)
    {
        long to = OnnxAttributes.Int(node, "to", 0);
        var gather = Single(node.Output.Count > 0 ? node.Output[0] : "");
        if (to is not ((long)DataType.Int64 or (long)DataType.Int32) || gather is not { OpType: "Gather" } || gather.Input.Count != 2 || gather.Input[1] != node.Output[0])
            throw Fail(node, "is a Cast that does not turn token ids into the indices of a Gather (an embedding lookup)");
        if (net.OutputShape.Rank != 1) throw Fail(gather, $"looks up ids of a {net.OutputShape} tensor; an embedding reads (time,) ids");
        if (OnnxAttributes.Int(gather, "axis", 0) != 0) throw Fail(gather, "gathers along an axis other than 0");
        var table = Const(gather, 0, "table");
        if (table.Dims.Count != 2) throw Fail(gather, $"looks up rows of a table of dims {Dims(table)}, not a matrix");
        var values = OnnxTensors.Floats(table, $"node '{gather.Name}' table");
        int padding = -1;
        const string marker = "NeuralPS Embedding paddingIndex=";
        if (gather.DocString.StartsWith(marker, StringComparison.Ordinal) && int.TryParse(gather.DocString.AsSpan(marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int p))
            padding = p;
        Finish(node);
        var e = new Embedding((int)table.Dims[0], (int)table.Dims[1], padding, LayerName(net, gather));
        net.Add(e);
        Load(e.Weight, values, gather, "table");
        return Finish(gather);
    }

    // --- residual blocks ------------------------------------------------------------------------------

    private string ImportResidual(Network net, string x, NodeProto a, NodeProto b, int depth)
    {
        if (depth >= MaxDepth) throw Fail($"residual blocks are nested more than {MaxDepth} deep.");
        // Identity skip: one reader is the Add itself.
        NodeProto? add = null, innerStart = null, projection = null;
        if (a.OpType == "Add" && a.Input.Contains(x)) (add, innerStart) = (a, b);
        else if (b.OpType == "Add" && b.Input.Contains(x)) (add, innerStart) = (b, a);
        else
        {
            foreach (var (p, q) in new[] { (a, b), (b, a) })
            {
                if (p.OpType is not ("Conv" or "Gemm") || p.Output.Count == 0) continue;
                if (Single(p.Output[0]) is { OpType: "Add" } join && join.Input.Count == 2)
                {
                    if (projection is not null && !IsOneByOne(p)) continue;
                    (projection, innerStart, add) = (p, q, join);
                }
            }
            if (projection is null)
                throw Fail($"the value '{x}' is read by '{a.Name}' ({a.OpType}) and '{b.Name}' ({b.OpType}), which do not form a residual block (the identity or a single Conv/Gemm projection added to the other branch).");
        }
        if (add!.Input.Count != 2) throw Fail(add, "must add two values");
        string skipValue = projection?.Output[0] ?? x;
        string innerEnd = add.Input[0] == skipValue ? add.Input[1] : add.Input[0];

        var inner = new Network(net.Name + "/block", net.OutputShape, 0);
        string first = Match(inner, innerStart!, x, depth + 1);
        WalkChain(inner, first, innerEnd, depth + 1);
        if (inner.Layers.Count == 0) throw Fail(add, "adds a branch with no layers");

        Network? projected = null;
        if (projection is not null)
        {
            projected = new Network(net.Name + "/projection", net.OutputShape, 0);
            string after = projection.OpType == "Conv" ? ImportConv(projected, projection, x) : ImportGemm(projected, projection, x);
            if (after != skipValue || projected.Layers.Count != 1) throw Fail(projection, "is a residual projection followed by an activation; NeuralPS' projection is linear");
        }
        string sum = Finish(add);
        var activation = FusableActivation(net, sum, elementwiseOnly: true);

        // Inner layer names were written as "block/layer"; inside the block they are the layer's own.
        string scope = add.Name + "/";
        var copies = inner.Layers.Select(l => LayerRegistry.Create(Unscoped(l.ToSpec(), scope))).ToList();
        var block = new Residual(copies, activation?.Kind ?? ActivationKind.None, activation?.Alpha ?? 0.01f, LayerName(net, add));
        net.Add(block);
        for (int i = 0; i < copies.Count; i++) CopyState(inner.Layers[i], copies[i]);
        if ((block.Projection is null) != (projected is null))
            throw Fail(add, block.Projection is null
                ? "adds a projection of the input where the shapes already match; NeuralPS' residual block projects only when they differ"
                : "adds the input unchanged to a branch of another shape");
        if (projected is not null)
        {
            var source = projected.Layers[0];
            var target = block.Projection!;
            if (source is Conv2d sc && target is Conv2d tc && (!sc.KernelSize.SequenceEqual(new[] { 1, 1 }) || !sc.Stride.SequenceEqual(tc.Stride) || sc.Padding != PaddingMode.Valid || sc.Groups != 1 || sc.Dilation.Any(v => v != 1)))
                throw Fail(projection!, $"is a residual projection NeuralPS does not build (it projects with a 1x1 convolution of stride {tc.Stride[0]}x{tc.Stride[1]}, no padding)");
            if (source.Type != target.Type) throw Fail(projection!, $"is a {source.Type} projection where NeuralPS' block projects with a {target.Type}");
            Load(target.Parameters[0], source.Parameters[0].Value.ToArray(), projection!, "weight");
            if (source.Parameters.Count > 1) Load(target.Parameters[1], source.Parameters[1].Value.ToArray(), projection!, "bias");
            else target.Parameters[1].Value.Clear();
        }
        return activation is { } act ? Finish(act.Node) : sum;
    }

    private static LayerSpec Unscoped(LayerSpec spec, string scope)
    {
        if (!spec.Name.StartsWith(scope, StringComparison.Ordinal) || spec.Name.Length == scope.Length) return spec;
        var copy = new LayerSpec(spec.Type, spec.Name[scope.Length..]);
        foreach (var (key, value) in spec.Settings) copy.Settings[key] = value;
        copy.Children.AddRange(spec.Children);
        return copy;
    }

    private bool IsOneByOne(NodeProto conv) =>
        conv.OpType == "Conv" && OnnxAttributes.Ints(conv, "kernel_shape") is [1, 1];

    private static void CopyState(Layer from, Layer to)
    {
        for (int i = 0; i < from.Parameters.Count; i++) from.Parameters[i].Value.Span.CopyTo(to.Parameters[i].Value.Span);
        for (int i = 0; i < from.Buffers.Count; i++) from.Buffers[i].Value.Span.CopyTo(to.Buffers[i].Value.Span);
    }

    // --- preprocessing written by NeuralPS ------------------------------------------------------------

    private string ImportPreprocessing(Network net, string x, Dictionary<string, string> metadata, List<FeatureColumn>? columns)
    {
        float scale = 1f;
        float[]? mean = null, std = null;
        int size = net.InputShape.Size;
        if (Single(x) is { OpType: "Mul" } mul && OtherConst(mul, x) is { } s && OnnxTensors.Count(s, "scale") == 1)
        {
            scale = OnnxTensors.Floats(s, $"node '{mul.Name}' scale")[0];
            x = Finish(mul);
        }
        if (Single(x) is { OpType: "Sub" } sub && sub.Input.Count == 2 && sub.Input[0] == x && _constants.TryGetValue(sub.Input[1], out var m)
            && Single(sub.Output[0]) is { OpType: "Div" } div && div.Input.Count == 2 && div.Input[0] == sub.Output[0] && _constants.TryGetValue(div.Input[1], out var sd))
        {
            mean = OnnxTensors.Floats(m, $"node '{sub.Name}' mean");
            std = OnnxTensors.Floats(sd, $"node '{div.Name}' std");
            if (mean.Length != size || std.Length != size) throw Fail(sub, $"standardises with {mean.Length} means and {std.Length} deviations for {size} inputs");
            Finish(sub);
            x = Finish(div);
        }
        var names = OnnxReader.StringList(metadata, OnnxFormat.FeatureNamesKey, _source);
        if (names is not null && names.Length != size) names = null;
        metadata.TryGetValue(OnnxFormat.LabelNameKey, out var label);
        try
        {
            net.Preprocessor = columns is not null
                ? new FeaturePreprocessor(columns, mean, std, label)
                : new FeaturePreprocessor(names, scale, mean, std) { LabelName = string.IsNullOrEmpty(label) ? null : label };
        }
        catch (InvalidConfigurationException e)
        {
            throw Fail($"its preprocessing nodes are invalid: {e.Message}");
        }
        return x;
    }

    private TensorProto? OtherConst(NodeProto node, string x)
    {
        if (node.Input.Count != 2) return null;
        string other = node.Input[0] == x ? node.Input[1] : node.Input[0];
        return _constants.TryGetValue(other, out var t) ? t : null;
    }
}
