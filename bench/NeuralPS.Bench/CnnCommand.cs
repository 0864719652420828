using System.Diagnostics;
using System.Globalization;
using NeuralPS.Bench.Cnn;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench;

/// <summary>Issue 4's convolutional workloads.
/// <code>
///   cnn    --epochs 3 [--batch 64] [--threads N] [--max-batches M --warmup W] [--seed 1] [--lr 0.001]
///   resnet --epochs 10 [same options]
///   conv   [--quick] [--rounds 5] [--batch 64] [--threads N]      (also: cnn --conv-only)
/// </code>
/// cnn trains the seed CNN (Conv(32,3)+ReLU → MaxPool 2 → Conv(64,3)+ReLU → MaxPool 2 → Dropout .25 →
/// Flatten → Dense 128+ReLU → Dropout .5 → Dense 10) and resnet a small ResNet (BatchNorm + Residual
/// blocks, see <see cref="Models.SmallResNet"/>), both with Adam on the full Fashion-MNIST (inputs /255),
/// and print one JSON line {"workload":"fashion-cnn","batch":64,"epochs":N,"test_accuracy":…,
/// "seconds_per_epoch":…,"peak_rss_mb":…} (the shared TrainingBenchmark: timing = the Fit call only).
/// conv prints the GFLOP/s of Conv2dForward / BackwardData / BackwardFilter on the seed CNN's two conv
/// shapes, NeuralPS vs im2col + OpenBLAS, interleaved, in the form of the gemm lines.
/// Diagnostics: --eval-each-epoch (test accuracy after every epoch, one JSON line each), --limit N
/// (training samples), --profile (per-layer forward/backward wall and CPU time of a few batches),
/// conv --sweep (chunking strategies) / --winograd-tiles (Winograd F(2×2), F(4×4), F(6×6) per pass; --shapes A,B and
/// --f6-chunks N,M (F(6×6) tiles per chunk) narrow and widen it) / --breakdown IMAGES
/// (im2col, col2im and GEMM costs), --chunk
/// COLUMNS (the im2col chunk width), --classic-im2col / --pixel-major (force one GEMM layout; default: by shape).</summary>
public static class CnnCommand
{
    public static int Run(string[] args, string workload)
    {
        var a = new BenchArgs(args);
        if (a.IntOrNull("chunk") is int chunk) ConvIm2ColGemm.ChunkColumns = chunk;
        if (a.Flag("classic-im2col")) ConvIm2RowGemm.Choice = ConvLayoutChoice.Classic;
        if (a.Flag("pixel-major")) ConvIm2RowGemm.Choice = ConvLayoutChoice.PixelMajor;
        if (a.Flag("no-cache")) ConvIm2ColGemm.CacheColumns = false;
        if (workload == "conv" || a.Flag("conv-only"))
        {
            bool quick = a.Flag("quick"), sweep = a.Flag("sweep"), winogradTiles = a.Flag("winograd-tiles");
            int rounds = a.Int("rounds", 5), batch = a.Int("batch", 64);
            int? breakdown = a.IntOrNull("breakdown"), threads = a.IntOrNull("threads");
            string[]? shapes = a.String("shapes")?.Split(',');
            int[]? f6Chunks = a.Ints("f6-chunks", Array.Empty<int>()) is { Length: > 0 } chunks ? chunks : null;
            a.ThrowOnUnused();
            ThreadSetting.Apply(threads);
            return breakdown is int images ? ConvBreakdown.Run(images) : ConvBenchmark.Run(quick, rounds, batch, sweep, winogradTiles, shapes, f6Chunks);
        }
        if (workload is not ("cnn" or "resnet"))
            throw new ArgumentException($"Unknown workload '{workload}' (cnn, resnet, conv).");

        var o = TrainingBenchmarkOptions.Parse(a, defaultEpochs: workload == "resnet" ? 10 : 3);
        bool profile = a.Flag("profile"), eachEpoch = a.Flag("eval-each-epoch");
        int? limit = a.IntOrNull("limit");
        a.ThrowOnUnused();
        ThreadSetting.Apply(o.Threads);

        var load = Stopwatch.StartNew();
        var train = FashionMnist.Load("train", flatten: false);
        var test = FashionMnist.Load("test", flatten: false);
        if (limit is int n && n < train.Count) train = train.Subset(Enumerable.Range(0, n).ToArray());
        double loadSeconds = load.Elapsed.TotalSeconds;

        string name = workload == "resnet" ? "fashion-resnet" : "fashion-cnn";
        var network = workload == "resnet" ? Models.SmallResNet(o.Seed) : Models.Cnn(o.Seed);
        Console.Error.WriteLine($"{network}; train {train.Count}, test {test.Count}; batch {o.BatchSize}; threads {ThreadSetting.Current}; load {MachineLoad.LoadAverage1()}");

        if (profile)
        {
            LayerProfile.Run(network, train, o.BatchSize, batches: o.Partial ? o.MaxBatches : 30, warmup: o.Warmup);
            return 0;
        }
        if (eachEpoch && !o.Partial) return TrainEvaluatingEachEpoch(name, network, train, test, o, loadSeconds);
        TrainingBenchmark.Run(name, network, train, test, o, loadSeconds);
        return 0;
    }

    /// <summary>Full epochs with the test accuracy after each (one JSON line per epoch, then the summary line).</summary>
    private static int TrainEvaluatingEachEpoch(string name, Network network, Dataset train, Dataset test, TrainingBenchmarkOptions o, double loadSeconds)
    {
        var options = new TrainingOptions { Epochs = o.Epochs, BatchSize = o.BatchSize, Optimizer = "Adam", LearningRate = o.LearningRate, Seed = o.Seed };
        var trainer = new Trainer(network, options);
        var epochSeconds = new List<double>();
        var accuracies = new List<double>();
        var clock = Stopwatch.StartNew();
        double last = 0;
        foreach (var r in trainer.Fit(train))
        {
            double now = clock.Elapsed.TotalSeconds;
            epochSeconds.Add(now - last);
            double accuracy = TrainingBenchmark.Accuracy(network, test);
            accuracies.Add(accuracy);
            last = clock.Elapsed.TotalSeconds; // evaluation is not training time
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}, train acc {r.Metric:P2}, test acc {accuracy:P2}, {epochSeconds[^1]:F2} s, load {MachineLoad.LoadAverage1()}"));
            BenchJson.Write(("workload", name), ("engine", "neuralps"), ("batch", o.BatchSize), ("epoch", r.Epoch), ("loss", BenchJson.Round(r.Loss)),
                ("train_accuracy", Math.Round(r.Metric, 4)), ("test_accuracy", Math.Round(accuracy, 4)), ("seconds", BenchJson.Round(epochSeconds[^1])));
        }
        BenchJson.Write(
            ("workload", name), ("engine", "neuralps"), ("batch", o.BatchSize), ("epochs", o.Epochs), ("partial", false),
            ("batches_timed", (train.Count + o.BatchSize - 1) / o.BatchSize * o.Epochs), ("test_accuracy", Math.Round(accuracies[^1], 4)),
            ("seconds_per_epoch", BenchJson.Round(epochSeconds.Average())), ("epoch_seconds", epochSeconds.Select(s => BenchJson.Round(s)).ToArray()),
            ("test_accuracy_per_epoch", accuracies.Select(v => Math.Round(v, 4)).ToArray()),
            ("load_seconds", BenchJson.Round(loadSeconds, 3)), ("peak_rss_mb", PeakRss.Megabytes()),
            ("threads", ThreadSetting.Current), ("load1", MachineLoad.LoadAverage1()));
        return 0;
    }
}
