using System.Diagnostics;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench;

/// <summary><c>lstm|gru [--batch 64] [--steps 100] [--units 128] [--layers 2] [--features 32] [--samples 1024]
/// [--epochs 2] [--seconds 2] [--threads N] [--seed 1] [--vocabulary V]</c>: the recurrent workload of issue 12 — stacked
/// layers over (steps, features) inputs, the last step's state into Dense(10), Adam, cross-entropy — on
/// seeded random inputs and labels (only the time is measured; bench/reference/rnn_bench.py runs the
/// same network in PyTorch). Prints one JSON line: seconds per training epoch (the mean of the epochs
/// after the first, which includes the warm-up) and inference samples/s at the batch size. With
/// --vocabulary V the inputs are token ids and an Embedding(V, features) comes first (a character-level model).</summary>
public static class RnnCommand
{
    public static int Run(string[] args, string cell)
    {
        var a = new BenchArgs(args);
        int batch = a.Int("batch", 64), steps = a.Int("steps", 100), units = a.Int("units", 128), layers = a.Int("layers", 2);
        int features = a.Int("features", 32), samples = a.Int("samples", 1024), epochs = a.Int("epochs", 2);
        // --vocabulary V: a character-level model: token ids (steps) → Embedding(V, features) → the layers.
        int vocabulary = a.Int("vocabulary", 0);
        double seconds = a.Double("seconds", 2);
        ulong seed = (ulong)a.Int("seed", 1);
        int? threads = a.IntOrNull("threads");
        a.ThrowOnUnused();
        if (epochs < 2) throw new ArgumentException("--epochs must be at least 2 (the first is warm-up).");
        ThreadSetting.Apply(threads);

        var net = new Network($"{cell}-bench", vocabulary > 0 ? new Shape(steps) : new Shape(steps, features), seed);
        if (vocabulary > 0) net.Add(new Embedding(vocabulary, features));
        for (int i = 0; i < layers; i++)
        {
            bool sequences = i < layers - 1;
            net.Add(cell == "lstm" ? new LSTM(units, sequences) : new GRU(units, sequences));
        }
        net.Add(new Dense(10));

        var rng = new NeuralRandom(seed);
        var x = new Tensor(vocabulary > 0 ? new Shape(samples, steps) : new Shape(samples, steps, features));
        for (int i = 0; i < x.Size; i++) x[i] = vocabulary > 0 ? rng.NextInt(vocabulary) : rng.NextSingle() * 2 - 1;
        var labels = new int[samples];
        for (int i = 0; i < samples; i++) labels[i] = rng.NextInt(10);
        var data = new Dataset(x, labels, null, null, "random");

        var options = new TrainingOptions { Epochs = epochs, BatchSize = batch, Optimizer = "Adam", LearningRate = 1e-3, Seed = seed, Shuffle = true };
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        double last = 0;
        foreach (var r in new Trainer(net, options).Fit(data))
        {
            double now = clock.Elapsed.TotalSeconds;
            times.Add(now - last);
            last = now;
            Console.Error.WriteLine($"epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}, {times[^1]:F2} s");
        }

        var ctx = LayerContext.Inference();
        var input = new Tensor(vocabulary > 0 ? new Shape(batch, steps) : new Shape(batch, steps, features));
        x.Data.AsSpan(0, input.Size).CopyTo(input.Data);
        net.Forward(input, ctx);
        int runs = 0;
        var timer = Stopwatch.StartNew();
        while (timer.Elapsed.TotalSeconds < seconds)
        {
            net.Forward(input, ctx);
            runs++;
        }
        double inferenceSamplesPerSecond = runs * batch / timer.Elapsed.TotalSeconds;

        BenchJson.Write(
            ("workload", $"{(vocabulary > 0 ? "char" : "")}{cell}-b{batch}-t{steps}-u{units}-l{layers}{(vocabulary > 0 ? $"-v{vocabulary}" : "")}"), ("engine", "neuralps"), ("batch", batch),
            ("samples", samples), ("seconds_per_epoch", BenchJson.Round(times.Skip(1).Average())),
            ("epoch_seconds", times.Select(s => BenchJson.Round(s)).ToArray()),
            ("inference_samples_per_second", BenchJson.Round(inferenceSamplesPerSecond)),
            ("peak_rss_mb", PeakRss.Megabytes()), ("threads", ThreadSetting.Current), ("load1", MachineLoad.LoadAverage1()));
        return 0;
    }
}
