using Google.Protobuf;
using NeuralPS.Core;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Tensors;
using NeuralPS.Onnx.Tests.Support;
using Xunit;

namespace NeuralPS.Onnx.Tests;

/// <summary>Malformed and hostile ONNX files: every one is refused with a <see cref="ModelFileException"/> that
/// says what is wrong (and, for a graph problem, names the node and its op), and none makes the reader
/// allocate much more than the file's own size.</summary>
public sealed class HostileFileTests
{
    private static byte[] Iris() => OnnxExporter.Encode(new Network("iris", new Shape(4), 1)
        .Add(new NeuralPS.Core.Layers.Dense(8, NeuralPS.Core.Backends.ActivationKind.ReLU))
        .Add(new NeuralPS.Core.Layers.Dense(3, NeuralPS.Core.Backends.ActivationKind.Softmax)));

    private static ModelProto Model(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    /// <summary>Loads; returns the refusal, failing on anything but a ModelFileException or on a large allocation.</summary>
    private static ModelFileException? Load(byte[] bytes, long allowedBytes = 1 << 20)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = Record.Exception(() => OnnxReader.Load(bytes, "hostile.onnx"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(error is null or ModelFileException, $"{error?.GetType().Name}: {error}");
        Assert.True(allocated < allowedBytes + 16L * bytes.Length, $"reading {bytes.Length:N0} bytes allocated {allocated:N0}");
        return (ModelFileException?)error;
    }

    private static ModelFileException Refused(byte[] bytes, long allowedBytes = 1 << 20) =>
        Load(bytes, allowedBytes) ?? throw new Xunit.Sdk.XunitException("the file was accepted");

    [Fact]
    public void Every_truncation_of_a_model_is_refused_or_reads_cleanly()
    {
        var bytes = Iris();
        int refused = 0;
        for (int n = 0; n < bytes.Length; n++)
        {
            if (Load(bytes.AsSpan(0, n).ToArray()) is not null) refused++;
        }
        Assert.True(refused > bytes.Length * 9 / 10, $"only {refused} of {bytes.Length} truncations were refused");
        Assert.Contains("empty", Refused(Array.Empty<byte>()).Message);
    }

    [Fact]
    public void Random_byte_mutations_never_crash_or_allocate_without_bound()
    {
        var seed = Iris();
        var rng = new NeuralRandom(17);
        for (int i = 0; i < 3000; i++)
        {
            var bytes = (byte[])seed.Clone();
            int edits = 1 + rng.NextInt(4);
            for (int k = 0; k < edits; k++) bytes[rng.NextInt(bytes.Length)] = (byte)rng.NextInt(256);
            Load(bytes);
        }
    }

    [Fact]
    public void Dims_that_claim_far_more_values_than_the_data_holds_are_refused_before_allocating()
    {
        var model = Model(Iris());
        var w = model.Graph.Initializer[0];
        w.Dims.Clear();
        w.Dims.Add(1L << 40);
        w.Dims.Add(1L << 40);
        Assert.Contains("claims dimensions", Refused(model.ToByteArray()).Message);

        w.Dims.Clear();
        w.Dims.Add(8);
        w.Dims.Add(200_000_000);
        Assert.Contains("claims dimensions", Refused(model.ToByteArray()).Message);

        w.Dims.Clear();
        w.Dims.Add(30_000);
        w.Dims.Add(30_000);
        Assert.Contains("claims 900,000,000 float values but holds 128 bytes", Refused(model.ToByteArray()).Message);
    }

    [Fact]
    public void A_length_prefix_pointing_past_the_end_is_truncated_not_allocated()
    {
        // field 7 (graph), length-delimited, claiming 2^31 − 2 bytes, in a 9-byte file
        var bytes = new byte[] { 0x08, 0x08, 0x3a, 0xfe, 0xff, 0xff, 0xff, 0x07, 0x00 };
        Assert.Contains("truncated", Refused(bytes).Message);
        // a packed float field (TensorProto.float_data) claiming 1 GiB inside a small initializer
        var model = Model(Iris());
        var raw = model.ToByteArray().ToList();
        var packed = new byte[] { 0x22, 0x80, 0x80, 0x80, 0x80, 0x04 };
        var init = new TensorProto { Name = "x", DataType = 1 }.ToByteArray().Concat(packed).Concat(new byte[16]).ToArray();
        var graph = model.Graph.ToByteArray().Concat(new byte[] { 0x2a }).Concat(Varint(init.Length)).Concat(init).ToArray();
        var file = new byte[] { 0x08, 0x08, 0x3a }.Concat(Varint(graph.Length)).Concat(graph).ToArray();
        Assert.Contains("truncated", Refused(file).Message);
    }

    private static byte[] Varint(int v)
    {
        var list = new List<byte>();
        do
        {
            byte b = (byte)(v & 0x7f);
            v >>= 7;
            list.Add(v != 0 ? (byte)(b | 0x80) : b);
        } while (v != 0);
        return list.ToArray();
    }

    [Fact]
    public void Huge_repeated_fields_are_refused_with_a_message()
    {
        var model = Model(Iris());
        var gemm = model.Graph.Node.First(n => n.OpType == "Gemm");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        Assert.Contains("attribute 'transB' twice", Refused(model.ToByteArray()).Message);

        model = Model(Iris());
        var conv = new NodeProto { OpType = "Conv", Name = "conv_ints" };
        var ints = new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints };
        ints.Ints.AddRange(Enumerable.Repeat(3L, 200_000));
        conv.Attribute.Add(ints);
        conv.Input.Add("input");
        conv.Output.Add("y");
        model.Graph.Node.Insert(0, conv);
        model.Graph.Output[0].Name = "y";
        var bytes = model.ToByteArray();
        var refusal = Refused(bytes);
        Assert.Contains("conv_ints", refusal.Message);

        model = Model(Iris());
        var dims = model.Graph.Initializer[0].Dims;
        dims.AddRange(Enumerable.Repeat(1L, 100_000));
        Assert.Contains("dimensions (at most 8)", Refused(model.ToByteArray()).Message);
    }

    [Fact]
    public void Wrong_types_are_refused_naming_what_was_expected()
    {
        var model = Model(Iris());
        var w = model.Graph.Initializer[0];
        w.DataType = (int)TensorProto.Types.DataType.String;
        Assert.Contains("holds string values where float32 weights were expected", Refused(model.ToByteArray()).Message);

        model = Model(Iris());
        var transB = model.Graph.Node.First(n => n.OpType == "Gemm").Attribute.First(a => a.Name == "transB");
        transB.Type = AttributeProto.Types.AttributeType.Float;
        var e = Refused(model.ToByteArray());
        Assert.Contains("attribute 'transB' of type Float, not INT", e.Message);
        Assert.Contains("(Gemm)", e.Message);

        model = Model(Iris());
        model.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.String;
        Assert.Contains("float32 input", Refused(model.ToByteArray()).Message);
    }

    [Fact]
    public void An_unsupported_op_is_refused_with_its_op_type_and_node_name()
    {
        var model = Model(Iris());
        var relu = model.Graph.Node.First(n => n.OpType == "Relu");
        relu.OpType = "Celu";
        var e = Refused(model.ToByteArray());
        Assert.Contains($"node '{relu.Name}' (Celu) is an op NeuralPS does not import", e.Message);

        model = Model(Iris());
        model.Graph.Node.First(n => n.OpType == "Relu").Domain = "com.microsoft";
        Assert.Contains("operator domain 'com.microsoft'", Refused(model.ToByteArray()).Message);
    }

    [Fact]
    public void External_data_old_opsets_cycles_and_deep_nesting_are_refused()
    {
        var model = Model(Iris());
        model.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;
        model.Graph.Initializer[0].ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        Assert.Contains("external file", Refused(model.ToByteArray()).Message);

        model = Model(Iris());
        model.OpsetImport[0].Version = 9;
        Assert.Contains("opset 9", Refused(model.ToByteArray()).Message);

        model = Model(Iris());
        var first = model.Graph.Node[0];
        first.Input[0] = model.Graph.Node[^1].Output[0] == "output" ? model.Graph.Node[1].Output[0] : first.Input[0];
        Assert.NotNull(Refused(model.ToByteArray()));

        // graphs nested in attributes 200 deep: beyond the parser's recursion limit
        var graph = new GraphProto { Name = "leaf" };
        for (int i = 0; i < 200; i++)
        {
            var node = new NodeProto { OpType = "If", Name = $"if{i}" };
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph });
            graph = new GraphProto { Name = $"g{i}" };
            graph.Node.Add(node);
        }
        var deep = new ModelProto { IrVersion = 8, Graph = graph };
        deep.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        Assert.Contains("not a valid ONNX model", Refused(deep.ToByteArray()).Message);
    }

    [Fact]
    public void A_computed_reshape_target_that_doubles_at_every_node_or_loops_is_refused_quickly()
    {
        // Shape(input) → 40 Concats each of the previous value twice (2^40 values if evaluated naively) → Reshape.
        var model = Model(Iris());
        var gemm = model.Graph.Node.First(n => n.OpType == "Gemm");
        var nodes = new List<NodeProto> { new() { OpType = "Shape", Name = "shape", Input = { "input" }, Output = { "s0" } } };
        for (int i = 1; i <= 40; i++)
        {
            var concat = new NodeProto { OpType = "Concat", Name = $"concat{i}", Input = { $"s{i - 1}", $"s{i - 1}" }, Output = { $"s{i}" } };
            concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
            nodes.Add(concat);
        }
        nodes.Add(new NodeProto { OpType = "Reshape", Name = "reshape", Input = { "input", "s40" }, Output = { "reshaped" } });
        gemm.Input[0] = "reshaped";
        for (int i = nodes.Count - 1; i >= 0; i--) model.Graph.Node.Insert(0, nodes[i]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Contains("dimensions", Refused(model.ToByteArray()).Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

        // a shape computation that feeds itself
        model.Graph.Node.First(n => n.Name == "concat1").Input[1] = "s1";
        Assert.NotNull(Refused(model.ToByteArray()));
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        Assert.NotNull(Refused("SepalLength,SepalWidth\n5.1,3.5\n"u8.ToArray()));
        Assert.False(OnnxFormat.LooksLikeOnnx("NPSMODEL"u8));
        Assert.True(OnnxFormat.LooksLikeOnnx(Iris()));
    }
}
