using System.IO.Compression;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>The reproducers of issue 8's defects 1–6, one test each (or a few where a defect had several
/// faces). Allocation bounds are measured with GC.GetAllocatedBytesForCurrentThread.</summary>
public sealed class HostileInputTests
{
    // ------------------------------------------------------------ defect 1: conv geometry overflow

    [Fact]
    public void Conv2d_refuses_padding_whose_padded_extent_is_beyond_the_supported_size()
    {
        // The reproducer: padding near 2^30, stride 2^31 − 1, on a 4×4 input (used to save, load and then crash in Im2Col.Pack).
        var net = new Network("n", new Shape(1, 4, 4), 1);
        var conv = new Conv2d(2, new[] { 3 }, new[] { int.MaxValue }, paddingSize: new[] { (1 << 30) - 3 });
        var e = Assert.Throws<InvalidConfigurationException>(() => net.Add(conv));
        Assert.Contains("padded input", e.Message);
        Assert.Empty(net.Layers);
    }

    [Fact]
    public void Conv2d_with_huge_padding_and_stride_inside_the_limits_reads_only_zeros_and_outputs_the_bias()
    {
        // Padding 2^29 − 2 and stride 2^31 − 1: -offset + stride − 1 overflowed an int in ValidRange, so
        // an out-of-image row looked in range and Pack read far outside x.
        var net = new Network("n", new Shape(1, 4, 4), 1);
        var conv = new Conv2d(2, new[] { 3 }, new[] { int.MaxValue }, paddingSize: new[] { (1 << 29) - 2 });
        net.Add(conv);
        Assert.Equal(new Shape(2, 1, 1), conv.OutputShape);
        conv.Parameters[1].Value.Fill(0.5f);
        var x = new Tensor(3, 1, 4, 4);
        x.Fill(7f);
        var y = net.Forward(x, LayerContext.Inference()).ToArray();
        Assert.All(y, v => Assert.Equal(0.5f, v));
    }

    [Theory]
    [InlineData(1, 4, int.MaxValue, -((1 << 30) - 3), 1, 1)] // the reproducer's tap: no row of the image is reached
    [InlineData(5, 8, 2, -1, 1, 5)]
    [InlineData(3, 4, 1, 2, 0, 2)]
    public void ValidRange_is_exact_for_extreme_strides_and_offsets(int outSize, int inSize, int stride, int offset, int lo, int hi)
    {
        Assert.Equal((lo, hi), Im2Col.ValidRange(outSize, inSize, stride, offset));
    }

    [Fact]
    public void ValidRange_agrees_with_brute_force_on_small_geometries()
    {
        for (int outSize = 0; outSize < 7; outSize++)
            for (int inSize = 1; inSize < 7; inSize++)
                for (int stride = 1; stride < 5; stride++)
                    for (int offset = -9; offset < 9; offset++)
                    {
                        var (lo, hi) = Im2Col.ValidRange(outSize, inSize, stride, offset);
                        for (int o = 0; o < outSize; o++)
                        {
                            int coordinate = o * stride + offset;
                            bool inside = coordinate >= 0 && coordinate < inSize;
                            Assert.Equal(inside, o >= lo && o < hi);
                        }
                    }
    }

    // ------------------------------------------------------------ defect 2: shape sizes wrap

    [Fact]
    public void Shape_size_never_wraps_and_is_bounded()
    {
        var huge = new Shape(4, int.MaxValue, int.MaxValue); // used to have Size 4
        Assert.False(huge.IsWithinLimit);
        Assert.Throws<InvalidConfigurationException>(() => huge.Size);
        Assert.Throws<InvalidConfigurationException>(() => new Shape(Shape.MaxElements, 2).Size);
        Assert.Equal(Shape.MaxElements, new Shape(1 << 15, 1 << 15).Size);
        Assert.Equal(0, new Shape(0, int.MaxValue, int.MaxValue).Size);
    }

