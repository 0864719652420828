using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using static NeuralPS.Core.Onnx.OnnxGraphBuilder;
using DataType = NeuralPS.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace NeuralPS.Core.Onnx;

/// <summary>What <see cref="OnnxExporter"/> writes besides the network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Only the network: no preprocessing nodes in front, no label output (raw network input in,
    /// network output out). Class and feature names still go into the metadata.</summary>
    public bool Bare { get; init; }

    /// <summary>Write NaN/Inf weights (a diverged training) instead of refusing.</summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>Writes a <see cref="Network"/> as an ONNX model (opset 17, or 20 when a GELU needs the Gelu op):
///   input "input" float [batch, ..raw input shape]
///     → the fitted preprocessing (Mul by the scale, Sub the mean, Div by the std), unless Bare
///     → one group of nodes per layer (<see cref="Writers"/>: one entry per layer type)
///   → output "output" float [batch, ..output shape]; for a classifier also "label" string [batch]
///     (ArgMax, or the 0.5 threshold of a single sigmoid output, looked up in the class names).
/// Weights are written bit for bit (raw little-endian float32), in ONNX's layouts: LSTM gates reordered
/// from PyTorch's i,f,g,o to ONNX's i,o,f,c, GRU's r,z,n to z,r,h (with linear_before_reset = 1, PyTorch's
/// and NeuralPS' form), BatchNorm momentum as ONNX's (1 − PyTorch's). Layer names become node names.</summary>
public static class OnnxExporter
{
    /// <summary>Marks a Conv/pool whose explicit pads NeuralPS computed from "Same" padding, so that an import
    /// gives the layer back with Same (the pads alone would read as explicit padding, which computes the same).</summary>
    internal const string SameDoc = "NeuralPS padding=Same";

    private delegate string LayerWriter(OnnxGraphBuilder g, Layer layer, string input);

    // One entry per layer type that has an ONNX form.
    private static readonly Dictionary<string, LayerWriter> Writers = new(StringComparer.Ordinal)
    {
        ["Dense"] = (g, l, x) => WriteDense(g, (Dense)l, x),
        ["Activation"] = (g, l, x) => WriteActivation(g, (Activation)l, x),
        ["Conv2d"] = (g, l, x) => WriteConv(g, (Conv2d)l, x),
        ["MaxPool2d"] = (g, l, x) => WritePool(g, (Pool2dLayer)l, "MaxPool", x),
        ["AvgPool2d"] = (g, l, x) => WritePool(g, (Pool2dLayer)l, "AveragePool", x),
        ["GlobalAvgPool2d"] = (g, l, x) =>
            g.Node("Flatten", l.Name + "/flatten", new[] { g.Node("GlobalAveragePool", l.Name, new[] { x }, l.Name + "_pooled") }, l.Name, Attr("axis", 1L)),
        ["BatchNorm"] = (g, l, x) => WriteBatchNorm(g, (BatchNorm)l, x),
        ["Flatten"] = (g, l, x) => g.Node("Flatten", l.Name, new[] { x }, l.Name, Attr("axis", 1L)),
        ["Dropout"] = (g, l, x) => WriteDropout(g, l, ((Dropout)l).Rate, x),
        ["Dropout2d"] = (g, l, x) => WriteDropout(g, l, ((Dropout2d)l).Rate, x),
        ["Residual"] = (g, l, x) => WriteResidual(g, (Residual)l, x),
        ["SimpleRNN"] = (g, l, x) => WriteRecurrent(g, (RecurrentLayer)l, x),
        ["LSTM"] = (g, l, x) => WriteRecurrent(g, (RecurrentLayer)l, x),
        ["GRU"] = (g, l, x) => WriteRecurrent(g, (RecurrentLayer)l, x),
        ["Embedding"] = (g, l, x) => WriteEmbedding(g, (Embedding)l, x),
    };

    /// <summary>The layer types that export.</summary>
    public static IReadOnlyCollection<string> LayerTypes => Writers.Keys;

    public static void Save(Network network, string path, OnnxExportOptions? options = null) =>
        AtomicFile.Write(path, Encode(network, options));

    public static byte[] Encode(Network network, OnnxExportOptions? options = null) => Build(network, options).ToByteArray();

