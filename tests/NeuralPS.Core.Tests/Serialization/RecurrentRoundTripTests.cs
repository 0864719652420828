using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using Xunit;

namespace NeuralPS.Core.Tests.Serialization;

/// <summary>Issue #12's layers through the model file: the architecture (units, directions, sequences,
/// embedding table and padding id) and every PyTorch-named weight come back exactly, so outputs are
/// bit-identical; absurd sizes in a file are refused before anything is allocated.</summary>
public sealed class RecurrentRoundTripTests
{
    [Fact]
    public void A_Dense_weightInit_round_trips_and_a_default_layer_writes_the_file_it_wrote_before_the_setting()
    {
        Network Make(WeightInit init) => new Network("names", new Shape(6), 3)
            .Add(new Embedding(10, 4, paddingIndex: 0))
            .Add(new GRU(5, maskZeroSteps: true))
            .Add(new Dense(2, weightInit: init));
        var torch = Make(WeightInit.PyTorch);
        var loaded = ModelFile.Load(new MemoryStream(ModelFile.Encode(torch)));
        Assert.Equal(WeightInit.PyTorch, Assert.IsType<Dense>(loaded.Layers[^1]).WeightInit);
        Assert.Equal(torch.Parameters.Select(p => p.Value.ToArray()), loaded.Parameters.Select(p => p.Value.ToArray()));

        // The default (Auto) writes no weightInit key: its file is byte for byte what a reader without the setting
        // expects, and such a file (no key) loads as Auto.
        var auto = ModelFile.Encode(Make(WeightInit.Auto));
        Assert.Equal(-1, IndexOf(auto, "weightInit"u8));
        Assert.NotEqual(-1, IndexOf(ModelFile.Encode(torch), "weightInit"u8));
        Assert.Equal(WeightInit.Auto, Assert.IsType<Dense>(ModelFile.Load(new MemoryStream(auto)).Layers[^1]).WeightInit);
    }

    [Fact]
    public void A_file_written_before_the_weightInit_setting_loads_as_Auto_with_the_weights_the_current_code_draws()
    {
        // fixtures/before-weightinit.npsm: written by main's module at 03b7623, before Dense had the setting
        // (fixtures/make_before_weightinit.ps1 regenerates it from such a build).
        var old = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Serialization", "fixtures", "before-weightinit.npsm"));
        var dense = old.Layers.OfType<Dense>().ToArray();
        Assert.Equal(2, dense.Length);
        Assert.All(dense, d => Assert.Equal(WeightInit.Auto, d.WeightInit));
        // The same network drawn today from the same seed: the default initialisation did not change.
        var now = new Network("before", new Shape(6), 3)
            .Add(new Embedding(10, 4, paddingIndex: 0))
            .Add(new GRU(5, maskZeroSteps: true))
            .Add(new Dense(3, ActivationKind.Tanh))
            .Add(new Dense(2));
        Assert.Equal(now.Parameters.Select(p => (p.Name, p.Value.ToArray())), old.Parameters.Select(p => (p.Name, p.Value.ToArray())));
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    [Fact]
    public void Embedding_Lstm_Gru_SimpleRnn_and_a_per_step_Dense_round_trip_to_bit_identical_outputs()
    {
        var net = new Network("seq", new Shape(9), 11)
            .Add(new Embedding(12, 5, paddingIndex: 0))
            .Add(new LSTM(6, returnSequences: true, bidirectional: true))
            .Add(new Dropout(0.2))
            .Add(new GRU(4, returnSequences: true, useBias: false))
            .Add(new Dense(3, ActivationKind.Tanh))
            .Add(new SimpleRNN(5, bidirectional: true))
            .Add(new Dense(2));
        var bytes = ModelFile.Encode(net);
        var loaded = ModelFile.Load(new MemoryStream(bytes));
        Assert.Equal(net.Layers.Select(l => (l.Name, l.Type, l.OutputShape, l.Details)), loaded.Layers.Select(l => (l.Name, l.Type, l.OutputShape, l.Details)));
        Assert.Equal(net.Parameters.Select(p => (p.Name, p.Value.ToArray())), loaded.Parameters.Select(p => (p.Name, p.Value.ToArray())));
        Assert.Contains(loaded.Parameters, p => p.Name == "weight_hh_reverse");

        var rng = new NeuralRandom(4);
        var ids = new Tensor(new Shape(7, 9));
        for (int i = 0; i < ids.Size; i++) ids[i] = rng.NextInt(12);
        var a = net.Forward(ids, LayerContext.Inference()).ToArray();
        var b = loaded.Forward(ids, LayerContext.Inference()).ToArray();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(bytes, ModelFile.Encode(loaded));
    }

    [Theory]
    [InlineData("LSTM", "units", 1L << 40)]
    [InlineData("GRU", "units", 1L << 20)]
    [InlineData("SimpleRNN", "units", -3L)]
    [InlineData("Embedding", "vocabularySize", 1L << 30)]
    [InlineData("Embedding", "dimensions", 1L << 27)]
    public void A_file_with_absurd_recurrent_or_embedding_sizes_is_refused_without_allocating(string type, string key, long value)
    {
        Layer small = type switch
        {
            "Embedding" => new Embedding(10, 4),
            "LSTM" => new LSTM(3),
            "GRU" => new GRU(3),
            _ => new SimpleRNN(3),
        };
        var net = new Network("n", type == "Embedding" ? new Shape(5) : new Shape(5, 2), 1).Add(small);
        var spec = net.Layers[0].ToSpec();
        spec.Set(key, value);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Record.Exception(() => LayerRegistry.Create(spec));
        Assert.True(ex is InvalidConfigurationException or ModelFileException or OverflowException, ex?.ToString() ?? "no exception");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the refusal must come before any large allocation");
    }
}
