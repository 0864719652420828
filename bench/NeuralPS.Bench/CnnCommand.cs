using System.Diagnostics;
using System.Globalization;
using NeuralPS.Bench.Cnn;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench;

/// <summary>Issue 4's convolutional workloads:
///   cnn     the seed CNN on the full Fashion-MNIST, Adam 1e-3, batch 64, inputs /255
///   resnet  a small ResNet (BatchNorm + Residual blocks), same data and optimizer
///   conv    forward / backward-data / backward-filter GFLOP/s of the seed CNN's two conv shapes,
///           NeuralPS vs im2col + OpenBLAS, interleaved (also: cnn --conv-only)
/// One JSON line per result on stdout; progress on stderr.
/// Options: --epochs N (cnn 3, resnet 10), --batch 64, --seed 1, --data DIR, --limit N (training samples),
/// --max-batches M --warmup W (time M batches after W warm-up batches and extrapolate to an epoch;
/// no accuracy), --profile (per-layer forward/backward times of a few batches), --chunk COLUMNS
/// (im2col chunk width), --quick / --rounds N (conv).</summary>
public static class CnnCommand
{
    public static int Run(string[] args, string workload)
    {
        var o = Options.Parse(args);
        if (o.ChunkColumns is int chunk) NeuralPS.Core.Backends.Cpu.ConvIm2ColGemm.ChunkColumns = chunk;
        if (o.Breakdown is int images) return ConvBreakdown.Run(images);
        if (workload == "conv" || o.ConvOnly) return ConvBenchmark.Run(o.Quick, o.Rounds, o.Batch, o.Sweep);
        if (workload is not ("cnn" or "resnet"))
            throw new ArgumentException($"Unknown workload '{workload}' (cnn, resnet, conv).");
        return Train(workload, o);
    }

