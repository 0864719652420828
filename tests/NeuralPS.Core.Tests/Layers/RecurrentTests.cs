using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Layers;

/// <summary>SimpleRNN, LSTM and GRU: backpropagation through time against central finite differences
/// (the float64 objective of GradientCheck; float32 layers, so its float32 tolerances), in every mode
/// (last step / all steps, one or two directions, stacked, batch 1, length 1), plus shapes, specs and
/// a steady-state training step that allocates nothing.</summary>
public class RecurrentTests
{
    public static RecurrentLayer Make(RecurrentCellKind cell, int units, bool sequences, bool bidirectional, bool useBias = true, string? name = null, bool mask = false) => cell switch
    {
        RecurrentCellKind.SimpleRNN => new SimpleRNN(units, sequences, bidirectional, useBias, name, mask),
        RecurrentCellKind.LSTM => new LSTM(units, sequences, bidirectional, useBias, name, mask),
        _ => new GRU(units, sequences, bidirectional, useBias, name, mask),
    };

    private static RecurrentLayer Built(RecurrentCellKind cell, int time, int features, int units, bool sequences, bool bidirectional, bool useBias = true)
    {
        var layer = Make(cell, units, sequences, bidirectional, useBias, "rnn");
        layer.Build(new Shape(time, features), new NeuralRandom(17));
        return layer;
    }

