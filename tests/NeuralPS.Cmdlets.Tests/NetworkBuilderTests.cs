using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>New-NeuralNetwork and Add-Layer behind the cmdlets.</summary>
public sealed class NetworkBuilderTests
{
    private static LayerSpec Dense(int units, string? activation = null) =>
        LayerSpecBuilder.Build("Dense", new LayerParameters { Units = units, Activation = activation });

    [Fact]
    public void Create_gives_an_empty_network_with_shape_name_and_seed()
    {
        var n = NetworkBuilder.Create("iris", new[] { 4 }, 7);
        Assert.Equal("iris", n.Name);
        Assert.Equal(new Shape(4), n.InputShape);
        Assert.Equal(7UL, n.Seed);
        Assert.Empty(n.Layers);
    }

    [Fact]
    public void Create_defaults_name_and_seed()
    {
        var n = NetworkBuilder.Create(null, new[] { 1, 28, 28 }, null);
        Assert.Equal("network", n.Name);
        Assert.Equal(NetworkBuilder.DefaultSeed, n.Seed);
        Assert.Equal(new Shape(1, 28, 28), n.InputShape);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 4, -1 })]
    public void Create_refuses_an_empty_or_non_positive_shape(int[] shape)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => NetworkBuilder.Create("n", shape, null));
        Assert.Contains("-InputShape", e.Message);
    }

    [Fact]
    public void AddLayer_chains_and_returns_the_same_network()
    {
        var n = NetworkBuilder.Create("iris", new[] { 4 }, 1);
        var same = NetworkBuilder.AddLayer(n, Dense(16, "ReLU"));
        Assert.Same(n, same);
        NetworkBuilder.AddLayer(n, Dense(3));
        Assert.Equal(2, n.Layers.Count);
        Assert.Equal(new Shape(3), n.OutputShape);
        Assert.Equal("dense_1", n.Layers[0].Name);
        Assert.Equal(4 * 16 + 16 + 16 * 3 + 3, n.ParameterCount);
    }

    [Fact]
    public void A_spec_can_be_added_to_several_networks_each_getting_its_own_layer()
    {
        var spec = Dense(5);
        var a = NetworkBuilder.AddLayer(NetworkBuilder.Create("a", new[] { 2 }, 1), spec);
        var b = NetworkBuilder.AddLayer(NetworkBuilder.Create("b", new[] { 3 }, 1), spec);
        Assert.NotSame(a.Layers[0], b.Layers[0]);
        Assert.Equal(new Shape(2), a.Layers[0].InputShape);
        Assert.Equal(new Shape(3), b.Layers[0].InputShape);
    }

    [Fact]
    public void Shape_mismatch_names_both_shapes_and_leaves_the_network_unchanged()
    {
        var n = NetworkBuilder.Create("img", new[] { 1, 28, 28 }, 1);
        var e = Assert.ThrowsAny<NeuralException>(() => NetworkBuilder.AddLayer(n, Dense(10)));
        Assert.IsType<ShapeMismatchException>(e);
        Assert.Contains("(1, 28, 28)", e.Message);
        Assert.Empty(n.Layers);
        Assert.Equal(new Shape(1, 28, 28), n.OutputShape);
        Assert.Equal(ErrorKind.InvalidArgument, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void Flatten_then_Dense_fits_an_image_input()
    {
        var n = NetworkBuilder.Create("img", new[] { 1, 28, 28 }, 1);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Flatten", new LayerParameters()));
        NetworkBuilder.AddLayer(n, Dense(10));
        Assert.Equal(new Shape(784), n.Layers[0].OutputShape);
        Assert.Equal(new Shape(10), n.OutputShape);
    }

    [Fact]
    public void A_duplicate_layer_name_is_refused()
    {
        var n = NetworkBuilder.Create("n", new[] { 4 }, 1);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 4, Name = "h" }));
        Assert.Throws<InvalidConfigurationException>(() =>
            NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 4, Name = "H" })));
        Assert.Single(n.Layers);
    }

    [Fact]
    public void A_type_the_engine_does_not_have_is_an_argument_error_not_a_file_error()
    {
        var n = NetworkBuilder.Create("n", new[] { 4 }, 1);
        var e = Assert.Throws<InvalidConfigurationException>(() => NetworkBuilder.AddLayer(n, new LayerSpec("NoSuchLayer", "")));
        Assert.Contains("not available", e.Message);
        Assert.Empty(n.Layers);
    }

    [Fact]
    public void Every_Add_Layer_type_that_the_engine_registers_builds_through_the_registry()
    {
        // Types the engine has not registered yet are covered by the previous test; each registered one
        // must accept the spec Add-Layer makes for it.
        var image = new[] { 2, 8, 8 };
        foreach (var type in LayerSpecBuilder.LayerTypes.Where(LayerRegistry.IsKnown))
        {
            var inner = LayerSpecBuilder.Build("Activation", new LayerParameters { Activation = "ReLU" });
            var p = type switch
            {
                "Dense" => new LayerParameters { Units = 2 },
                "Activation" => new LayerParameters { Activation = "ReLU" },
                "Dropout" or "Dropout2d" => new LayerParameters { Rate = 0.5 },
                "Conv2d" => new LayerParameters { Filters = 2, KernelSize = new[] { 3 }, Padding = "Same" },
                "Residual" => new LayerParameters { Layers = new object?[] { inner } },
                "SimpleRNN" or "LSTM" or "GRU" => new LayerParameters { Units = 2 },
                "Embedding" => new LayerParameters { VocabularySize = 5, Dimensions = 2 },
                "TextVectorization" => new LayerParameters { SequenceLength = 4 },
                _ => new LayerParameters(),
            };
            var shape = type switch
            {
                "Dense" or "Embedding" or "TextVectorization" => new[] { 4 },
                "SimpleRNN" or "LSTM" or "GRU" => new[] { 6, 3 },
                _ => image,
            };
            var n = NetworkBuilder.Create("n", shape, 1);
            NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build(type, p));
            Assert.Equal(type, n.Layers[0].Type, ignoreCase: true);
        }
    }
    private static void Add(Network n, string type, LayerParameters p) => NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build(type, p));

    [Fact]
    public void The_seed_CNN_of_issue_4_builds_with_the_expected_shapes()
    {
        var n = NetworkBuilder.Create("fashion-cnn", new[] { 1, 28, 28 }, 1);
        Add(n, "Conv2d", new LayerParameters { Filters = 32, KernelSize = new[] { 3 }, Activation = "ReLU" });
        Add(n, "MaxPool2d", new LayerParameters { PoolSize = new[] { 2 } });
        Add(n, "Conv2d", new LayerParameters { Filters = 64, KernelSize = new[] { 3 }, Activation = "ReLU" });
        Add(n, "MaxPool2d", new LayerParameters { PoolSize = new[] { 2 } });
        Add(n, "Dropout", new LayerParameters { Rate = 0.25 });
        Add(n, "Flatten", new LayerParameters());
        Add(n, "Dense", new LayerParameters { Units = 128, Activation = "ReLU" });
        Add(n, "Dropout", new LayerParameters { Rate = 0.5 });
        Add(n, "Dense", new LayerParameters { Units = 10 });
        Assert.Equal(new[] { new Shape(32, 26, 26), new Shape(32, 13, 13), new Shape(64, 11, 11), new Shape(64, 5, 5), new Shape(64, 5, 5),
            new Shape(1600), new Shape(128), new Shape(128), new Shape(10) }, n.Layers.Select(l => l.OutputShape));
        Assert.Equal(320 + 18496 + 204928 + 1290, n.ParameterCount);
    }

    [Fact]
    public void A_kernel_larger_than_the_image_is_refused_with_both_shapes()
    {
        var n = NetworkBuilder.Create("tiny", new[] { 1, 3, 3 }, 1);
        var e = Assert.Throws<ShapeMismatchException>(() => Add(n, "Conv2d", new LayerParameters { Filters = 4, KernelSize = new[] { 5 } }));
        Assert.Contains("(1, 3, 3)", e.Message);
        Assert.Empty(n.Layers);
    }

    [Fact]
    public void Same_padding_keeps_the_size_and_stride_2_halves_it()
    {
        var n = NetworkBuilder.Create("img", new[] { 3, 32, 32 }, 1);
        Add(n, "Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3 }, Padding = "Same" });
        Add(n, "Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3 }, Padding = 1, Stride = new[] { 2 } });
        Add(n, "BatchNorm", new LayerParameters());
        Add(n, "AvgPool2d", new LayerParameters { KernelSize = new[] { 2 } });
        Add(n, "GlobalAvgPool2d", new LayerParameters());
        Assert.Equal(new Shape(8, 32, 32), n.Layers[0].OutputShape);
        Assert.Equal(new Shape(8, 16, 16), n.Layers[1].OutputShape);
        Assert.Equal(new Shape(8, 8, 8), n.Layers[3].OutputShape);
        Assert.Equal(8, n.OutputShape.Size);
    }

    [Fact]
    public void A_residual_block_adds_a_projection_when_the_inner_path_changes_the_shape()
    {
        var conv = LayerSpecBuilder.Build("Conv2d", new LayerParameters { Filters = 16, KernelSize = new[] { 3 }, Padding = "Same", Stride = new[] { 2 } });
        var bn = LayerSpecBuilder.Build("BatchNorm", new LayerParameters());
        var n = NetworkBuilder.Create("res", new[] { 8, 16, 16 }, 1);
        Add(n, "Residual", new LayerParameters { Layers = new object?[] { conv, bn } });
        Assert.Equal("Residual", n.Layers[0].Type);
        Assert.Equal(new Shape(16, 8, 8), n.OutputShape);
        Assert.True(n.ParameterCount > 16 * 8 * 9 + 16 + 32, "expected the 1x1 projection's parameters as well");
    }
}
