using NeuralPS.Core.Tests.Support;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>A steady-state training step of the Fashion-MNIST-sized MLP (784-256-10, Adam, batch 64/128)
/// allocates nothing on the managed heap: its GEMMs are large enough to run on the thread team (packing
/// buffers per thread, jobs as function pointers), and the layers reuse their tensors.
/// Measured with GC.GetAllocatedBytesForCurrentThread around 10 steps after a warm-up epoch.</summary>
[Collection(ThreadTeamExclusiveCollection.Name)]
public sealed unsafe class ZeroAllocationTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    public void DenseMlpTrainingStep_AllocatesNothing(int batch)
    {
        var net = new Network("mlp", new Shape(784), 7)
            .Add(new Dense(256, ActivationKind.ReLU))
            .Add(new Dense(10));
        var rng = new NeuralRandom(3);
        var x = new Tensor(256, 784);
        for (int i = 0; i < x.Size; i++) x[i] = rng.NextSingle();
        var labels = Enumerable.Range(0, 256).Select(i => i % 10).ToArray();
        var data = new Dataset(x, labels, null, null, "mlp");
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = batch, Optimizer = "Adam" });
        trainer.Fit(data).ToList(); // warm-up: layer buffers, optimizer state, packing buffers, JIT

        int[] indices = Enumerable.Range(0, batch).Select(i => (i * 37) % 256).ToArray();
        trainer.GatherBatch(data, indices);
        trainer.TrainBatch(batch, out _, out _);
        AssertSomeRoundAllocatesNothing(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                trainer.GatherBatch(data, indices);
                trainer.TrainBatch(batch, out _, out _);
            }
        });
    }

    private static void AssertSomeRoundAllocatesNothing(Action round) => Allocations.AssertSomeRoundAllocatesNothing(round);

    [Fact]
    public void ParallelGemmCall_AllocatesNothing()
    {
        // The GEMM alone, at 2 threads on the shared team, every transpose combination and the fused epilogue.
        const int m = 128, n = 256, k = 784;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], bias = new float[n];
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            var settings = SgemmSettings.Current with { Threads = 2 };
            Run(pa, pb, pc, pbias, settings);
            nint pa0 = (nint)pa, pb0 = (nint)pb, pc0 = (nint)pc, pbias0 = (nint)pbias;
            AssertSomeRoundAllocatesNothing(() =>
            {
                for (int i = 0; i < 5; i++) Run((float*)pa0, (float*)pb0, (float*)pc0, (float*)pbias0, settings);
            });
        }

        static void Run(float* pa, float* pb, float* pc, float* pbias, in SgemmSettings settings)
        {
            var ep = new GemmEpilogue(pbias, null, ActivationKind.ReLU);
            Sgemm.Multiply(false, true, m, n, k, 1f, pa, k, pb, k, 0f, pc, n, ep, null, settings);
            Sgemm.Multiply(true, false, m, n, k, 1f, pa, m, pb, n, 0f, pc, n, default, pbias, settings);
            Sgemm.Multiply(false, false, m, n, k, 1f, pa, k, pb, n, 1f, pc, n, default, null, settings);
            Sgemm.Multiply(true, true, m, n, k, 0.5f, pa, m, pb, k, 0f, pc, n, ep, null, settings);
            Sgemm.Multiply(false, true, 1, n, k, 1f, pa, k, pb, k, 0f, pc, n, ep, null, settings);
        }
    }
}
