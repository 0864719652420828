using System.Diagnostics;
using NeuralPS.Bench.Cnn;
using NeuralPS.Bench.Common;

namespace NeuralPS.Bench;

/// <summary><c>mlp --epochs 5 [--batch 64] [--threads N] [--max-batches M --warmup W] [--seed 1] [--lr 0.001]
/// [--checkpoint DIR [--checkpoint-every N] [--resume]] [--profile]</c>: trains the Fashion-MNIST MLP 784-256(ReLU)-10 with
/// Adam on the full data set (inputs /255) and prints
/// {"workload":"fashion-mlp","batch":64,"epochs":5,"test_accuracy":…,"seconds_per_epoch":…,"peak_rss_mb":…,…,"weights_sha256":…}.
/// --profile prints the per-layer forward/backward times of a few batches instead (as cnn --profile).
/// Killed (even with SIGKILL) and re-run with --checkpoint DIR --resume, it prints the uninterrupted run's hash.</summary>
public static class MlpCommand
{
    public static int Run(string[] args)
    {
        var a = new BenchArgs(args);
        var o = TrainingBenchmarkOptions.Parse(a, defaultEpochs: 5);
        bool profile = a.Flag("profile");
        a.ThrowOnUnused();
        ThreadSetting.Apply(o.Threads);

        var load = Stopwatch.StartNew();
        var train = FashionMnist.Load("train", flatten: true);
        var test = FashionMnist.Load("test", flatten: true);
        double loadSeconds = load.Elapsed.TotalSeconds;
        if (profile)
        {
            LayerProfile.Run(Models.Mlp(o.Seed), train, o.BatchSize, batches: o.Partial ? o.MaxBatches : 200, warmup: o.Warmup);
            return 0;
        }
        TrainingBenchmark.Run("fashion-mlp", Models.Mlp(o.Seed), train, test, o, loadSeconds);
        return 0;
    }
}
