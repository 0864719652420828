using NeuralPS.Core.Backends;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Distributed;

/// <summary>The collective algorithms of data-parallel training, with ranks as threads (no MPI needed): the ring
/// all-reduce, the rank-order sums, synchronised BatchNorm's statistics, and reading the launcher's environment.</summary>
public sealed class CollectiveTests
{
    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 1)]
    [InlineData(2, 1001)]
    [InlineData(3, 2)]
    [InlineData(3, 1000)]
    [InlineData(5, 37)]
    public void Ring_all_reduce_gives_every_rank_the_same_sum_and_the_same_bits_every_time(int size, int length)
    {
        // Inputs: rank r's vector from a seeded generator; the reference sums in float64.
        float[][] inputs = Enumerable.Range(0, size).Select(r =>
        {
            var random = new NeuralRandom((ulong)(r + 1));
            return Enumerable.Range(0, length).Select(_ => (float)random.NextGaussian()).ToArray();
        }).ToArray();
        float[][] Reduce()
        {
            var results = new float[size][];
            ThreadCommunicator.Run(size, comm =>
            {
                var data = (float[])inputs[comm.Rank].Clone();
                new RingAllReduce(comm).Sum(data);
                results[comm.Rank] = data;
            });
            return results;
        }
        var first = Reduce();
        var second = Reduce();
        for (int i = 0; i < length; i++)
        {
            double expected = 0;
            for (int r = 0; r < size; r++) expected += inputs[r][i];
            Assert.True(Math.Abs(first[0][i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"element {i}: {first[0][i]} vs {expected}");
        }
        for (int r = 0; r < size; r++)
        {
            Assert.Equal(first[0], first[r]); // bit-identical on every rank
            Assert.Equal(first[r], second[r]); // and from run to run
        }
    }

    [Fact]
    public void Rank_order_sum_adds_the_ranks_left_to_right_on_every_rank()
    {
        double[] values = { 1e16, 1, -1e16 }; // (1e16 + 1) + -1e16 = 0 in float64; another order gives 1
        var results = new double[3];
        ThreadCommunicator.Run(3, comm =>
        {
            Span<double> v = stackalloc double[] { values[comm.Rank] };
            comm.SumInRankOrder(v);
            results[comm.Rank] = v[0];
        });
        Assert.All(results, r => Assert.Equal((1e16 + 1) + -1e16, r));
    }

    [Fact]
    public void Launchers_environment_names_rank_and_size_and_one_process_is_not_distributed()
    {
        Func<string, string?> Env(params (string Name, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Name == name).Value;
        Assert.Equal(new DistributedEnvironment(1, 4, "mpirun (Open MPI)"), DistributedEnvironment.Detect(Env(("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "4"))));
        Assert.Equal(new DistributedEnvironment(0, 2, "PMI (MPICH/Hydra, Intel MPI)"), DistributedEnvironment.Detect(Env(("PMI_RANK", "0"), ("PMI_SIZE", "2"))));
        Assert.Equal(new DistributedEnvironment(3, 8, "srun (Slurm)"), DistributedEnvironment.Detect(Env(("SLURM_PROCID", "3"), ("SLURM_NTASKS", "8"))));
        Assert.Null(DistributedEnvironment.Detect(Env(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "1"))));
        Assert.Null(DistributedEnvironment.Detect(Env(("SLURM_PROCID", "5"), ("SLURM_NTASKS", "2")))); // rank out of range
        Assert.Null(DistributedEnvironment.Detect(Env()));
    }

    /// <summary>Two ranks with uneven shards (5 and 11 of 16 samples) of a [3 channels, 2×2] input: synchronised
    /// BatchNorm gives each sample the output of one BatchNorm over all 16 (CPU backend), the same running
    /// statistics, and — after the trainer's scaling by each shard's share — the same input and parameter
    /// gradients. Tolerance 1e-5: the reference is float32, the synchronised sums float64.</summary>
    [Fact]
    public void Synchronised_batchnorm_on_two_shards_equals_batchnorm_on_the_whole_batch()
    {
        const int n = 16, c = 3, hw = 4;
        int[] shardStart = { 0, 5 }, shardCount = { 5, 11 };
        var random = new NeuralRandom(11);
        var x = Enumerable.Range(0, n * c * hw).Select(_ => (float)(random.NextGaussian() * 2 + 1)).ToArray();
        var g = Enumerable.Range(0, n * c * hw).Select(_ => (float)random.NextGaussian()).ToArray(); // dL/dy of the global loss

        var reference = NewBatchNorm(c);
        var context = new LayerContext(CpuBackend.Instance, training: true);
        var y = reference.Forward(new Tensor(new Shape(n, c, 2, 2), x), context).ToArray();
        var dx = reference.Backward(new Tensor(new Shape(n, c, 2, 2), g), context)!.ToArray();

        var layers = new BatchNorm[2];
        var outputs = new float[2][];
        var inputGradients = new float[2][];
        ThreadCommunicator.Run(2, comm =>
        {
            int r = comm.Rank, size = shardCount[r] * c * hw, from = shardStart[r] * c * hw;
            double w = (double)shardCount[r] / n;
            var bn = layers[r] = NewBatchNorm(c);
            var ctx = new LayerContext(CpuBackend.Instance, training: true) { BatchStatistics = new Sync(comm, w) };
            outputs[r] = bn.Forward(new Tensor(new Shape(shardCount[r], c, 2, 2), x.AsSpan(from, size).ToArray()), ctx).ToArray();
            // This rank's loss is the mean over its shard: its dy is the global dy / w.
            var local = x.AsSpan(from, size).ToArray().Select((_, i) => (float)(g[from + i] / w)).ToArray();
            inputGradients[r] = bn.Backward(new Tensor(new Shape(shardCount[r], c, 2, 2), local), ctx)!.ToArray().Select(v => (float)(v * w)).ToArray();
        });

        AssertClose(y, outputs[0].Concat(outputs[1]).ToArray());
        AssertClose(dx, inputGradients[0].Concat(inputGradients[1]).ToArray());
        AssertClose(reference.RunningMean.ToArray(), layers[0].RunningMean.ToArray());
        AssertClose(reference.RunningVariance.ToArray(), layers[1].RunningVariance.ToArray());
        for (int p = 0; p < 2; p++)
        {
            double w0 = 5.0 / n, w1 = 11.0 / n;
            var combined = layers[0].Parameters[p].Gradient.ToArray().Zip(layers[1].Parameters[p].Gradient.ToArray(), (a, b) => (float)(a * w0 + b * w1)).ToArray();
            AssertClose(reference.Parameters[p].Gradient.ToArray(), combined);
        }
    }

    private static BatchNorm NewBatchNorm(int channels)
    {
        var bn = new BatchNorm();
        bn.Build(new Shape(channels, 2, 2), new NeuralRandom(1));
        bn.Parameters[0].Value.Span.Fill(1.5f); // gamma
        bn.Parameters[1].Value.Span.Fill(-0.25f); // beta
        return bn;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    private sealed class Sync : IBatchStatisticsSync
    {
        private readonly Communicator _comm;
        public Sync(Communicator comm, double weight) { _comm = comm; ShardWeight = weight; }
        public double ShardWeight { get; }
        public void Sum(Span<double> values) => _comm.SumInRankOrder(values);
    }
}
