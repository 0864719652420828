using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench.Common;

/// <summary>The training options every training workload (mlp, cnn, resnet) shares, read from the command line:
/// --epochs N --batch 64 --lr 0.001 --seed 1 --threads N, for a partial epoch --max-batches M --warmup W, and
/// for checkpoints --checkpoint DIR [--checkpoint-every N] [--resume].</summary>
public sealed record TrainingBenchmarkOptions(int Epochs, int BatchSize, double LearningRate, ulong Seed, int MaxBatches, int Warmup, int? Threads)
{
    public bool Partial => MaxBatches > 0;

    /// <summary>Checkpoint folder (last.npsc, best.npsc) written at every epoch end and every <see cref="CheckpointEvery"/> batches.</summary>
    public string? Checkpoint { get; init; }
    public int CheckpointEvery { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="Checkpoint"/> when there is one.</summary>
    public bool Resume { get; init; }

    public static TrainingBenchmarkOptions Parse(BenchArgs a, int defaultEpochs)
    {
        var o = new TrainingBenchmarkOptions(
            a.Int("epochs", defaultEpochs), a.Int("batch", 64), a.Double("lr", 1e-3), (ulong)a.Int("seed", 1),
            a.Int("max-batches", 0), a.Int("warmup", 10), a.IntOrNull("threads"))
        {
            Checkpoint = a.String("checkpoint"), CheckpointEvery = a.Int("checkpoint-every", 0), Resume = a.Flag("resume"),
        };
        if (o.Epochs < 1 || o.BatchSize < 1 || o.MaxBatches < 0 || o.Warmup < 0)
            throw new ArgumentException("--epochs and --batch must be positive; --max-batches and --warmup zero or positive.");
        if (o.Checkpoint is null && (o.Resume || o.CheckpointEvery != 0))
            throw new ArgumentException("--resume and --checkpoint-every need --checkpoint DIR.");
        if (o.Partial && o.Warmup < 1)
            throw new ArgumentException("--max-batches needs --warmup 1 or more: the timing starts at the end of the last warm-up batch.");
        if (o.Checkpoint is not null && o.Partial)
            throw new ArgumentException("--checkpoint trains whole epochs; leave out --max-batches.");
        return o;
    }
}

/// <summary>Trains a network with the engine's Trainer (Adam) and prints one JSON line: test accuracy,
/// seconds per epoch (the Fit call only: no data loading, no evaluation) and peak RSS. With
/// --max-batches M the epoch is partial, as in bench/reference/torch_bench.py: W untimed warm-up
/// batches (JIT), then M timed batches (in the same Fit, timed between batch ends) extrapolated to a full epoch. The JSON line ends with
/// weights_sha256: the SHA-256 of every parameter's and buffer's float32 bytes after training, so two runs
/// (or a run killed and resumed from its checkpoint) can be compared bit for bit.</summary>
public static class TrainingBenchmark
{
    public static void Run(string workload, Network network, Dataset train, Dataset test, TrainingBenchmarkOptions o, double loadSeconds)
    {
        int batchesPerEpoch = (train.Count + o.BatchSize - 1) / o.BatchSize;
        var epochSeconds = new List<double>();
        int timedBatches;
        double seconds;
        if (o.Partial)
        {
            if (o.Warmup + o.MaxBatches > batchesPerEpoch)
                throw new ArgumentException($"--warmup + --max-batches = {o.Warmup + o.MaxBatches} exceeds the {batchesPerEpoch} batches of an epoch.");
            // A seeded permutation, split into the warm-up and the timed samples.
            var order = new int[train.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            NeuralRandom.Derive(o.Seed, "bench-subset", 0).Shuffle(order);
            // One Fit over the W + M batches, timed from the end of batch W to the end of batch W + M (the trainer's
            // BatchCompleted event), as torch_bench.py times its loop: the trainer's set-up and the epoch's end stay out.
            // (Timing a second Fit of M batches counted its set-up M/938 of an epoch 938/M times over: +6% at M = 60.)
            var subset = train.Subset(order.AsSpan(0, (o.Warmup + o.MaxBatches) * o.BatchSize));
            long start = 0, end = 0;
            Fit(network, subset, o, epochs: 1, p =>
            {
                if (p.Batch == o.Warmup) start = Stopwatch.GetTimestamp();
                if (p.Batch == o.Warmup + o.MaxBatches) end = Stopwatch.GetTimestamp();
            });
            seconds = (double)(end - start) / Stopwatch.Frequency * batchesPerEpoch / o.MaxBatches;
            epochSeconds.Add(seconds);
            timedBatches = o.MaxBatches;
        }
        else
        {
            epochSeconds.AddRange(Fit(network, train, o, o.Epochs));
            seconds = epochSeconds.Average();
            timedBatches = batchesPerEpoch * o.Epochs;
        }
        double accuracy = Accuracy(network, test);
        BenchJson.Write(
            ("workload", workload), ("engine", "neuralps"), ("batch", o.BatchSize), ("epochs", o.Partial ? 0 : o.Epochs),
            ("partial", o.Partial), ("batches_timed", timedBatches), ("test_accuracy", Math.Round(accuracy, 4)),
            ("seconds_per_epoch", BenchJson.Round(seconds)), ("epoch_seconds", epochSeconds.Select(s => BenchJson.Round(s)).ToArray()),
            ("load_seconds", BenchJson.Round(loadSeconds, 3)), ("peak_rss_mb", PeakRss.Megabytes()),
            ("threads", ThreadSetting.Current), ("load1", MachineLoad.LoadAverage1()),
            ("resumed", o.Resume), ("weights_sha256", WeightsSha256(network)));
    }

    /// <summary>SHA-256 (hex) of the network's parameters and buffers, layer by layer, as little-endian float32.</summary>
    public static string WeightsSha256(Network network)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var layer in network.Layers)
        {
            foreach (var p in layer.Parameters) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.Span));
            foreach (var (_, b) in layer.Buffers) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Span));
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Runs Trainer.Fit and returns each epoch's wall time, taken between the epochs the trainer
    /// yields (the first includes the trainer's set-up; both sides' first epochs include warm-up).</summary>
    private static List<double> Fit(Network network, Dataset data, TrainingBenchmarkOptions o, int epochs, Action<BatchProgress>? batchCompleted = null)
    {
        var options = new TrainingOptions
        {
            Epochs = epochs, BatchSize = o.BatchSize, Optimizer = "Adam", LearningRate = o.LearningRate,
            Seed = o.Seed, Shuffle = true,
            CheckpointDirectory = o.Checkpoint, CheckpointEvery = o.CheckpointEvery, Resume = o.Resume,
        };
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        double last = 0;
        var trainer = new Trainer(network, options);
        trainer.Message += m => Console.Error.WriteLine(m);
        if (batchCompleted is not null) trainer.BatchCompleted += batchCompleted;
        foreach (EpochResult r in trainer.Fit(data))
        {
            double now = clock.Elapsed.TotalSeconds;
            times.Add(now - last);
            last = now;
            Console.Error.WriteLine($"epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}, {r.MetricName} {r.Metric:F4}, {times[^1]:F2} s");
        }
        return times;
    }

    /// <summary>Top-1 accuracy on <paramref name="test"/>, in inference mode, 1000 samples at a time.</summary>
    public static double Accuracy(Network network, Dataset test)
    {
        int[] labels = test.ClassLabels ?? throw new ArgumentException($"{test.Name} has no class labels.");
        const int chunk = 1000;
        var ctx = LayerContext.Inference();
        int f = test.Features.Columns, correct = 0;
        Tensor? batch = null;
        for (int start = 0; start < test.Count; start += chunk)
        {
            int n = Math.Min(chunk, test.Count - start);
            Tensor x = Tensor.Ensure(ref batch, test.SampleShape.WithBatch(n));
            test.Features.Data.AsSpan(start * f, n * f).CopyTo(x.Data);
            Tensor y = network.Forward(x, ctx);
            int classes = y.Columns;
            for (int i = 0; i < n; i++)
            {
                var row = y.Data.AsSpan(i * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
                if (best == labels[start + i]) correct++;
            }
        }
        return (double)correct / test.Count;
    }
}