    public static IEnumerable<object[]> Modes()
    {
        foreach (RecurrentCellKind cell in Enum.GetValues<RecurrentCellKind>())
            foreach (bool sequences in new[] { false, true })
                foreach (bool bidirectional in new[] { false, true })
                    yield return new object[] { cell, sequences, bidirectional };
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Gradients_MatchFiniteDifferences(RecurrentCellKind cell, bool sequences, bool bidirectional)
    {
        var layer = Built(cell, time: 5, features: 4, units: 3, sequences, bidirectional);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(3, 5, 4), 21));
    }

    [Theory]
    [InlineData(RecurrentCellKind.SimpleRNN)]
    [InlineData(RecurrentCellKind.LSTM)]
    [InlineData(RecurrentCellKind.GRU)]
    public void Gradients_MatchFiniteDifferences_BatchOneLengthOne(RecurrentCellKind cell)
    {
        GradientCheck.Check(Built(cell, 1, 3, 4, sequences: true, bidirectional: true), GradientCheck.Random(new Shape(1, 1, 3), 22));
        GradientCheck.Check(Built(cell, 1, 3, 4, sequences: false, bidirectional: false), GradientCheck.Random(new Shape(1, 1, 3), 23));
        GradientCheck.Check(Built(cell, 6, 2, 3, sequences: false, bidirectional: true), GradientCheck.Random(new Shape(1, 6, 2), 24));
    }

    [Theory]
    [InlineData(RecurrentCellKind.SimpleRNN)]
    [InlineData(RecurrentCellKind.LSTM)]
    [InlineData(RecurrentCellKind.GRU)]
    public void Gradients_MatchFiniteDifferences_WithoutBias(RecurrentCellKind cell)
    {
        var layer = Built(cell, 4, 3, 2, sequences: true, bidirectional: false, useBias: false);
        Assert.Equal(2, layer.Parameters.Count);
        GradientCheck.Check(layer, GradientCheck.Random(new Shape(2, 4, 3), 25));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_StackedBidirectionalLstmIntoGruIntoDenseOverSteps()
    {
        var stack = new Stack(new LSTM(4, returnSequences: true, bidirectional: true), new GRU(3, returnSequences: true), new Dense(2, ActivationKind.Tanh));
        stack.Build(new Shape(5, 3), new NeuralRandom(5));
        Assert.Equal(new Shape(5, 2), stack.OutputShape);
        GradientCheck.Check(stack, GradientCheck.Random(new Shape(2, 5, 3), 26));
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences_EmbeddingIntoBidirectionalGru()
    {
        var stack = new Stack(new Embedding(7, 3, paddingIndex: 0), new GRU(3, bidirectional: true));
        stack.Build(new Shape(4), new NeuralRandom(6));
        var ids = Tensor.FromArray(new Shape(3, 4), new float[] { 1, 2, 3, 0, 6, 5, 4, 4, 0, 0, 1, 2 });
        GradientCheck.Check(stack, ids, new GradientCheck.Options { CheckInput = false });
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void MaskZeroSteps_GivesAPaddedBatchWhatEachSequenceGivesAlone(RecurrentCellKind cell, bool sequences, bool bidirectional)
    {
        const int time = 6, features = 3, units = 4;
        int width = (bidirectional ? 2 : 1) * units;
        var padded = Make(cell, units, sequences, bidirectional, name: "padded", mask: true);
        padded.Build(new Shape(time, features), new NeuralRandom(8));
        // Sample 0: 6 real steps; 1: 4 then padding; 2: 1 then padding; 3: 2 steps of padding first, then 3 real, then 1 padding.
        var x = GradientCheck.Random(new Shape(4, time, features), 41);
        (int From, int Length)[] real = { (0, 6), (0, 4), (0, 1), (2, 3) };
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < time; t++)
                if (t < real[b].From || t >= real[b].From + real[b].Length)
                    x.Span.Slice((b * time + t) * features, features).Clear();
        var y = padded.Forward(x, LayerContext.Inference()).ToArray();
        for (int b = 0; b < 4; b++)
        {
            var (from, length) = real[b];
            var alone = Make(cell, units, sequences, bidirectional, name: "alone");
            alone.Build(new Shape(length, features), new NeuralRandom(8));
            for (int p = 0; p < padded.Parameters.Count; p++) padded.Parameters[p].Value.Span.CopyTo(alone.Parameters[p].Value.Span);
            var xs = Tensor.FromArray(new Shape(1, length, features), x.Span.Slice((b * time + from) * features, length * features));
            var ya = alone.Forward(xs, LayerContext.Inference()).ToArray();
            for (int j = 0; j < width; j++)
            {
                if (!sequences)
                {
                    Assert.Equal(ya[j], y[b * width + j], 5);
                    continue;
                }
                for (int t = 0; t < time; t++)
                {
                    bool isReal = t >= from && t < from + length;
                    Assert.Equal(isReal ? ya[(t - from) * width + j] : 0f, y[(b * time + t) * width + j], 5);
                }
            }
        }

        // Parameter gradients through the masked steps (the input is not probed: nudging a padded step
        // would unmask it), and no gradient reaches a padded step.
        GradientCheck.Check(padded, x, new GradientCheck.Options { CheckInput = false });
        var r = GradientCheck.Random(padded.OutputShape.WithBatch(4), 42);
        padded.Forward(x, LayerContext.Inference());
        var dx = padded.Backward(r, LayerContext.Inference())!.ToArray();
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < time; t++)
                if (t < real[b].From || t >= real[b].From + real[b].Length)
                    Assert.All(dx.AsSpan((b * time + t) * features, features).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(false, false, 6)]
    [InlineData(true, false, 3 * 6)]
    [InlineData(false, true, 12)]
    [InlineData(true, true, 3 * 12)]
    public void OutputShape_FollowsReturnSequencesAndDirections(bool sequences, bool bidirectional, int size)
    {
        var layer = Built(RecurrentCellKind.LSTM, 3, 2, 6, sequences, bidirectional);
        Assert.Equal(size, layer.OutputShape.Size);
        Assert.Equal(sequences ? 2 : 1, layer.OutputShape.Rank);
        Assert.Equal(bidirectional ? 16 : 8, layer.Parameters.Count * 2);
        Assert.Equal(new Shape(24, 2), layer.GetParameter("weight_ih").Shape);
        Assert.Equal(new Shape(24, 6), layer.GetParameter("weight_hh").Shape);
        Assert.Equal(new Shape(24), layer.GetParameter("bias_hh").Shape);
        if (bidirectional) Assert.Equal(new Shape(24, 6), layer.GetParameter("weight_hh_reverse").Shape);
    }

    [Fact]
    public void LastStepOutput_IsTheForwardLastStepAndTheReverseFirstStep()
    {
        var all = Built(RecurrentCellKind.GRU, 4, 3, 2, sequences: true, bidirectional: true);
        var last = Built(RecurrentCellKind.GRU, 4, 3, 2, sequences: false, bidirectional: true);
        var x = GradientCheck.Random(new Shape(2, 4, 3), 30);
        var ys = all.Forward(x, LayerContext.Inference()).ToArray();
        var yl = last.Forward(x, LayerContext.Inference()).ToArray();
        for (int b = 0; b < 2; b++)
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(ys[(b * 4 + 3) * 4 + j], yl[b * 4 + j]);         // forward h at t = T−1
                Assert.Equal(ys[(b * 4 + 0) * 4 + 2 + j], yl[b * 4 + 2 + j]); // reverse h at t = 0
            }
    }

    [Fact]
    public void SmallerBatch_ReusesBuffersAndComputesTheSameRows()
    {
        var layer = Built(RecurrentCellKind.LSTM, 4, 3, 5, sequences: true, bidirectional: true);
        var x = GradientCheck.Random(new Shape(5, 4, 3), 31);
        var full = layer.Forward(x, LayerContext.Inference()).ToArray();
        var part = layer.Forward(Tensor.FromArray(new Shape(2, 4, 3), x.Span[..24]), LayerContext.Inference());
        Assert.Equal(full.AsSpan(0, part.Size).ToArray(), part.ToArray());
    }

    [Fact]
    public void WrongInputRank_IsRefusedNamingTheShape()
    {
        var net = new Network("n", new Shape(8), 1);
        var ex = Assert.Throws<ShapeMismatchException>(() => net.Add(new LSTM(4)));
        Assert.Contains("(8,)", ex.Message);
        Assert.Contains("(time, features)", ex.Message);
    }

    [Fact]
    public void AbsurdUnits_AreRefusedBeforeAllocating()
    {
        Assert.Throws<InvalidConfigurationException>(() => new GRU(0));
        Assert.Throws<InvalidConfigurationException>(() => LayerRegistry.Create(new LayerSpec("LSTM", "x").Set("units", 1 << 30)));
        // Allowed units, absurd features: refused by the size of weight_ih before it is allocated.
        var net = new Network("n", new Shape(2, 1 << 20), 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidConfigurationException>(() => net.Add(new LSTM(RecurrentLayer.MaxUnits)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void Spec_RoundTripsThroughTheRegistry(string type)
    {
        var spec = new LayerSpec(type, "seq").Set("units", 7).Set("returnSequences", true).Set("bidirectional", true).Set("useBias", false).Set("maskZeroSteps", true);
        var layer = Assert.IsAssignableFrom<RecurrentLayer>(LayerRegistry.Create(spec));
        Assert.Equal((type, "seq", 7, true, true, false, true), (layer.Type, layer.Name, layer.Units, layer.ReturnSequences, layer.Bidirectional, layer.UseBias, layer.MaskZeroSteps));
        Assert.Equal(spec.Settings, layer.ToSpec().Settings);
        var defaults = (RecurrentLayer)LayerRegistry.Create(new LayerSpec(type, "d").Set("units", 2));
        Assert.Equal((false, false, true, false), (defaults.ReturnSequences, defaults.Bidirectional, defaults.UseBias, defaults.MaskZeroSteps));
    }

    [Fact]
    public void Init_IsPyTorchsUniformOverOneOverSqrtUnits()
    {
        var layer = Built(RecurrentCellKind.LSTM, 2, 30, 64, false, false);
        double limit = 1 / Math.Sqrt(64);
        foreach (var p in layer.Parameters)
        {
            Assert.All(p.Value.ToArray(), v => Assert.InRange(v, -limit, limit));
            Assert.InRange(p.Value.ToArray().Max(), 0.9 * limit, limit);
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.LSTM)]
    [InlineData(RecurrentCellKind.GRU)]
    [InlineData(RecurrentCellKind.SimpleRNN)]
    public void SteadyStateTrainingStep_AllocatesNothing(RecurrentCellKind cell)
    {
        const int n = 64, batch = 32, time = 12, features = 5;
        var net = new Network("seq", new Shape(time, features), 7)
            .Add(Make(cell, 16, true, true)).Add(Make(cell, 8, false, false)).Add(new Dense(3));
        var rng = new NeuralRandom(3);
        var x = new Tensor(new Shape(n, time, features));
        for (int i = 0; i < x.Size; i++) x[i] = rng.NextSingle();
        var data = new Dataset(x, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), null, null, "series");
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = batch, Optimizer = "Adam" });
        trainer.Fit(data).ToList();
        int[] indices = Enumerable.Range(0, batch).Select(i => (i * 37) % n).ToArray();
        Allocations.AssertTrainingStepsAllocateNothing(trainer, data, indices, steps: 3);
    }

    /// <summary>Layers in sequence as one layer, so a stack can go through GradientCheck.</summary>
    internal sealed class Stack : Layer
    {
        private readonly Layer[] _layers;
        private Parameter[] _parameters = Array.Empty<Parameter>();
        public Stack(params Layer[] layers) : base("stack") => _layers = layers;
        public override string Type => "Stack";
        public override IReadOnlyList<Parameter> Parameters => _parameters;

        protected override Shape Configure(Shape inputShape)
        {
            var shape = inputShape;
            var rng = new NeuralRandom(99);
            for (int i = 0; i < _layers.Length; i++)
            {
                _layers[i].Name = $"l{i}";
                _layers[i].Build(shape, rng);
                shape = _layers[i].OutputShape;
            }
            _parameters = _layers.SelectMany(l => l.Parameters).ToArray();
            return shape;
        }

        public override Tensor Forward(Tensor input, LayerContext context)
        {
            var t = input;
            foreach (var l in _layers) t = l.Forward(t, context);
            return t;
        }

        public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
        {
            Tensor? g = outputGradient;
            for (int i = _layers.Length - 1; i >= 0; i--) g = _layers[i].Backward(g!, context, i > 0 || needInputGradient);
            return g;
        }

        public override LayerSpec ToSpec() => new(Type, Name);
    }
}
