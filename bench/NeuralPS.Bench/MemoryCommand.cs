using System.Diagnostics;
using System.Globalization;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench;

/// <summary>memory: a long run that records, after every epoch, the process's resident set (VmRSS), the GC
/// heap after a full collection, the committed GC memory, threads and handles — so that growth of managed or
/// native memory, threads or handles over 100 epochs shows as a slope. Model "mlp" (784-256-10) and "cnn"
/// (issue 4's seed CNN) train on Fashion-MNIST (Debian's full set when installed, else the repository's
/// sample); "trainings" builds and trains a small network N times in one process (the "1,000 trainings in one
/// session" check without PowerShell). One JSON line per sample, then a summary line per model.
///   memory [--model mlp,cnn,trainings] [--epochs 100] [--samples 2000] [--batch 64] [--trainings 1000]</summary>
internal static class MemoryCommand
{
    public static int Run(string[] args)
    {
        var a = new BenchArgs(args);
        string[] models = a.String("model", "mlp,cnn").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int epochs = a.Int("epochs", 100);
        int samples = a.Int("samples", 2000);
        int batch = a.Int("batch", 64);
        int trainings = a.Int("trainings", 1000);
        string? data = a.String("data");
        a.ThrowOnUnused();

        foreach (string model in models)
        {
            var points = new List<Sample>();
            if (model == "trainings")
            {
                var iris = BuiltinDatasets.Load("Iris");
                for (int t = 1; t <= trainings; t++)
                {
                    var net = new Network("small", new Shape(4), (ulong)t);
                    net.Add(Models.Layer("Dense", ("units", 16), ("activation", "ReLU")));
                    net.Add(Models.Layer("Dense", ("units", 3)));
                    new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = (ulong)t }).Fit(iris).ToList();
                    if (t == 1 || t % Math.Max(1, trainings / 20) == 0) points.Add(Measure(model, t));
                }
            }
            else
            {
                bool flat = model == "mlp";
                var train = Load(data, flat, samples);
                var net = model switch
                {
                    "mlp" => Models.Mlp(1),
                    "cnn" => Models.Cnn(1),
                    _ => throw new ArgumentException($"--model must be mlp, cnn or trainings, not '{model}'."),
                };
                var trainer = new Trainer(net, new TrainingOptions { Epochs = epochs, BatchSize = batch, Seed = 1 });
                foreach (EpochResult r in trainer.Fit(train)) points.Add(Measure(model, r.Epoch));
            }
            Summarise(model, points);
        }
        return 0;
    }

    private static Dataset Load(string? directory, bool flatten, int samples)
    {
        string dir = directory ?? (System.IO.Directory.Exists(FashionMnist.Directory) ? FashionMnist.Directory : Path.Combine("data", "fashion-mnist"));
        var full = FashionMnist.Load("train", flatten, dir);
        if (samples <= 0 || samples >= full.Count) return full;
        var idx = new int[samples];
        for (int i = 0; i < samples; i++) idx[i] = i;
        return full.Subset(idx);
    }

    private sealed record Sample(string Model, int Step, double RssMb, double HeapMb, double CommittedMb, int Threads, int Handles);

    private static Sample Measure(string model, int step)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        var s = new Sample(model, step, Rss(), GC.GetTotalMemory(false) / 1048576.0, GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0,
            self.Threads.Count, self.HandleCount);
        BenchJson.Write(("command", "memory"), ("model", model), (model == "trainings" ? "training" : "epoch", step),
            ("rss_mb", Math.Round(s.RssMb, 1)), ("gc_heap_mb", Math.Round(s.HeapMb, 2)), ("gc_committed_mb", Math.Round(s.CommittedMb, 1)),
            ("threads", s.Threads), ("handles", s.Handles));
        return s;
    }

    private static void Summarise(string model, List<Sample> points)
    {
        if (points.Count == 0) return;
        // Growth is judged from the second sample on: the first epoch allocates every reusable buffer.
        var first = points[Math.Min(1, points.Count - 1)];
        var last = points[^1];
        BenchJson.Write(("command", "memory"), ("model", model), ("summary", true), ("samples", points.Count),
            ("rss_mb_first", Math.Round(points[0].RssMb, 1)), ("rss_mb_second", Math.Round(first.RssMb, 1)), ("rss_mb_last", Math.Round(last.RssMb, 1)),
            ("rss_mb_max", Math.Round(points.Max(p => p.RssMb), 1)),
            ("gc_heap_mb_first", Math.Round(points[0].HeapMb, 2)), ("gc_heap_mb_second", Math.Round(first.HeapMb, 2)), ("gc_heap_mb_last", Math.Round(last.HeapMb, 2)),
            ("threads_first", points[0].Threads), ("threads_last", last.Threads), ("handles_first", points[0].Handles), ("handles_last", last.Handles));
    }

    private static double Rss()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                string kb = line["VmRSS:".Length..].Trim();
                if (kb.EndsWith("kB", StringComparison.Ordinal)) kb = kb[..^2].Trim();
                return long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (IOException)
        {
        }
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / 1048576.0;
    }
}
