using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Training;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>Issue 8, "under load": trainings on two threads at once (as in two runspaces) and a training
/// while another thread predicts give the same weights as alone, with no exception. The kernels share one
/// thread team; this is what must not leak between callers. In the convolution-settings collection: other tests
/// switch the process-wide convolution strategy, which changes rounding, and this one compares bit for bit.</summary>
[Collection(Convolution.ConvSettingsCollection.Name)]
public sealed class ConcurrencyTests
{
    private static Network Net(ulong seed) => new Network("spiral", new Shape(2), seed)
        .Add(new Dense(256, ActivationKind.ReLU))
        .Add(new Dense(256, ActivationKind.ReLU))
        .Add(new Dense(3));

    private static float[][] Train(ulong seed)
    {
        var net = Net(seed);
        new Trainer(net, new TrainingOptions { Epochs = 10, BatchSize = 64, Seed = seed }).Fit(TrainerTests.Spirals(100, seed)).ToList();
        return net.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Fact]
    public async Task Two_trainings_at_once_give_the_weights_each_gives_alone()
    {
        var aloneA = Train(11);
        var aloneB = Train(12);
        var a = Task.Run(() => Train(11));
        var b = Task.Run(() => Train(12));
        var both = await Task.WhenAll(a, b);
        Assert.Equal(aloneA, both[0]);
        Assert.Equal(aloneB, both[1]);
    }

    private static float[][] TrainCnn(ulong seed)
    {
        var rng = new NeuralRandom(seed);
        var x = new Tensor(96, 1, 12, 12);
        var y = new int[96];
        for (int i = 0; i < 96; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 144; j++) x[i * 144 + j] = (float)(rng.NextGaussian() + (j % 3 == y[i] ? 1 : 0));
        }
        var net = new Network("cnn", new Shape(1, 12, 12), seed)
            .Add(new Conv2d(8, 3, activation: ActivationKind.ReLU)).Add(new BatchNorm()).Add(new MaxPool2d(2))
            .Add(new Conv2d(8, 3, padding: PaddingMode.Same, activation: ActivationKind.ReLU)).Add(new Flatten()).Add(new Dense(3));
        new Trainer(net, new TrainingOptions { Epochs = 4, BatchSize = 32, Seed = seed }).Fit(new NeuralPS.Core.Data.Dataset(x, y, null, new[] { "a", "b", "c" })).ToList();
        return net.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Fact]
    public async Task Two_convolutional_trainings_at_once_give_the_weights_each_gives_alone()
    {
        var aloneA = TrainCnn(31);
        var aloneB = TrainCnn(32);
        var both = await Task.WhenAll(Task.Run(() => TrainCnn(31)), Task.Run(() => TrainCnn(32)));
        Assert.Equal(aloneA, both[0]);
        Assert.Equal(aloneB, both[1]);
    }

    [Fact]
    public async Task A_training_while_another_thread_predicts_gives_the_weights_it_gives_alone()
    {
        var alone = Train(21);
        var model = Net(22);
        var input = new Tensor(512, 2);
        var rng = new NeuralRandom(3);
        for (int i = 0; i < input.Size; i++) input[i] = (float)rng.NextGaussian();
        var expected = model.Forward(input, LayerContext.Inference()).ToArray();
        using var stop = new CancellationTokenSource();
        var predictions = Task.Run(() =>
        {
            int rounds = 0;
            var context = LayerContext.Inference();
            while (!stop.IsCancellationRequested || rounds == 0)
            {
                Assert.Equal(expected, model.Forward(input, context).ToArray());
                rounds++;
            }
            return rounds;
        });
        var trained = await Task.Run(() => Train(21));
        stop.Cancel();
        Assert.True(await predictions > 0);
        Assert.Equal(alone, trained);
    }
}
