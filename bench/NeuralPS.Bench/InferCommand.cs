using System.Diagnostics;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench;

/// <summary><c>infer [--model mlp,cnn] [--batch 1,1024] [--seconds 2] [--threads N] [--seed 1]</c>: inference
/// speed of the MLP and the seed CNN on the Fashion-MNIST test images, one JSON line per model and batch
/// size: samples/s over the whole timed loop and the median latency of one Network.Forward call (µs),
/// the same definitions as bench/reference/torch_bench.py and ort_infer.mjs. Weights are the seeded
/// initialisation: speed does not depend on their values.</summary>
public static class InferCommand
{
    public static int Run(string[] args)
    {
        var a = new BenchArgs(args);
        string[] models = a.String("model", "mlp,cnn").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int[] batches = a.Ints("batch", [1, 1024]);
        double seconds = a.Double("seconds", 2);
        ulong seed = (ulong)a.Int("seed", 1);
        int? threads = a.IntOrNull("threads");
        a.ThrowOnUnused();
        ThreadSetting.Apply(threads);

        foreach (string model in models)
        {
            Network network = model switch
            {
                "mlp" => Models.Mlp(seed),
                "cnn" => Models.Cnn(seed),
                _ => throw new ArgumentException($"--model takes mlp and/or cnn, not '{model}'."),
            };
            Dataset test = FashionMnist.Load("test", flatten: model == "mlp");
            foreach (int batch in batches) Measure(model, network, test, batch, seconds);
        }
        return 0;
    }

    private static void Measure(string model, Network network, Dataset test, int batch, double seconds)
    {
        if (batch < 1 || batch > test.Count) throw new ArgumentException($"--batch must be 1..{test.Count} but is {batch}.");
        // Inputs prepared up front (as the references slice preloaded tensors); batch 1 cycles through
        // the first 2000 images to keep the inputs' memory small.
        int count = batch == 1 ? 2000 : test.Count / batch;
        int f = test.Features.Columns;
        var inputs = new Tensor[count];
        for (int i = 0; i < count; i++)
            inputs[i] = Tensor.FromArray(test.SampleShape.WithBatch(batch), test.Features.Data.AsSpan(i * batch * f, batch * f));
        var ctx = LayerContext.Inference();

        // Warm-up: the engine's buffers, and the tiered JIT, which promotes a method to optimised code only
        // after 30 calls plus a 100 ms quiet period (measured: 60 CNN calls at batch 1 were still mostly tier-0
        // code, 150x slower). So at least 0.5 s and 100 calls, unless that would take over 6 s.
        long t = Stopwatch.GetTimestamp();
        long minEnd = t + Stopwatch.Frequency / 2, maxEnd = t + 6 * Stopwatch.Frequency;
        for (int i = 0; ; i++)
        {
            network.Forward(inputs[i % count], ctx);
            long now = Stopwatch.GetTimestamp();
            if ((i >= 100 && now >= minEnd) || (i >= 3 && now >= maxEnd)) break;
        }

        var latencies = new List<double>(1 << 16);
        long start = Stopwatch.GetTimestamp();
        long deadline = start + (long)(seconds * Stopwatch.Frequency);
        long t1;
        do
        {
            long t0 = Stopwatch.GetTimestamp();
            network.Forward(inputs[latencies.Count % count], ctx);
            t1 = Stopwatch.GetTimestamp();
            latencies.Add((t1 - t0) * 1e6 / Stopwatch.Frequency);
        }
        while (t1 < deadline || latencies.Count < 3);
        double total = (double)(t1 - start) / Stopwatch.Frequency;
        latencies.Sort();

        BenchJson.Write(
            ("workload", $"infer-{model}-b{batch}"), ("engine", "neuralps"), ("batch", batch),
            ("samples_per_s", BenchJson.Round(latencies.Count * (double)batch / total, 6)),
            ("latency_us", BenchJson.Round(latencies[latencies.Count / 2])), ("calls", latencies.Count),
            ("peak_rss_mb", PeakRss.Megabytes()), ("threads", ThreadSetting.Current), ("load1", MachineLoad.LoadAverage1()));
    }
}
