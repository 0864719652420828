using System.Buffers.Binary;
using System.Security.Cryptography;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

/// <summary>Frozen layers (transfer learning): training leaves them bit-unchanged and does no gradient work for
/// their weights (their gradient tensors, filled with NaN before training, are never written), input gradients
/// still reach earlier trainable layers, a frozen prefix gets no backward pass, the optimizer binds only trainable
/// parameters, and the model file keeps the flags.</summary>
public class FreezingTests
{
    private static Network Mlp(ulong seed = 2) => new Network("mlp", new Shape(2), seed)
        .Add(new Dense(16, ActivationKind.ReLU, name: "hidden1"))
        .Add(new Dense(16, ActivationKind.GELU, name: "hidden2"))
        .Add(new Dense(3, name: "head"));

    private static Network Cnn(ulong seed = 3) => new Network("cnn", new Shape(1, 6, 6), seed)
        .Add(new Conv2d(4, new[] { 3 }, activation: ActivationKind.ReLU, name: "conv1"))
        .Add(new BatchNorm(name: "bn"))
        .Add(new Conv2d(4, new[] { 3 }, padding: NeuralPS.Core.Backends.PaddingMode.Same, activation: ActivationKind.SiLU, name: "conv2"))
        .Add(new Flatten())
        .Add(new Dense(3, name: "head"));

