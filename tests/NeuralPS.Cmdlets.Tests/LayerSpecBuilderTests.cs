using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Add-Layer parameters → LayerSpec settings (TEAM.md "Layer spec keys").</summary>
public sealed class LayerSpecBuilderTests
{
    private static LayerSpec Build(string type, LayerParameters p) => LayerSpecBuilder.Build(type, p);

    [Fact]
    public void Dense_maps_units_activation_and_bias()
    {
        var spec = Build("Dense", new LayerParameters { Units = 16, Activation = "relu", NoBias = true, Name = "hidden" });
        Assert.Equal("Dense", spec.Type);
        Assert.Equal("hidden", spec.Name);
        Assert.Equal(16L, spec.Settings["units"]);
        Assert.Equal("ReLU", spec.Settings["activation"]);
        Assert.Equal(false, spec.Settings["useBias"]);
    }

    [Fact]
    public void Dense_without_optional_parameters_sets_only_units()
    {
        var spec = Build("dense", new LayerParameters { Units = 3 });
        Assert.Equal("Dense", spec.Type);
        Assert.Equal(string.Empty, spec.Name);
        Assert.Equal(new[] { "units" }, spec.Settings.Keys);
    }

    [Fact]
    public void Dense_WeightInit_is_normalised_and_written_only_when_given()
    {
        var spec = Build("Dense", new LayerParameters { Units = 2, WeightInit = "pytorch" });
        Assert.Equal("PyTorch", spec.Settings["weightInit"]);
        Assert.False(Build("Dense", new LayerParameters { Units = 2 }).Settings.ContainsKey("weightInit"));
        Assert.Throws<NeuralPS.Core.InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = 2, WeightInit = "4" }));
        var e = Assert.Throws<NeuralPS.Core.InvalidConfigurationException>(() => Build("GRU", new LayerParameters { Units = 2, WeightInit = "PyTorch" }));
        Assert.Contains("WeightInit", e.Message);
    }

    [Fact]
    public void NoBias_false_keeps_the_bias()
    {
        var spec = Build("Dense", new LayerParameters { Units = 3, NoBias = false });
        Assert.Equal(true, spec.Settings["useBias"]);
    }

    [Fact]
    public void Alpha_goes_with_LeakyReLU()
    {
        var spec = Build("Dense", new LayerParameters { Units = 4, Activation = "leakyrelu", Alpha = 0.2 });
        Assert.Equal("LeakyReLU", spec.Settings["activation"]);
        Assert.Equal(0.2, spec.Settings["alpha"]);
    }

    [Fact]
    public void Alpha_without_LeakyReLU_is_refused()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = 4, Activation = "ReLU", Alpha = 0.2 }));
        Assert.Contains("LeakyReLU", e.Message);
    }

    [Theory]
    [InlineData("linear", "None")]
    [InlineData("None", "None")]
    [InlineData("SIGMOID", "Sigmoid")]
    [InlineData("tanh", "Tanh")]
    [InlineData("softmax", "Softmax")]
    [InlineData("gelu", "GELU")]
    [InlineData("GeluTanh", "GELUTanh")]
    [InlineData("elu", "ELU")]
    [InlineData("selu", "SELU")]
    [InlineData("swish", "SiLU")]
    [InlineData("silu", "SiLU")]
    [InlineData("softplus", "Softplus")]
    [InlineData("hardsigmoid", "HardSigmoid")]
    [InlineData("HARDSWISH", "HardSwish")]
    public void Activation_names_are_case_insensitive_and_canonical(string given, string expected)
    {
        var spec = Build("Activation", new LayerParameters { Activation = given });
        Assert.Equal(expected, spec.Settings["activation"]);
    }

    [Fact]
    public void Unknown_activation_lists_the_known_ones()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Activation", new LayerParameters { Activation = "mish" }));
        Assert.Contains("ReLU", e.Message);
        Assert.Contains("mish", e.Message);
        Assert.Contains("HardSwish", e.Message);
    }

    [Fact]
    public void Softplus_settings_and_Softmax_axis_go_with_their_activation_only()
    {
        var spec = Build("Activation", new LayerParameters { Activation = "Softplus", Beta = 2, Threshold = 5 });
        Assert.Equal((2.0, 5.0), ((double)spec.Settings["beta"], (double)spec.Settings["threshold"]));
        Assert.Equal(1L, Build("Activation", new LayerParameters { Activation = "Softmax", Axis = 1 }).Settings["axis"]);
        Assert.Equal(0.5, Build("Dense", new LayerParameters { Units = 3, Activation = "ELU", Alpha = 0.5 }).Settings["alpha"]);
        Assert.Contains("Softplus", Assert.Throws<InvalidConfigurationException>(() => Build("Activation", new LayerParameters { Activation = "ELU", Beta = 2 })).Message);
        Assert.Contains("Softmax", Assert.Throws<InvalidConfigurationException>(() => Build("Activation", new LayerParameters { Activation = "ReLU", Axis = 1 })).Message);
        Assert.Contains("batch", Assert.Throws<InvalidConfigurationException>(() => Build("Activation", new LayerParameters { Activation = "Softmax", Axis = 0 })).Message);
        Assert.Contains("-Axis", Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = 3, Activation = "Softmax", Axis = 1 })).Message);
    }

    [Theory]
    [InlineData("Dropout")]
    [InlineData("Dropout2d")]
    public void Dropout_maps_rate(string type)
    {
        var spec = Build(type, new LayerParameters { Rate = 0.25 });
        Assert.Equal(type, spec.Type);
        Assert.Equal(0.25, spec.Settings["rate"]);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Dropout_rate_outside_0_1_is_refused(double rate)
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("Dropout", new LayerParameters { Rate = rate }));
    }

    [Theory]
    [InlineData("Flatten")]
    [InlineData("GlobalAvgPool2d")]
    public void Parameterless_layers_have_no_settings(string type)
    {
        var spec = Build(type, new LayerParameters { Name = "x" });
        Assert.Empty(spec.Settings);
        Assert.Equal("x", spec.Name);
    }

    [Fact]
    public void Conv2d_maps_every_setting()
    {
        var spec = Build("conv2d", new LayerParameters
        {
            Filters = 32, KernelSize = new[] { 3 }, Stride = new[] { 2, 1 }, Padding = "same", Dilation = new[] { 2 }, Groups = 1,
            NoBias = true, Activation = "ReLU",
        });
        Assert.Equal("Conv2d", spec.Type);
        Assert.Equal(32L, spec.Settings["filters"]);
        Assert.Equal(new[] { 3, 3 }, spec.Settings["kernelSize"]);
        Assert.Equal(new[] { 2, 1 }, spec.Settings["stride"]);
        Assert.Equal("Same", spec.Settings["padding"]);
        Assert.Equal(new[] { 2, 2 }, spec.Settings["dilation"]);
        Assert.Equal(1L, spec.Settings["groups"]);
        Assert.Equal(false, spec.Settings["useBias"]);
        Assert.Equal("ReLU", spec.Settings["activation"]);
        Assert.False(spec.Has("paddingSize"));
    }

    [Fact]
    public void Conv2d_kernel_can_be_rectangular()
    {
        var spec = Build("Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3, 5 } });
        Assert.Equal(new[] { 3, 5 }, spec.Settings["kernelSize"]);
    }

    [Fact]
    public void Conv2d_needs_filters_and_kernel_size()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { Filters = 8 }));
        Assert.Contains("-KernelSize", e.Message);
        e = Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { KernelSize = new[] { 3 } }));
        Assert.Contains("-Filters", e.Message);
    }

    [Fact]
    public void Kernel_size_of_three_numbers_is_refused()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3, 3, 3 } }));
        Assert.Contains("-KernelSize", e.Message);
    }

    [Fact]
    public void Zero_stride_is_refused()
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3 }, Stride = new[] { 0 } }));
    }

    public static TheoryData<object, string?, int[]?> PaddingForms => new()
    {
        { 1, null, new[] { 1, 1 } },
        { 2L, null, new[] { 2, 2 } },
        { 1.0, null, new[] { 1, 1 } },
        { new object[] { 1, 2 }, null, new[] { 1, 2 } },
        { new[] { 0, 3 }, null, new[] { 0, 3 } },
        { new object[] { "1", 2 }, null, new[] { 1, 2 } },
        { "Same", "Same", null },
        { "same", "Same", null },
        { "VALID", "Valid", null },
        { " valid ", "Valid", null },
        { "2", null, new[] { 2, 2 } },
        { "1,2", null, new[] { 1, 2 } },
    };

    [Theory]
    [MemberData(nameof(PaddingForms))]
    public void Padding_accepts_a_number_two_numbers_Same_or_Valid(object padding, string? mode, int[]? size)
    {
        var spec = Build("Conv2d", new LayerParameters { Filters = 4, KernelSize = new[] { 3 }, Padding = padding });
        if (mode is not null)
        {
            Assert.Equal(mode, spec.Settings["padding"]);
            Assert.False(spec.Has("paddingSize"));
        }
        else
        {
            Assert.Equal(size, spec.Settings["paddingSize"]);
            Assert.False(spec.Has("padding"));
        }
    }

    [Theory]
    [InlineData("full")]
    [InlineData("")]
    [InlineData(1.5)]
    [InlineData(-1)]
    public void Bad_padding_is_refused_with_the_accepted_forms(object padding)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { Filters = 4, KernelSize = new[] { 3 }, Padding = padding }));
        Assert.Contains("-Padding", e.Message);
    }

    [Fact]
    public void Padding_of_three_numbers_is_refused()
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("Conv2d", new LayerParameters { Filters = 4, KernelSize = new[] { 3 }, Padding = new object[] { 1, 1, 1 } }));
    }

    [Theory]
    [InlineData("MaxPool2d")]
    [InlineData("AvgPool2d")]
    public void Pooling_defaults_to_a_2x2_window(string type)
    {
        var spec = Build(type, new LayerParameters());
        Assert.Equal(new[] { 2, 2 }, spec.Settings["poolSize"]);
        Assert.False(spec.Has("stride"));
    }

    [Fact]
    public void Pooling_takes_PoolSize_or_KernelSize_stride_and_padding()
    {
        var a = Build("MaxPool2d", new LayerParameters { PoolSize = new[] { 3 }, Stride = new[] { 2 }, Padding = 1 });
        Assert.Equal(new[] { 3, 3 }, a.Settings["poolSize"]);
        Assert.Equal(new[] { 2, 2 }, a.Settings["stride"]);
        Assert.Equal(new[] { 1, 1 }, a.Settings["paddingSize"]);
        var b = Build("AvgPool2d", new LayerParameters { KernelSize = new[] { 2, 3 }, Padding = "Valid" });
        Assert.Equal(new[] { 2, 3 }, b.Settings["poolSize"]);
        Assert.Equal("Valid", b.Settings["padding"]);
    }

    [Fact]
    public void Pooling_refuses_both_PoolSize_and_KernelSize()
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("MaxPool2d", new LayerParameters { PoolSize = new[] { 2 }, KernelSize = new[] { 2 } }));
    }

    [Fact]
    public void BatchNorm_maps_momentum_and_epsilon()
    {
        var spec = Build("BatchNorm", new LayerParameters { Momentum = 0.01, Epsilon = 1e-3 });
        Assert.Equal(0.01, spec.Settings["momentum"]);
        Assert.Equal(1e-3, spec.Settings["epsilon"]);
        Assert.Empty(Build("BatchNorm", new LayerParameters()).Settings);
    }

    [Fact]
    public void BatchNorm_refuses_momentum_above_1_and_epsilon_0()
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("BatchNorm", new LayerParameters { Momentum = 1.5 }));
        Assert.Throws<InvalidConfigurationException>(() => Build("BatchNorm", new LayerParameters { Epsilon = 0 }));
    }

    [Fact]
    public void Residual_collects_the_layer_specs_its_script_block_wrote()
    {
        var conv = Build("Conv2d", new LayerParameters { Filters = 8, KernelSize = new[] { 3 }, Padding = "Same" });
        var bn = Build("BatchNorm", new LayerParameters());
        var spec = Build("Residual", new LayerParameters { Layers = new object?[] { conv, null, bn }, Name = "block1" });
        Assert.Equal("Residual", spec.Type);
        Assert.Equal("block1", spec.Name);
        Assert.Equal(new[] { conv, bn }, spec.Children);
    }

    [Fact]
    public void Residual_refuses_output_that_is_not_a_layer()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Residual", new LayerParameters { Layers = new object?[] { "oops" } }));
        Assert.Contains("String", e.Message);
    }

    [Fact]
    public void Residual_refuses_an_empty_block()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Residual", new LayerParameters { Layers = Array.Empty<object?>() }));
        Assert.Contains("no layers", e.Message);
    }

    [Fact]
    public void A_parameter_that_does_not_apply_is_refused_with_what_the_type_takes()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = 4, Filters = 3 }));
        Assert.Contains("-Filters", e.Message);
        Assert.Contains("-Units", e.Message);
        e = Assert.Throws<InvalidConfigurationException>(() => Build("Flatten", new LayerParameters { Units = 4 }));
        Assert.Contains("no layer parameters", e.Message);
    }

    [Fact]
    public void A_missing_required_parameter_is_named_with_an_example()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters()));
        Assert.Contains("-Units", e.Message);
        Assert.Contains("Add-Layer Dense -Units", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Units_must_be_positive(int units)
    {
        Assert.Throws<InvalidConfigurationException>(() => Build("Dense", new LayerParameters { Units = units }));
    }

    [Fact]
    public void Unknown_type_lists_the_known_ones()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Build("LSTM2", new LayerParameters()));
        Assert.Contains("Conv2d", e.Message);
    }

    [Fact]
    public void Every_offered_type_builds_with_its_required_parameters()
    {
        var child = Build("Dense", new LayerParameters { Units = 2 });
        foreach (var type in LayerSpecBuilder.LayerTypes)
        {
            var p = type switch
            {
                "Dense" => new LayerParameters { Units = 2 },
                "Activation" => new LayerParameters { Activation = "ReLU" },
                "Dropout" or "Dropout2d" => new LayerParameters { Rate = 0.5 },
                "Conv2d" => new LayerParameters { Filters = 2, KernelSize = new[] { 3 } },
                "Residual" => new LayerParameters { Layers = new object?[] { child } },
                "SimpleRNN" or "LSTM" or "GRU" => new LayerParameters { Units = 2 },
                "Embedding" => new LayerParameters { VocabularySize = 5, Dimensions = 2 },
                _ => new LayerParameters(),
            };
            Assert.Equal(type, Build(type.ToUpperInvariant(), p).Type);
        }
    }
}