    internal static ModelProto Build(Network network, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new OnnxExportOptions();
        if (network.Layers.Count == 0) throw new InvalidConfigurationException($"Network '{network.Name}' has no layers to export.");
        if (!options.AllowNonFinite)
        {
            foreach (var layer in network.Layers)
            {
                foreach (var p in layer.Parameters)
                {
                    if (!FiniteCheck.AllFinite(p.Value.Span))
                        throw new InvalidConfigurationException($"Network '{network.Name}', layer '{layer.Name}': parameter '{p.Name}' holds NaN or infinite values (a diverged training); export refused (use -AllowNonFinite to write it anyway).");
                }
            }
        }

        var g = new OnnxGraphBuilder(network.Name);
        g.Reserve(OnnxFormat.OutputName);
        g.Reserve(OnnxFormat.LabelOutputName);
        var pre = network.Preprocessor;
        bool preprocessing = !options.Bare && pre is not null;
        string x, input;
        bool columnInputs = preprocessing && pre!.Columns is { } columns && columns.Any(c => c.Kind == Data.FeatureKind.Categorical);
        if (columnInputs)
        {
            // One input per record column (float or string [batch, 1]), one-hot encoded in the graph.
            input = x = WriteColumns(g, network, pre!.Columns!);
        }
        else
        {
            input = g.Reserve(OnnxFormat.InputName);
            var inputDims = new List<object> { "batch" };
            foreach (int d in network.InputShape) inputDims.Add(d);
            g.Graph.Input.Add(TensorInfo(input, DataType.Float, inputDims.ToArray()));
            x = input;
        }
        if (preprocessing) x = WritePreprocessing(g, network, pre!, x);
        foreach (var layer in network.Layers) x = WriteLayer(g, layer, x);

        // The last node's output becomes "output" (an Identity if it is the input itself).
        if (x == input || !RenameLastOutput(g, x, OnnxFormat.OutputName))
            g.Node("Identity", "output", new[] { x }, OnnxFormat.OutputName);
        var outputDims = new List<object> { "batch" };
        foreach (int d in network.OutputShape) outputDims.Add(d);
        g.Graph.Output.Add(TensorInfo(OnnxFormat.OutputName, DataType.Float, outputDims.ToArray()));

        if (!options.Bare && network.ClassNames is { Count: > 0 } names && network.OutputShape.Rank == 1)
            WriteLabel(g, network, names);

        int opset = g.RequiredOpset;
        var model = new ModelProto
        {
            IrVersion = OnnxFormat.IrVersionFor(opset),
            ProducerName = OnnxFormat.Producer,
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0",
            Graph = g.Graph,
            DocString = $"NeuralPS network '{network.Name}': {network.Layers.Count} layers, {network.ParameterCount:N0} parameters.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        AddMetadata(model, network, preprocessing, columnInputs);
        return model;
    }

    private static string WriteLayer(OnnxGraphBuilder g, Layer layer, string input)
    {
        if (!Writers.TryGetValue(layer.Type, out var writer))
            throw new InvalidConfigurationException($"Layer '{layer.Name}' ({layer.Type}) has no ONNX form; layers that export: {string.Join(", ", Writers.Keys.Order())}.");
        return writer(g, layer, input);
    }

    private static bool RenameLastOutput(OnnxGraphBuilder g, string value, string newName)
    {
        for (int i = g.Graph.Node.Count - 1; i >= 0; i--)
        {
            var node = g.Graph.Node[i];
            int k = node.Output.IndexOf(value);
            if (k < 0) continue;
            // Only when nothing else reads the value (a label node added later reads "output").
            foreach (var other in g.Graph.Node) if (other.Input.Contains(value)) return false;
            node.Output[k] = newName;
            return true;
        }
        return false;
    }

    // Record columns as graph inputs: a numeric column is float [batch, 1]; a categorical one is string
    // [batch, 1], one-hot encoded as Equal with its categories (string Equal: opset 19) and a Cast to float;
    // all concatenated in the network's input order. A category not seen in training gives all zeros.
    private static string WriteColumns(OnnxGraphBuilder g, Network network, IReadOnlyList<Data.FeatureColumn> columns)
    {
        if (network.InputShape.Rank != 1 || columns.Sum(c => c.Width) != network.InputShape[0])
            throw new InvalidConfigurationException($"Network '{network.Name}': its record columns describe {columns.Sum(c => c.Width)} inputs but the network takes {network.InputShape}.");
        g.RequireOpset(19);
        var parts = new List<string>();
        foreach (var column in columns)
        {
            string name = column.Name is OnnxFormat.OutputName or OnnxFormat.LabelOutputName ? g.Fresh("input." + column.Name) : g.Fresh(column.Name);
            bool categorical = column.Kind == Data.FeatureKind.Categorical;
            g.Graph.Input.Add(TensorInfo(name, categorical ? DataType.String : DataType.Float, "batch", 1));
            if (!categorical)
            {
                parts.Add(name);
                continue;
            }
            string categories = g.Strings(column.Name + ".categories", column.Categories!);
            string hit = g.Node("Equal", "preprocess/" + column.Name + "/one_hot", new[] { name, categories }, column.Name + "_is");
            parts.Add(g.Node("Cast", "preprocess/" + column.Name + "/to_float", new[] { hit }, column.Name + "_one_hot", Attr("to", (long)DataType.Float)));
        }
        return g.Node("Concat", "preprocess/columns", parts.ToArray(), "features", Attr("axis", 1L));
    }

    private static string WritePreprocessing(OnnxGraphBuilder g, Network network, Data.FeaturePreprocessor pre, string input)
    {
        string x = input;
        if (pre.Scale != 1f) x = g.Node("Mul", "preprocess/scale", new[] { x, g.Scalar("preprocess_scale", pre.Scale) }, "scaled");
        if (pre.Mean is { } mean && pre.Std is { } std)
        {
            if (mean.Length != network.InputShape.Size)
                throw new InvalidConfigurationException($"Network '{network.Name}': its standardisation has {mean.Length} statistics but the input has {network.InputShape.Size} values.");
            var dims = network.InputShape.ToArray().Select(d => (long)d).ToArray();
            x = g.Node("Sub", "preprocess/center", new[] { x, g.Floats("preprocess_mean", mean, dims) }, "centered");
            x = g.Node("Div", "preprocess/standardize", new[] { x, g.Floats("preprocess_std", std, dims) }, "standardized");
        }
        return x;
    }

    private static void WriteLabel(OnnxGraphBuilder g, Network network, IReadOnlyList<string> names)
    {
        int outputs = network.OutputShape[0];
        string classes = g.Strings("class_names", names);
        string index;
        if (outputs == 1)
        {
            if (names.Count != 2) return; // a single output with other than two names has no label to give
            bool probabilities = LastActivation(network) == ActivationKind.Sigmoid;
            string above = g.Node("Greater", "label/threshold", new[] { OnnxFormat.OutputName, g.Scalar("label_threshold", probabilities ? 0.5f : 0f) }, "label_positive");
            string asInt = g.Node("Cast", "label/index", new[] { above }, "label_index_2d", Attr("to", (long)DataType.Int64));
            index = g.Node("Reshape", "label/flatten", new[] { asInt, g.Int64s("label_shape", -1) }, "label_index");
        }
        else
        {
            if (names.Count != outputs) return;
            index = g.Node("ArgMax", "label/argmax", new[] { OnnxFormat.OutputName }, "label_index", Attr("axis", -1L), Attr("keepdims", 0L));
        }
        g.NodeWithOutputs("Gather", "label", new[] { classes, index }, new[] { "label_gathered" }, Attr("axis", 0L));
        g.Graph.Node[^1].Output[0] = OnnxFormat.LabelOutputName;
        g.Graph.Output.Add(TensorInfo(OnnxFormat.LabelOutputName, DataType.String, "batch"));
    }

    private static ActivationKind LastActivation(Network network) => network.Layers[^1] switch
    {
        Dense d => d.Activation,
        Activation a => a.Kind,
        _ => ActivationKind.None,
    };

    private static void AddMetadata(ModelProto model, Network network, bool preprocessing, bool columnInputs)
    {
        void Add(string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        if (network.ClassNames is { } classes) Add(OnnxFormat.ClassNamesKey, JsonSerializer.Serialize(classes));
        if (network.Preprocessor?.FeatureNames is { } features) Add(OnnxFormat.FeatureNamesKey, JsonSerializer.Serialize(features));
        if (columnInputs && network.Preprocessor?.Columns is { } columns)
            Add(OnnxFormat.ColumnsKey, JsonSerializer.Serialize(columns.Select(c => new { name = c.Name, categories = c.Categories })));
        if (network.Preprocessor?.LabelName is { } label) Add(OnnxFormat.LabelNameKey, label);
        if (preprocessing) Add(OnnxFormat.PreprocessingKey, "scale,standardize");
        Add(OnnxFormat.SeedKey, network.Seed.ToString(CultureInfo.InvariantCulture));
        Add(OnnxFormat.EpochsKey, network.EpochsTrained.ToString(CultureInfo.InvariantCulture));
    }

    private static long[] Dims(Shape shape) => shape.ToArray().Select(d => (long)d).ToArray();

    // Dense: Gemm (transB = 1, weight [units, features]) on (batch, features); MatMul by Wᵀ then Add on a
    // sequence (batch, time, features), where Gemm (2-d only) does not apply.
    private static string WriteDense(OnnxGraphBuilder g, Dense dense, string x)
    {
        var w = dense.Weight.Value;
        string y;
        if (dense.InputShape.Rank == 1)
        {
            var inputs = new List<string> { x, g.Floats(dense.Name + ".weight", w.Span, Dims(w.Shape)) };
            if (dense.Bias is { } b) inputs.Add(g.Floats(dense.Name + ".bias", b.Value.Span, b.Value.Shape[0]));
            y = g.Node("Gemm", dense.Name, inputs.ToArray(), dense.Name + "_linear", Attr("transB", 1L));
        }
        else
        {
            int units = w.Shape[0], features = w.Shape[1];
            var wt = new float[features * units];
            for (int o = 0; o < units; o++)
                for (int i = 0; i < features; i++) wt[i * units + o] = w[o * features + i];
            y = g.Node("MatMul", dense.Name, new[] { x, g.Floats(dense.Name + ".weight_t", wt, features, units) }, dense.Name + "_matmul");
            if (dense.Bias is { } b)
                y = g.Node("Add", dense.Name + "/bias", new[] { y, g.Floats(dense.Name + ".bias", b.Value.Span, units) }, dense.Name + "_linear");
        }
        return OnnxActivations.Write(g, dense.Activation, dense.Alpha, y, dense.Name + "/activation", dense.Name);
    }

    private static string WriteActivation(OnnxGraphBuilder g, Activation a, string x)
    {
        if (a.Kind == ActivationKind.Softplus && (a.Beta != 1f || a.Threshold != 20f))
            throw new InvalidConfigurationException($"Layer '{a.Name}': Softplus with beta {a.Beta:G} and threshold {a.Threshold:G} has no ONNX op (ONNX's Softplus is beta 1); export it with beta 1 and threshold 20.");
        if (a.Kind == ActivationKind.Softmax && a.Axis != -1)
        {
            g.RequireOpset(13);
            return g.Node("Softmax", a.Name, new[] { x }, a.Name, Attr("axis", (long)a.Axis));
        }
        return OnnxActivations.Write(g, a.Kind, a.Alpha, x, a.Name, a.Name);
    }

    private static string WriteConv(OnnxGraphBuilder g, Conv2d conv, string x)
    {
        var geo = conv.Geometry;
        var inputs = new List<string> { x, g.Floats(conv.Name + ".weight", conv.Parameters[0].Value.Span, Dims(conv.Parameters[0].Value.Shape)) };
        if (conv.UseBias) inputs.Add(g.Floats(conv.Name + ".bias", conv.Parameters[1].Value.Span, conv.Filters));
        string y = g.Node("Conv", conv.Name, inputs.ToArray(), conv.Name + "_conv",
            Attr("kernel_shape", geo.KernelHeight, geo.KernelWidth),
            Attr("strides", geo.StrideHeight, geo.StrideWidth),
            Attr("pads", geo.PadTop, geo.PadLeft, geo.PadBottom, geo.PadRight),
            Attr("dilations", geo.DilationHeight, geo.DilationWidth),
            Attr("group", (long)geo.Groups));
        if (conv.Padding == PaddingMode.Same) g.LastNode!.DocString = SameDoc;
        return OnnxActivations.Write(g, conv.Activation, conv.Alpha, y, conv.Name + "/activation", conv.Name);
    }

    private static string WritePool(OnnxGraphBuilder g, Pool2dLayer pool, string op, string x)
    {
        var geo = pool.Geometry;
        var attributes = new List<AttributeProto>
        {
            Attr("kernel_shape", geo.WindowHeight, geo.WindowWidth),
            Attr("strides", geo.StrideHeight, geo.StrideWidth),
            Attr("pads", geo.PadTop, geo.PadLeft, geo.PadBottom, geo.PadRight),
            Attr("ceil_mode", 0L),
        };
        if (pool is AvgPool2d avg) attributes.Add(Attr("count_include_pad", avg.CountIncludePad ? 1L : 0L));
        string y = g.Node(op, pool.Name, new[] { x }, pool.Name, attributes.ToArray());
        if (pool.Padding == PaddingMode.Same) g.LastNode!.DocString = SameDoc;
        return y;
    }

    private static string WriteBatchNorm(OnnxGraphBuilder g, BatchNorm bn, string x)
    {
        int c = bn.Channels;
        var inputs = new[]
        {
            x,
            g.Floats(bn.Name + ".gamma", bn.Parameters[0].Value.Span, c),
            g.Floats(bn.Name + ".beta", bn.Parameters[1].Value.Span, c),
            g.Floats(bn.Name + ".running_mean", bn.RunningMean.Span, c),
            g.Floats(bn.Name + ".running_var", bn.RunningVariance.Span, c),
        };
        // ONNX: running = running·momentum + batch·(1 − momentum); NeuralPS (PyTorch): the other way round.
        return g.Node("BatchNormalization", bn.Name, inputs, bn.Name,
            Attr("epsilon", (float)bn.Epsilon), Attr("momentum", (float)(1 - bn.Momentum)));
    }

    // Inference form: ONNX's Dropout with training_mode absent is the identity. The doc string keeps the
    // NeuralPS type (Dropout2d drops whole channels in training) so an import gives the same layer back.
    private static string WriteDropout(OnnxGraphBuilder g, Layer layer, double rate, string x)
    {
        string y = g.Node("Dropout", layer.Name, new[] { x, g.Scalar(layer.Name + ".ratio", (float)rate) }, layer.Name);
        g.LastNode!.DocString = "NeuralPS " + layer.Type;
        return y;
    }

    // y = act(inner(x) + skip(x)), skip the identity or the block's projection.
    private static string WriteResidual(OnnxGraphBuilder g, Residual block, string x)
    {
        string inner = x, skip = x, outer = g.Scope;
        g.Scope = outer + block.Name + "/";
        foreach (var layer in block.Layers) inner = WriteLayer(g, layer, inner);
        if (block.Projection is { } projection) skip = WriteLayer(g, projection, x);
        g.Scope = outer;
        string sum = g.Node("Add", block.Name, new[] { inner, skip }, block.Name + "_sum");
        return OnnxActivations.Write(g, block.Activation, block.Alpha, sum, block.Name + "/activation", block.Name);
    }

    // ONNX's gate blocks, by PyTorch's index: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h; RNN one block.
    internal static int[] OnnxGateOrder(string op) => op switch
    {
        "LSTM" => new[] { 0, 3, 1, 2 },
        "GRU" => new[] { 1, 0, 2 },
        _ => new[] { 0 },
    };

    private static string WriteRecurrent(OnnxGraphBuilder g, RecurrentLayer rnn, string x)
    {
        if (rnn.MaskZeroSteps)
            throw new InvalidConfigurationException($"Layer '{rnn.Name}' ({rnn.Type}) skips all-zero steps (MaskZeroSteps), which ONNX's {rnn.Type} cannot express (its sequence_lens masks only trailing steps); export refused.");
        int h = rnn.Units, features = rnn.InputShape[1], directions = rnn.Bidirectional ? 2 : 1;
        var order = OnnxGateOrder(rnn.Type == "SimpleRNN" ? "RNN" : rnn.Type);
        int gates = order.Length;
        var w = new float[directions * gates * h * features];
        var r = new float[directions * gates * h * h];
        var b = rnn.UseBias ? new float[directions * 2 * gates * h] : null;
        for (int d = 0; d < directions; d++)
        {
            string suffix = d == 0 ? "" : "_reverse";
            var wih = rnn.GetParameter("weight_ih" + suffix).Value.Span;
            var whh = rnn.GetParameter("weight_hh" + suffix).Value.Span;
            for (int k = 0; k < gates; k++)
            {
                int src = order[k];
                wih.Slice(src * h * features, h * features).CopyTo(w.AsSpan((d * gates + k) * h * features));
                whh.Slice(src * h * h, h * h).CopyTo(r.AsSpan((d * gates + k) * h * h));
                if (b is not null)
                {
                    rnn.GetParameter("bias_ih" + suffix).Value.Span.Slice(src * h, h).CopyTo(b.AsSpan(d * 2 * gates * h + k * h));
                    rnn.GetParameter("bias_hh" + suffix).Value.Span.Slice(src * h, h).CopyTo(b.AsSpan(d * 2 * gates * h + (gates + k) * h));
                }
            }
        }
        string op = rnn.Type == "SimpleRNN" ? "RNN" : rnn.Type;
        string timeMajor = g.Node("Transpose", rnn.Name + "/time_major", new[] { x }, rnn.Name + "_time_major", Attr("perm", 1L, 0L, 2L));
        var inputs = new List<string>
        {
            timeMajor,
            g.Floats(rnn.Name + ".W", w, directions, gates * h, features),
            g.Floats(rnn.Name + ".R", r, directions, gates * h, h),
        };
        if (b is not null) inputs.Add(g.Floats(rnn.Name + ".B", b, directions, 2 * gates * h));
        var attributes = new List<AttributeProto>
        {
            Attr("hidden_size", (long)h),
            Attr("direction", rnn.Bidirectional ? "bidirectional" : "forward"),
        };
        if (op == "GRU") attributes.Add(Attr("linear_before_reset", 1L));
        var outputs = rnn.ReturnSequences ? new[] { rnn.Name + "_Y" } : new[] { "", rnn.Name + "_Y_h" };
        var produced = g.NodeWithOutputs(op, rnn.Name, inputs.ToArray(), outputs, attributes.ToArray());
        if (rnn.ReturnSequences)
        {
            // Y (time, D, batch, H) → (batch, time, D, H) → (batch, time, D·H)
            string t = g.Node("Transpose", rnn.Name + "/batch_major", new[] { produced[0] }, rnn.Name + "_batch_major", Attr("perm", 2L, 0L, 1L, 3L));
            return g.Node("Reshape", rnn.Name + "/merge_directions", new[] { t, g.Int64s(rnn.Name + ".shape", 0, 0, -1) }, rnn.Name);
        }
        // Y_h (D, batch, H) → (batch, D, H) → (batch, D·H)
        string hb = g.Node("Transpose", rnn.Name + "/batch_major", new[] { produced[1] }, rnn.Name + "_batch_major", Attr("perm", 1L, 0L, 2L));
        return g.Node("Reshape", rnn.Name + "/merge_directions", new[] { hb, g.Int64s(rnn.Name + ".shape", 0, -1) }, rnn.Name);
    }

    // Token ids arrive as floats (NeuralPS' input is float32): Cast to int64, then Gather rows of the table.
    private static string WriteEmbedding(OnnxGraphBuilder g, Embedding e, string x)
    {
        string ids = g.Node("Cast", e.Name + "/ids", new[] { x }, e.Name + "_ids", Attr("to", (long)DataType.Int64));
        string y = g.Node("Gather", e.Name, new[] { g.Floats(e.Name + ".weight", e.Weight.Value.Span, e.VocabularySize, e.Dimensions), ids }, e.Name, Attr("axis", 0L));
        if (e.PaddingIndex >= 0) g.LastNode!.DocString = "NeuralPS Embedding paddingIndex=" + e.PaddingIndex.ToString(CultureInfo.InvariantCulture);
        return y;
    }
}
