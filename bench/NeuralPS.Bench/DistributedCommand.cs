using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Bench;

/// <summary>Data-parallel training over MPI (issue 14), two commands:
/// <para><c>distributed --model mlp|cnn-bn [--epochs 2] [--batch 64] [--seed 1] [--optimizer SGD] [--lr 0.05]
/// [--sync-batchnorm] [--checksum-every N] [--class-weights w0,w1,...] [--checkpoint DIR [--resume]] [--cancel-after-steps K]
/// [--weights FILE]</c>:
/// trains a small network on the shipped digits (8×8 images, data/digits) alone, or as one rank of an MPI job when
/// started by mpirun/srun (detected from the environment). Rank 0 prints one JSON line (ranks, final loss,
/// weights_sha256) and writes the final weights (float32, the model file's order) to FILE; the other ranks print
/// nothing. The distributed tests compare a 2-rank run's weights with a 1-process run's.</para>
/// <para><c>allreduce [--model mlp,cnn,resnet] [--steps 30] [--batch 64]</c>: under mpirun, the time per
/// optimizer step of the trainer's bucketed ring all-reduce and of MPI_Allreduce on each model's gradient
/// (the Fashion-MNIST MLP, the seed CNN, the small ResNet with its BatchNorm statistics); in one process, the
/// compute time per training step of each model, the other half of the scaling model in the note.</para></summary>
public static class DistributedCommand
{
    public static int Run(string[] args)
    {
        var a = new BenchArgs(args);
        string model = a.String("model", "mlp");
        int epochs = a.Int("epochs", 2), batch = a.Int("batch", 64);
        ulong seed = (ulong)a.Int("seed", 1);
        string optimizer = a.String("optimizer", "SGD");
        double lr = a.Double("lr", 0.05);
        bool sync = a.Flag("sync-batchnorm"), resume = a.Flag("resume"), forceMpi = a.Flag("mpi");
        int checksumEvery = a.Int("checksum-every", 0), cancelAfter = a.Int("cancel-after-steps", 0);
        string? checkpoint = a.String("checkpoint"), weightsFile = a.String("weights"), classWeights = a.String("class-weights");
        a.ThrowOnUnused();

        Communicator? comm = DistributedEnvironment.Detect() is not null || forceMpi ? MpiCommunicator.World : null;
        var network = model switch
        {
            "mlp" => DigitsMlp(seed),
            "cnn-bn" => DigitsCnn(seed),
            _ => throw new ArgumentException($"--model is mlp or cnn-bn, not '{model}'."),
        };
        var train = Digits(flatten: model == "mlp");
        var options = new TrainingOptions
        {
            Epochs = epochs, BatchSize = batch, Optimizer = optimizer, LearningRate = lr, Momentum = optimizer == "SGD" ? 0.9 : 0,
            Seed = seed, ValidationSplit = 0.1, CheckpointDirectory = checkpoint, Resume = resume,
            ClassWeights = classWeights?.Split(',').Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray(),
            Distributed = comm is null ? null : new DistributedOptions(comm) { SyncBatchNorm = sync, ChecksumEvery = checksumEvery },
        };
        var trainer = new Trainer(network, options);
        using var cancel = new CancellationTokenSource();
        if (cancelAfter > 0) trainer.BatchCompleted += _ => { if (trainer.State.Step >= cancelAfter) cancel.Cancel(); };
        trainer.Message += m => { if (trainer.Rank == 0) Console.Error.WriteLine(m); };
        EpochResult? last = null;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var e in trainer.Fit(train, cancel.Token)) last = e;
        }
        catch (OperationCanceledException) when (cancelAfter > 0)
        {
            if (trainer.Rank == 0) Console.Error.WriteLine($"cancelled after step {trainer.State.Step}");
        }
        catch (Exception e) when (comm is { Size: > 1 } && e is not OperationCanceledException)
        {
            // One rank's failure would leave the others waiting in the next collective: end the job.
            Console.Error.WriteLine($"rank {comm.Rank}: {e.Message}");
            comm.Abort(1);
            throw;
        }
        if (trainer.Rank != 0) return 0;

        var weights = new List<float>();
        foreach (var layer in network.Layers)
        {
            foreach (var p in layer.Parameters) weights.AddRange(p.Value.ToArray());
            foreach (var (_, b) in layer.Buffers) weights.AddRange(b.ToArray());
        }
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.ToArray().AsSpan()).ToArray();
        if (weightsFile is not null) File.WriteAllBytes(weightsFile, bytes);
        Console.WriteLine(BenchJson.Line(("workload", "distributed-" + model), ("ranks", trainer.WorldSize), ("epochs", trainer.State.Epoch),
            ("steps", trainer.State.Step), ("loss", last?.Loss), ("validation_accuracy", last?.ValidationMetric),
            ("allreduce_bytes_per_step", trainer.AllReduceBytesPerStep), ("allreduce_seconds", trainer.AllReduceTime.TotalSeconds),
            ("seconds", clock.Elapsed.TotalSeconds), ("weights_sha256", Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant())));
        return 0;
    }

    /// <summary>The digits (data/digits/digits.csv, 1,797 8×8 images, values 0..16) scaled to [0, 1].</summary>
    public static Dataset Digits(bool flatten)
    {
        string path = FindData(Path.Combine("data", "digits", "digits.csv"));
        var lines = File.ReadAllLines(path);
        int n = lines.Length - 1;
        var x = new float[n * 64];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            var cells = lines[i + 1].Split(',');
            if (cells.Length != 65) throw new DataFormatException($"{path} line {i + 2} has {cells.Length} cells, expected 65.");
            labels[i] = int.Parse(cells[0], CultureInfo.InvariantCulture);
            for (int j = 0; j < 64; j++) x[i * 64 + j] = float.Parse(cells[j + 1], CultureInfo.InvariantCulture) / 16f;
        }
        var shape = flatten ? new Shape(n, 64) : new Shape(n, 1, 8, 8);
        return new Dataset(new Tensor(shape, x), labels, null, Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray(), "digits");
    }

    private static string FindData(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new ArgumentException($"Cannot find {relative} above {AppContext.BaseDirectory}.");
    }

    /// <summary>64 → Dense 32 ReLU → Dense 10.</summary>
    public static Network DigitsMlp(ulong seed)
    {
        var n = new Network("digits-mlp", new Shape(64), seed);
        n.Add(Models.Layer("Dense", ("units", 32), ("activation", "ReLU")));
        n.Add(Models.Layer("Dense", ("units", 10)));
        return n;
    }

    /// <summary>The seed CNN's pattern with BatchNorm, sized for 8×8: Conv(8,3,same)+BN+ReLU → MaxPool 2 →
    /// Conv(16,3)+BN+ReLU → Flatten → Dense 10.</summary>
    public static Network DigitsCnn(ulong seed)
    {
        var n = new Network("digits-cnn-bn", new Shape(1, 8, 8), seed);
        n.Add(Models.Layer("Conv2d", ("filters", 8), ("kernelSize", new[] { 3, 3 }), ("padding", "Same"), ("useBias", false)));
        n.Add(Models.Layer("BatchNorm"));
        n.Add(Models.Layer("Activation", ("activation", "ReLU")));
        n.Add(Models.Layer("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(Models.Layer("Conv2d", ("filters", 16), ("kernelSize", new[] { 3, 3 }), ("useBias", false)));
        n.Add(Models.Layer("BatchNorm"));
        n.Add(Models.Layer("Activation", ("activation", "ReLU")));
        n.Add(Models.Layer("Flatten"));
        n.Add(Models.Layer("Dense", ("units", 10)));
        return n;
    }

    public static int AllReduce(string[] args)
    {
        var a = new BenchArgs(args);
        var models = a.String("model", "mlp,cnn,resnet").Split(',');
        int steps = a.Int("steps", 30), batch = a.Int("batch", 64);
        a.ThrowOnUnused();
        var env = DistributedEnvironment.Detect();
        if (env is null)
        {
            foreach (var m in models) MeasureCompute(m, batch, steps);
            return 0;
        }
        var comm = MpiCommunicator.World;
        var ring = new RingAllReduce(comm);
        foreach (var m in models)
        {
            var net = Build(m);
            long floats = 0;
            foreach (var layer in net.Layers)
            {
                foreach (var p in layer.Parameters) floats += p.Value.Size;
                foreach (var (_, b) in layer.Buffers) floats += b.Size; // per-rank BatchNorm: running statistics too
            }
            var data = new float[floats];
            var random = new NeuralRandom(7);
            for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle();
            const int Bucket = 1 << 20; // the trainer's default bucket
            // Median and minimum over the steps: on a loaded, oversubscribed machine the median carries the
            // scheduler's delays; the minimum is the cost when both ranks run.
            (double Median, double Min) Time(Action<float[]> reduce)
            {
                for (int w = 0; w < 3; w++) reduce(data);
                var times = new double[steps];
                for (int s = 0; s < steps; s++)
                {
                    comm.Barrier();
                    long t0 = Stopwatch.GetTimestamp();
                    reduce(data);
                    times[s] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                }
                Array.Sort(times);
                return (times[steps / 2], times[0]);
            }
            var (ringSeconds, ringMin) = Time(d =>
            {
                for (int o = 0; o < d.Length; o += Bucket) ring.Sum(d.AsSpan(o, Math.Min(Bucket, d.Length - o)));
            });
            var (mpiSeconds, mpiMin) = Time(d => comm.AllReduceSumNative(d));
            if (comm.Rank != 0) continue;
            long bytes = floats * sizeof(float);
            // Bus bandwidth (NCCL's convention): the bytes each rank moves, 2·(n−1)/n of the vector, per second.
            double moved = 2.0 * (comm.Size - 1) / comm.Size * bytes;
            Console.WriteLine(BenchJson.Line(("workload", "allreduce-" + m), ("ranks", comm.Size), ("bytes", bytes),
                ("ring_ms", ringSeconds * 1e3), ("ring_ms_min", ringMin * 1e3), ("mpi_allreduce_ms", mpiSeconds * 1e3), ("mpi_allreduce_ms_min", mpiMin * 1e3),
                ("ring_bus_gb_per_s_best", moved / ringMin / 1e9), ("mpi_bus_gb_per_s_best", moved / mpiMin / 1e9), ("load_average_1m", MachineLoad.LoadAverage1())));
        }
        return 0;
    }

    private static Network Build(string model) => model switch
    {
        "mlp" => Models.Mlp(1),
        "cnn" => Models.Cnn(1),
        "resnet" => Models.SmallResNet(1),
        _ => throw new ArgumentException($"--model takes mlp, cnn, resnet, not '{model}'."),
    };

    /// <summary>One process: seconds per training step (forward, backward, Adam) at <paramref name="batch"/>, on
    /// random inputs of the model's shape; the median of <paramref name="steps"/> steps after warm-up.</summary>
    private static void MeasureCompute(string model, int batch, int steps)
    {
        var net = Build(model);
        int size = net.InputShape.Size, n = batch * (steps + 3);
        var random = new NeuralRandom(3);
        var x = new float[n * size];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle();
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = random.NextInt(10);
        var dims = new int[net.InputShape.Rank + 1];
        dims[0] = n;
        for (int i = 0; i < net.InputShape.Rank; i++) dims[i + 1] = net.InputShape[i];
        var data = new Dataset(new Tensor(new Shape(dims), x), labels, null, null, "random");
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = batch, Shuffle = false });
        var times = new List<double>();
        long t0 = Stopwatch.GetTimestamp();
        trainer.BatchCompleted += _ =>
        {
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
        };
        foreach (var _ in trainer.Fit(data)) { }
        var steady = times.Skip(3).OrderBy(t => t).ToArray();
        Console.WriteLine(BenchJson.Line(("workload", "step-" + model), ("batch", batch), ("compute_ms_per_step", steady[steady.Length / 2] * 1e3),
            ("compute_ms_per_step_min", steady[0] * 1e3), ("threads", ThreadSetting.Current), ("load_average_1m", MachineLoad.LoadAverage1())));
    }
}
