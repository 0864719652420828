using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Data;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Serialization;

/// <summary>Issue #4's layers through the model file: BatchNorm running statistics (buffers) and the inner
/// layers and projection of Residual blocks must come back exactly.</summary>
public sealed class ConvRoundTripTests
{
    [Fact]
    public void Cnn_with_batchnorm_and_residual_blocks_round_trips_to_bit_identical_outputs()
    {
        var train = IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTrainLabels, new IdxReadOptions { Limit = 128 });
        var net = new Network("resnet-ish", new Shape(1, 28, 28), 5);
        net.Add(new Conv2d(4, 3, padding: PaddingMode.Same))
           .Add(new BatchNorm())
           .Add(new Activation(ActivationKind.ReLU))
           .Add(new Residual(new Layer[] { new Conv2d(4, 3, padding: PaddingMode.Same), new BatchNorm(), new Activation(ActivationKind.ReLU), new Conv2d(4, 3, padding: PaddingMode.Same) }, ActivationKind.ReLU))
           .Add(new Residual(new Layer[] { new Conv2d(8, 3, stride: 2, padding: PaddingMode.Same), new BatchNorm() }, ActivationKind.ReLU)) // projection: 4→8 channels, stride 2
           .Add(new MaxPool2d(2))
           .Add(new GlobalAvgPool2d())
           .Add(new Dense(10));
        new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 5 }).Fit(train).ToList();

        var residual = Assert.IsType<Residual>(net.Layers[4]);
        Assert.NotNull(residual.Projection);
        Assert.Contains(net.Layers[1].Buffers, b => b.Value.ToArray().Any(v => v != 0f && v != 1f)); // running stats moved

        var loaded = ModelFile.Load(new MemoryStream(ModelFile.Encode(net)));
        Assert.Equal(net.Layers.Select(l => (l.Name, l.Type, l.OutputShape)), loaded.Layers.Select(l => (l.Name, l.Type, l.OutputShape)));
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Assert.Equal(net.Layers[i].Parameters.Select(p => p.Value.ToArray()), loaded.Layers[i].Parameters.Select(p => p.Value.ToArray()));
            Assert.Equal(net.Layers[i].Buffers.Select(b => (b.Name, b.Value.ToArray())), loaded.Layers[i].Buffers.Select(b => (b.Name, b.Value.ToArray())));
        }
        var x = train.Subset(Enumerable.Range(0, 16).ToArray()).Features;
        var a = net.Forward(x, LayerContext.Inference()).ToArray();
        var b = loaded.Forward(x, LayerContext.Inference()).ToArray();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(ModelFile.Encode(net), ModelFile.Encode(loaded));
    }
}