    private static Dataset Images(int n, ulong seed)
    {
        var rng = new NeuralRandom(seed);
        var x = new Tensor(n, 1, 6, 6);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.NextInt(3);
            for (int j = 0; j < 36; j++) x[i * 36 + j] = (float)(rng.NextGaussian() + (j % 3 == y[i] ? 1 : 0));
        }
        return new Dataset(x, y, null, new[] { "a", "b", "c" }, "images");
    }

    private static void Train(Network net, Dataset data, int epochs = 3) =>
        new Trainer(net, new TrainingOptions { Epochs = epochs, BatchSize = 16, LearningRate = 0.01, Seed = 5 }).Fit(data).ToList();

    private static float[] Snapshot(Layer layer) => layer.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    private static void Poison(Layer layer)
    {
        foreach (var p in layer.Parameters) p.Gradient.Fill(float.NaN);
    }

    private static bool Untouched(Layer layer) => layer.Parameters.All(p => p.Gradient.ToArray().All(float.IsNaN));

    [Fact]
    public void FrozenMiddleDense_StaysBitIdentical_AndItsGradientIsNeverComputed()
    {
        var net = Mlp();
        var middle = net.Layers[1];
        middle.Frozen = true;
        var before = net.Layers.Select(Snapshot).ToArray();
        Poison(middle);
        Train(net, TrainerTests.Spirals(40, 1));
        Assert.Equal(before[1], Snapshot(middle));               // bit-identical
        Assert.True(Untouched(middle), "the frozen layer's weight gradient was written");
        Assert.NotEqual(before[0], Snapshot(net.Layers[0]));     // the layer below still learns: dx went through
        Assert.NotEqual(before[2], Snapshot(net.Layers[2]));
    }

    [Fact]
    public void FrozenLayer_PassesTheSameInputGradientAsWhenTrainable()
    {
        var data = TrainerTests.Spirals(10, 4);
        var batch = Tensor.FromArray(new Shape(30, 2), data.Features.Span);
        foreach (var net in new[] { Mlp(7), Cnn(8) })
        {
            var x = net.InputShape.Rank == 1 ? batch : Images(30, 9).Features;
            var gradients = new List<float[]>();
            foreach (bool frozen in new[] { false, true })
            {
                var copy = Clone(net);
                copy.Layers[copy.Layers.Count == 3 ? 1 : 2].Frozen = frozen; // hidden2 / conv2: in the middle
                var context = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
                var y = copy.Forward(x, context);
                var dy = GradientCheck.Random(y.Shape, 11);
                copy.Backward(dy, context);
                gradients.Add(copy.Layers[0].Parameters[0].Gradient.ToArray());
            }
            for (int i = 0; i < gradients[0].Length; i++)
                Assert.True(Math.Abs(gradients[0][i] - gradients[1][i]) <= 1e-5 * Math.Max(1, Math.Abs(gradients[0][i])), $"{net.Name}: dW[{i}] {gradients[0][i]} vs {gradients[1][i]}");
        }
    }

    [Fact]
    public void FrozenPrefix_GetsNoBackward_AndTheCnnStaysBitIdentical()
    {
        var net = Cnn();
        foreach (var l in net.Layers.Take(3)) l.Frozen = true;
        Assert.Equal(4, net.FirstTrainableLayer); // Flatten has no weights: the head is the first trainable layer
        var bn = (BatchNorm)net.Layers[1];
        var runningBefore = bn.Buffers.Select(b => b.Value.ToArray()).ToArray();
        var before = net.Layers.Take(3).Select(Snapshot).ToArray();
        foreach (var l in net.Layers.Take(3)) Poison(l);
        var headBefore = Snapshot(net.Layers[4]);
        Train(net, Images(64, 1));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(before[i], Snapshot(net.Layers[i]));
            Assert.True(Untouched(net.Layers[i]), $"{net.Layers[i].Name}: gradient written");
        }
        // A frozen BatchNorm normalises with its running statistics and leaves them unchanged.
        Assert.Equal(runningBefore, bn.Buffers.Select(b => b.Value.ToArray()).ToArray());
        Assert.NotEqual(headBefore, Snapshot(net.Layers[4]));
    }

    [Fact]
    public void FrozenBatchNorm_InTraining_ComputesItsInferenceForm_AndItsGradientChecks()
    {
        var bn = new BatchNorm(name: "bn");
        bn.Build(new Shape(3, 2, 2), new NeuralRandom(1));
        var running = bn.Buffers;
        for (int c = 0; c < 3; c++) { running[0].Value[c] = 0.2f * c; running[1].Value[c] = 1 + c; }
        bn.Frozen = true;
        var x = GradientCheck.Random(new Shape(4, 3, 2, 2), 3, scale: 2f);
        var training = bn.Forward(x, new LayerContext(CpuBackend.Instance, training: true)).ToArray();
        var inference = bn.Forward(x, LayerContext.Inference()).ToArray();
        Assert.Equal(inference, training);
        GradientCheck.Check(bn, x, new GradientCheck.Options { CheckParameters = false });
    }

    [Fact]
    public void Optimizer_BindsOnlyTrainableParameters_AndEveryFrozenNetworkIsRefused()
    {
        var net = Mlp();
        net.Layers[0].Frozen = true;
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, Optimizer = "Adam" });
        Assert.DoesNotContain(trainer.Optimizer.State, s => s.Name.StartsWith("hidden1.", StringComparison.Ordinal));
        Assert.Contains(trainer.Optimizer.State, s => s.Name.StartsWith("hidden2.", StringComparison.Ordinal));
        foreach (var l in net.Layers) l.Frozen = true;
        var e = Assert.Throws<InvalidConfigurationException>(() => new Trainer(net, new TrainingOptions { Epochs = 1 }).Fit(TrainerTests.Spirals(5, 1)));
        Assert.Contains("frozen", e.Message);
    }

    [Fact]
    public void FrozenResidualBlock_FreezesItsInnerLayers()
    {
        var net = new Network("res", new Shape(4), 1).Add(new Residual(new Layer[] { new Dense(4, ActivationKind.ReLU), new Dense(4) }, name: "block")).Add(new Dense(2));
        net.Layers[0].Frozen = true;
        var inner = ((Residual)net.Layers[0]).Layers;
        Assert.All(inner, l => Assert.True(l.Frozen));
        Assert.Empty(net.Layers[0].TrainableParameters);
        Assert.Equal(1, net.FirstTrainableLayer);
        var copy = Clone(net);
        Assert.True(copy.Layers[0].Frozen);
        Assert.All(((Residual)copy.Layers[0]).Layers, l => Assert.True(l.Frozen));
    }

    [Fact]
    public void ModelFile_KeepsTheFrozenFlags_AndUnfrozenLayersWriteNothingNew()
    {
        var net = Cnn();
        net.Layers[0].Frozen = true;
        net.Layers[2].Frozen = true;
        var copy = Clone(net);
        Assert.Equal(new[] { true, false, true, false, false }, copy.Layers.Select(l => l.Frozen));
        Assert.False(net.Layers[1].Describe().Has("frozen"));
        Assert.True(net.Layers[0].Describe().GetBool("frozen"));
    }

    [Fact]
    public void RemoveLast_DropsTheHead_FreesItsName_AndANewHeadFits()
    {
        var net = Mlp();
        net.RemoveLast(1);
        Assert.Equal(2, net.Layers.Count);
        net.Add(new Dense(5, name: "head"));
        Assert.Equal(new Shape(5), net.OutputShape);
        Assert.Throws<InvalidConfigurationException>(() => net.RemoveLast(4));
        Assert.Throws<InvalidConfigurationException>(() => net.RemoveLast(0));
    }

    [Fact]
    public void FormatOneFile_WithGelu_LoadsAsTheTanhForm_AndComputesWhatItDid()
    {
        // Format 1 wrote "GELU" for the tanh approximation (the only GELU then). A format-2 file of a network
        // whose activation is named "GELU" is rewritten as format 1 (version field and checksum), as main wrote it.
        var net = new Network("g", new Shape(3), 4).Add(new Dense(5, ActivationKind.GELU, name: "d")).Add(new Activation(ActivationKind.GELU, name: "a"));
        using var ms = new MemoryStream();
        ModelFile.Save(net, ms);
        byte[] file = ms.ToArray();
        Assert.Equal(ModelFile.FormatVersion, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)));
        var current = ModelFile.Load(new MemoryStream(file));
        Assert.Equal(ActivationKind.GELU, ((Dense)current.Layers[0]).Activation);

        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), 1);
        var hashed = file.AsSpan(0, 20).ToArray().Concat(file.AsSpan(52).ToArray()).ToArray();
        SHA256.HashData(hashed).CopyTo(file.AsSpan(20));
        var old = ModelFile.Load(new MemoryStream(file));
        Assert.Equal(ActivationKind.GELUTanh, ((Dense)old.Layers[0]).Activation);
        Assert.Equal(ActivationKind.GELUTanh, ((Activation)old.Layers[1]).Kind);

        var x = GradientCheck.Random(new Shape(4, 3), 6, scale: 2f);
        var tanh = new Network("g", new Shape(3), 4).Add(new Dense(5, ActivationKind.GELUTanh, name: "d")).Add(new Activation(ActivationKind.GELUTanh, name: "a"));
        net.Layers[0].Parameters[0].Value.Span.CopyTo(tanh.Layers[0].Parameters[0].Value.Span);
        Assert.Equal(tanh.Forward(x, LayerContext.Inference()).ToArray(), old.Forward(x, LayerContext.Inference()).ToArray());
        Assert.NotEqual(tanh.Forward(x, LayerContext.Inference()).ToArray(), current.Forward(x, LayerContext.Inference()).ToArray());
    }

    private static Network Clone(Network net)
    {
        using var ms = new MemoryStream();
        ModelFile.Save(net, ms);
        ms.Position = 0;
        return ModelFile.Load(ms);
    }
}