    [Theory]
    [InlineData("MaxPool2d")]
    [InlineData("Flatten")]
    [InlineData("Conv2d")]
    [InlineData("Dense")]
    public void Layers_refuse_an_input_shape_whose_size_wraps(string type)
    {
        Layer layer = type switch
        {
            "MaxPool2d" => new MaxPool2d(2),
            "Flatten" => new Flatten(),
            "Conv2d" => new Conv2d(1, 3),
            _ => new Dense(3),
        };
        var e = Assert.ThrowsAny<NeuralException>(() => layer.Build(new Shape(4, int.MaxValue, int.MaxValue), new NeuralRandom(1)));
        Assert.IsNotType<OverflowException>(e.InnerException);
        Assert.False(layer.IsBuilt);
        Assert.Throws<InvalidConfigurationException>(() => new Network("n", new Shape(4, int.MaxValue, int.MaxValue), 1));
    }

    // ------------------------------------------------------------ defect 3: a few bytes claim gigabytes

    [Fact]
    public void A_193_byte_model_file_claiming_a_dense_layer_of_4M_units_is_refused_without_allocating_for_it()
    {
        var file = HostileFiles.Container(new[]
        {
            HostileFiles.Architecture(new[] { 4 }, new LayerSpec("Dense", "big").Set("units", 4_000_000)),
            HostileFiles.EmptyWeights(1),
        });
        long allocated = HostileFiles.AllocatedBy(() => ModelFile.Load(new MemoryStream(file)), out var error);
        var e = Assert.IsType<ModelFileException>(error);
        Assert.Contains("weights section holds at most", e.Message);
        Assert.Contains("'big'", e.Message);
        // Was 544 MiB. The bound is the fuzz harness's: 64 × the file plus 1 MiB of fixed cost (exception text, tables).
        Assert.True(allocated < 64L * file.Length + (1 << 20), $"allocated {allocated:N0} bytes for a {file.Length}-byte file");
    }