    private static int Train(string workload, Options o)
    {
        int epochs = o.Epochs ?? (workload == "resnet" ? 10 : 3);
        var (train, test) = LoadFashion(o.DataDirectory, o.Limit);
        var network = workload == "resnet" ? CnnModels.SmallResNet(o.Seed) : CnnModels.SeedCnn(o.Seed);
        string name = workload == "resnet" ? "fashion-resnet" : "fashion-cnn";
        Console.Error.WriteLine($"{network}; train {train.Count}, test {test.Count}; batch {o.Batch}; load {CnnJson.LoadAverage()}");

        if (o.Profile)
        {
            LayerProfile.Run(network, train, o.Batch, batches: o.MaxBatches ?? 30, warmup: o.Warmup ?? 5);
            return 0;
        }

        var options = new TrainingOptions { Epochs = epochs, BatchSize = o.Batch, Optimizer = "Adam", LearningRate = 1e-3, Seed = o.Seed };
        var trainer = new Trainer(network, options);
        int batchesPerEpoch = (train.Count + o.Batch - 1) / o.Batch;

        if (o.MaxBatches is int max)
        {
            // Partial epoch: time `max` batches after `warmup` batches, extrapolate to a full epoch.
            int warmup = o.Warmup ?? 5;
            using var cts = new CancellationTokenSource();
            double tStart = 0, tEnd = 0;
            int done = 0;
            trainer.BatchCompleted += p =>
            {
                done++;
                if (done == warmup) tStart = p.Elapsed.TotalSeconds;
                if (done == warmup + max) { tEnd = p.Elapsed.TotalSeconds; cts.Cancel(); }
            };
            try { foreach (var _ in trainer.Fit(train, cts.Token)) { } }
            catch (OperationCanceledException) { }
            if (done < warmup + max) throw new ArgumentException($"Only {done} batches ran; lower --warmup/--max-batches.");
            double perBatch = (tEnd - tStart) / max;
            CnnJson.Write(("workload", name), ("batch", o.Batch), ("epochs", 0), ("partial", true), ("timed_batches", max),
                ("test_accuracy", null), ("seconds_per_epoch", perBatch * batchesPerEpoch), ("seconds_per_batch", perBatch),
                ("peak_rss_mb", CnnJson.PeakRssMegabytes()), ("threads", Environment.ProcessorCount), ("load1", Load1()));
            return 0;
        }

        var epochTimes = new List<double>();
        foreach (var r in trainer.Fit(train))
        {
            epochTimes.Add(r.Duration.TotalSeconds);
            var clock = Stopwatch.StartNew();
            var (testLoss, testAccuracy) = trainer.Evaluate(test);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}, train acc {r.Metric:P2}, test loss {testLoss:F4}, test acc {testAccuracy:P2}, " +
                $"{r.Duration.TotalSeconds:F2} s ({r.SamplesPerSecond:F0} samples/s), eval {clock.Elapsed.TotalSeconds:F2} s, load {CnnJson.LoadAverage()}"));
            CnnJson.Write(("workload", name), ("batch", o.Batch), ("epoch", r.Epoch), ("epochs", r.Epochs), ("loss", r.Loss), ("train_accuracy", r.Metric),
                ("test_accuracy", testAccuracy), ("seconds", r.Duration.TotalSeconds), ("final", r.Epoch == r.Epochs ? true : false));
            if (r.Epoch == r.Epochs)
            {
                CnnJson.Write(("workload", name), ("batch", o.Batch), ("epochs", r.Epochs), ("test_accuracy", testAccuracy),
                    ("seconds_per_epoch", epochTimes.Average()), ("seconds_per_epoch_min", epochTimes.Min()),
                    ("peak_rss_mb", CnnJson.PeakRssMegabytes()), ("threads", Environment.ProcessorCount), ("load1", Load1()));
            }
        }
        return 0;
    }

    private static double Load1()
    {
        string l = CnnJson.LoadAverage();
        return double.TryParse(l.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
    }

    internal static (Dataset Train, Dataset Test) LoadFashion(string directory, int? limit)
    {
        string F(string stem) => Path.Combine(directory, stem + ".gz");
        if (!File.Exists(F("train-images-idx3-ubyte")))
            throw new ArgumentException($"Fashion-MNIST not found in {directory} (expected train-images-idx3-ubyte.gz etc.; --data DIR).");
        var train = IdxReader.ReadDataset(F("train-images-idx3-ubyte"), F("train-labels-idx1-ubyte"), new IdxReadOptions { Limit = limit, Name = "fashion-train" });
        var test = IdxReader.ReadDataset(F("t10k-images-idx3-ubyte"), F("t10k-labels-idx1-ubyte"), new IdxReadOptions { Name = "fashion-test" });
        return (train, test);
    }

    private sealed class Options
    {
        public int? Epochs;
        public int Batch = 64;
        public ulong Seed = 1;
        public string DataDirectory = "/usr/share/datasets/fashion-mnist";
        public int? Limit, MaxBatches, Warmup, ChunkColumns, Breakdown;
        public bool Profile, ConvOnly, Quick, Sweep;
        public int Rounds = 5;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
                int Int() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"{a} expects an integer.");
                switch (a)
                {
                    case "--epochs": o.Epochs = Int(); break;
                    case "--batch": o.Batch = Int(); break;
                    case "--seed": o.Seed = (ulong)Int(); break;
                    case "--data": o.DataDirectory = Next(); break;
                    case "--limit": o.Limit = Int(); break;
                    case "--max-batches": o.MaxBatches = Int(); break;
                    case "--warmup": o.Warmup = Int(); break;
                    case "--chunk": o.ChunkColumns = Int(); break;
                    case "--rounds": o.Rounds = Int(); break;
                    case "--profile": o.Profile = true; break;
                    case "--conv-only": o.ConvOnly = true; break;
                    case "--quick": o.Quick = true; break;
                    case "--sweep": o.Sweep = true; break;
                    case "--breakdown": o.Breakdown = Int(); break;
                    case "--threads": Next(); break; // thread count is set by the host (DOTNET_PROCESSOR_COUNT)
                    default: throw new ArgumentException($"Unknown option '{a}'. Options: --epochs N --batch N --seed N --data DIR --limit N --max-batches M --warmup W --profile --conv-only --quick --sweep --rounds N --chunk COLUMNS");
                }
            }
            if (o.Batch < 1) throw new ArgumentException("--batch must be positive.");
            return o;
        }
    }
}
