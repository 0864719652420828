using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>A steady-state training step of the seed CNN and of a residual network with batch norm
/// allocates nothing on the managed heap (conv/pool/norm kernels run as function-pointer jobs on the
/// thread team, scratch is per thread and reused, layers reuse their tensors). Measured with
/// GC.GetAllocatedBytesForCurrentThread around 5 steps after a warm-up epoch.</summary>
[Collection(ConvSettingsCollection.Name)]
public sealed class ConvZeroAllocationTests
{
    [Fact]
    public void SeedCnnTrainingStep_AllocatesNothing()
    {
        var net = new Network("cnn", new Shape(1, 28, 28), 7)
            .Add(new Conv2d(32, 3, activation: ActivationKind.ReLU)).Add(new MaxPool2d(2))
            .Add(new Conv2d(64, 3, activation: ActivationKind.ReLU)).Add(new MaxPool2d(2))
            .Add(new Dropout(0.25)).Add(new Flatten()).Add(new Dense(128, ActivationKind.ReLU)).Add(new Dropout(0.5)).Add(new Dense(10));
        AssertSteadyStateAllocatesNothing(net, new Shape(1, 28, 28));
    }

    [Fact]
    public void ResidualBatchNormTrainingStep_AllocatesNothing()
    {
        var net = new Network("resnet", new Shape(1, 16, 16), 7)
            .Add(new Conv2d(16, new[] { 3 }, padding: PaddingMode.Same, useBias: false)).Add(new BatchNorm())
            .Add(new Residual(new Layer[]
            {
                new Conv2d(32, new[] { 3 }, new[] { 2 }, PaddingMode.Same, activation: ActivationKind.ReLU), new BatchNorm(),
                new Conv2d(32, new[] { 3 }, padding: PaddingMode.Same), new Dropout2d(0.1),
            }, ActivationKind.ReLU))
            .Add(new AvgPool2d(2)).Add(new GlobalAvgPool2d()).Add(new Dense(10));
        AssertSteadyStateAllocatesNothing(net, new Shape(1, 16, 16));
    }

    private static void AssertSteadyStateAllocatesNothing(Network net, Shape sample)
    {
        const int n = 128, batch = 64;
        var rng = new NeuralRandom(3);
        var x = new Tensor(sample.WithBatch(n));
        for (int i = 0; i < x.Size; i++) x[i] = rng.NextSingle();
        var data = new Dataset(x, Enumerable.Range(0, n).Select(i => i % 10).ToArray(), null, null, "images");
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = batch, Optimizer = "Adam" });
        trainer.Fit(data).ToList(); // warm-up: buffers, optimizer state, scratch, JIT

        int[] indices = Enumerable.Range(0, batch).Select(i => (i * 37) % n).ToArray();
        // (The 168-1440 bytes once seen here in every round of full runs were real: Enum.IsDefined on the activation
        // path, whose cached metadata another thread formatting the enum replaced; ActivationKernels.IsKnown now.)
        Allocations.AssertTrainingStepsAllocateNothing(trainer, data, indices);
    }
}