    [Fact]
    public void Claims_beyond_any_memory_are_a_ModelFileException_not_OutOfMemory()
    {
        var file = HostileFiles.Container(new[]
        {
            HostileFiles.Architecture(new[] { 1 << 20 }, new LayerSpec("Dense", "huge").Set("units", int.MaxValue)),
            HostileFiles.EmptyWeights(1),
        });
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new MemoryStream(file)));
        Assert.Contains("'huge'", e.Message);
    }

    [Fact]
    public void A_real_model_with_one_byte_changed_to_claim_a_wide_layer_allocates_at_most_a_small_multiple_of_its_size()
    {
        var net = new Network("mlp", new Shape(784), 3);
        net.Add(new Dense(32, ActivationKind.ReLU));
        net.Add(new Dense(10));
        var sections = HostileFiles.SectionsOf(net);
        // The same weights, but the first layer now claims 32·2^16 units (the one-byte change of the issue).
        sections[0] = HostileFiles.Architecture(new[] { 784 },
            new LayerSpec("Dense", "dense_1").Set("units", 32 << 16).Set("activation", "ReLU"), new LayerSpec("Dense", "dense_2").Set("units", 10));
        var file = HostileFiles.Container(sections);
        long allocated = HostileFiles.AllocatedBy(() => ModelFile.Load(new MemoryStream(file)), out var error);
        Assert.IsType<ModelFileException>(error);
        Assert.True(allocated < 64L * file.Length + (1 << 20), $"allocated {allocated:N0} bytes for a {file.Length:N0}-byte file");
    }

    [Fact]
    public void A_genuine_model_still_loads_under_the_allocation_budget()
    {
        var net = new Network("cnn", new Shape(1, 12, 12), 5);
        net.Add(new Conv2d(4, 3, activation: ActivationKind.ReLU));
        net.Add(new BatchNorm());
        net.Add(new MaxPool2d(2));
        net.Add(new Flatten());
        net.Add(new Dense(3));
        var loaded = ModelFile.Load(new MemoryStream(ModelFile.Encode(net)));
        Assert.Equal(net.ParameterCount, loaded.ParameterCount);
    }

    [Fact]
    public void A_16_byte_idx_header_claiming_a_gigabyte_is_reported_truncated_without_allocating_it()
    {
        var bytes = HostileFiles.Idx(IdxDataType.UnsignedByte, new[] { 1 << 30 }, new byte[8]);
        long allocated = HostileFiles.AllocatedBy(() => IdxReader.Read(new MemoryStream(bytes), "labels"), out var error);
        Assert.Contains("truncated", Assert.IsType<DataFormatException>(error).Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");

        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionMode.Compress, leaveOpen: true)) z.Write(bytes);
        var gzBytes = gz.ToArray();
        allocated = HostileFiles.AllocatedBy(() => IdxReader.Read(new MemoryStream(gzBytes), "labels.gz"), out error);
        Assert.Contains("truncated", Assert.IsType<DataFormatException>(error).Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated:N0} bytes for gzip"); // gzip's own window and the first read buffer
    }

    [Fact]
    public void An_idx_file_of_2_to_the_31_labels_is_a_DataFormatException()
    {
        var bytes = HostileFiles.Idx(IdxDataType.UnsignedByte, new[] { int.MinValue }, new byte[8]); // 0x80000000 items
        Assert.Throws<DataFormatException>(() => IdxReader.Read(new MemoryStream(bytes), "labels"));
        var big = HostileFiles.Idx(IdxDataType.Int32, new[] { int.MaxValue }, new byte[8]);
        Assert.Throws<DataFormatException>(() => IdxReader.Read(new MemoryStream(big), "labels"));
    }

    [Fact]
    public void One_label_of_2_to_the_30_does_not_make_2_to_the_30_class_names()
    {
        var features = IdxReader.Read(new MemoryStream(HostileFiles.Idx(IdxDataType.UnsignedByte, new[] { 2, 2 }, new byte[4])), "x");
        var labelBytes = HostileFiles.Idx(IdxDataType.Int32, new[] { 2 }, new byte[] { 0, 0, 0, 1, 0x40, 0, 0, 0 });
        var labels = IdxReader.Read(new MemoryStream(labelBytes), "y");
        long allocated = HostileFiles.AllocatedBy(() => IdxReader.ToDataset(features, labels), out var error);
        var e = Assert.IsType<DataFormatException>(error);
        Assert.Contains("1073741824", e.Message.Replace(",", ""));
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");
    }

    // ------------------------------------------------------------ defect 4: loads, then fails

    private static Network SmallClassifier()
    {
        var net = new Network("clf", new Shape(2), 9);
        net.Add(new Dense(3));
        return net;
    }

    [Fact]
    public void An_empty_feature_name_is_refused_at_load_not_at_prediction()
    {
        var sections = HostileFiles.SectionsOf(SmallClassifier());
        sections.Add(HostileFiles.FeatureNamesOnly("a", ""));
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new MemoryStream(HostileFiles.Container(sections))));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void More_class_names_than_outputs_is_refused_at_load_not_at_prediction()
    {
        var net = SmallClassifier();
        net.ClassNames = new[] { "a", "b", "c", "d" };
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new MemoryStream(ModelFile.Encode(net))));
        Assert.Contains("4 class names", e.Message);
    }

    [Fact]
    public void A_model_that_loads_predicts()
    {
        var net = SmallClassifier();
        net.ClassNames = new[] { "a", "b", "c" };
        net.Preprocessor = new FeaturePreprocessor(new[] { new FeatureColumn("p"), new FeatureColumn("q") }, null, null);
        var loaded = ModelFile.Load(new MemoryStream(ModelFile.Encode(net)));
        var rows = new[] { new Dictionary<string, object?> { ["p"] = 1.0, ["q"] = 2.0 } };
        var p = new Predictor(loaded).PredictRecords(rows);
        Assert.Single(p);
    }

    // ------------------------------------------------------------ defect 5: linear-time loading

    [Fact]
    public void Twenty_thousand_unnamed_layers_get_unique_names_that_skip_names_already_taken()
    {
        // Naming was cubic (3–5 s for 1,000 layers) and the duplicate check quadratic; both are now hash
        // lookups. Speed is not asserted here (see bench); the names must stay what they were.
        var net = new Network("deep", new Shape(4), 1);
        net.Add(new Activation(ActivationKind.ReLU, name: "activation_2"));
        for (int i = 0; i < 20_000; i++) net.Add(new Activation(ActivationKind.ReLU));
        Assert.Equal("activation_1", net.Layers[1].Name);
        Assert.Equal("activation_3", net.Layers[2].Name);
        Assert.Equal(20_001, net.Layers.Select(l => l.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Throws<InvalidConfigurationException>(() => net.Add(new Activation(ActivationKind.ReLU, name: "ACTIVATION_7")));
        var loaded = ModelFile.Load(new MemoryStream(ModelFile.Encode(net)));
        Assert.Equal(net.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
    }

    [Fact]
    public void A_failed_add_leaves_the_automatic_name_free()
    {
        var net = new Network("n", new Shape(1, 4, 4), 1);
        var refused = new Dense(3);
        Assert.Throws<ShapeMismatchException>(() => net.Add(refused)); // Dense needs a vector
        Assert.Equal(string.Empty, refused.Name);
        net.Add(new Flatten()).Add(new Dense(3));
        Assert.Equal("dense_1", net.Layers[1].Name);
    }

    [Fact]
    public void Residual_projection_stride_matches_the_brute_force_search_and_handles_the_largest_sizes()
    {
        for (int size = 1; size < 60; size++)
            for (int target = 0; target < 62; target++)
            {
                int expected = 0;
                for (int s = 1; s <= size; s++) if ((size - 1) / s + 1 == target) { expected = s; break; }
                Assert.Equal(expected, Residual.ProjectionStride(size, target));
            }
        // Was a 4–8 s scan and a divide-by-zero when the counter wrapped at 2^31 − 1.
        Assert.Equal(int.MaxValue, Residual.ProjectionStride(int.MaxValue, 1));
        Assert.Equal(2, Residual.ProjectionStride(int.MaxValue, 1 << 30));
        Assert.Equal(0, Residual.ProjectionStride(int.MaxValue, int.MaxValue - 1));
    }

    // ------------------------------------------------------------ defect 6: values beyond float32

    [Fact]
    public void A_csv_cell_beyond_float32_is_a_bad_cell_naming_the_line_and_column()
    {
        string csv = "a,b,y\n1,2,x\n3,1e39,y\n5,6,x\n7,8,y\n";
        var errors = new List<RecordError>();
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "y" });
        foreach (var r in CsvReader.ReadRecords(new StringReader(csv), "t.csv"))
            if (!converter.TryAdd(r, out var err, r.Location)) errors.Add(err!);
        var e = Assert.Single(errors);
        Assert.Equal("b", e.Column);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("float32", e.Message);
        var data = converter.ToDataset(); // standardisation works on the rest (was "statistics … are invalid (mean Infinity)")
        Assert.All(data.Features.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_regression_label_beyond_float32_is_refused()
    {
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "y", Task = LearningTask.Regression });
        Assert.False(converter.TryAdd(new Dictionary<string, object?> { ["a"] = 1.0, ["y"] = 1e39 }, out var error));
        Assert.Equal("y", error!.Column);
        Assert.Contains("float32", error!.Message);
    }

    [Fact]
    public void Prediction_on_a_row_beyond_float32_is_an_error_not_NaN_probabilities()
    {
        var net = SmallClassifier();
        net.ClassNames = new[] { "a", "b", "c" };
        net.Preprocessor = new FeaturePreprocessor(new[] { new FeatureColumn("p"), new FeatureColumn("q") }, null, null);
        var converter = RecordConverter.ForPrediction(net);
        var row = new float[2];
        Assert.False(converter.TryEncode(new Dictionary<string, object?> { ["p"] = "1e39", ["q"] = 1.0 }, row, out var error));
        Assert.Equal("p", error!.Column);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void An_idx_float_file_with_a_non_finite_value_names_the_sample(float bad)
    {
        var body = new byte[3 * 2 * 4];
        System.Buffers.Binary.BinaryPrimitives.WriteSingleBigEndian(body.AsSpan(4 * 5), bad); // sample 2, element 1
        var features = IdxReader.Read(new MemoryStream(HostileFiles.Idx(IdxDataType.Single, new[] { 3, 2 }, body)), "f.idx");
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ToDataset(features, null, new IdxReadOptions { Scale = 1f }));
        Assert.Contains("sample 2", e.Message);
    }
}
