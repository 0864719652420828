using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Data-parallel training (TrainingOptions.Distributed), the Horovod/DDP model: every rank holds the
/// whole network and optimizer; batch b of the epoch's shuffled order (the same order on every rank, from the
/// seed) is cut into Size contiguous shards and rank r runs forward/backward on shard r; the gradients, each
/// scaled by its shard's share of the batch, are summed by a ring all-reduce in buckets, so every rank holds the
/// gradient of the global batch's mean loss and makes the same optimizer step. Every sample is seen once per
/// epoch across the ranks.
/// <para>Identical state: weights, optimizer state, step count and learning rate are broadcast from rank 0 when
/// Fit starts (after a resume too); the all-reduce gives every rank the same bits, and everything else that
/// decides a step (loss, metrics, validation, early stopping, schedules) is summed in rank order, so the ranks
/// stay identical; <see cref="DistributedOptions.ChecksumEvery"/> verifies it.</para>
/// <para>Only rank 0 writes checkpoints. A resume reads last.npsc on rank 0 and broadcasts the file's bytes,
/// so every rank restores the same state even without a shared file system. Dropout masks of rank r in step s
/// come from Derive(seed, "dropout", s·Size + r): independent across ranks, and a resume at step s draws the
/// same masks. BatchNorm: per-rank statistics (running statistics averaged every step), or synchronised.</para>
/// <para>Not bit-exact with one process: a shard's gradient is summed separately and the shards added, where one
/// process sums the whole batch inside one GEMM; the difference is float32 rounding (see the distributed tests
/// for the measured size). Two runs with the same world size and seed are bit-identical.</para></summary>
public sealed partial class Trainer
{
    private DistributedOptions? _distributed;
    private Communicator? _comm;
    private RingAllReduce? _ring;
    private float[] _bucket = Array.Empty<float>();
    private Tensor[] _reduced = Array.Empty<Tensor>();
    private readonly double[] _batchSums = new double[4];
    private StatisticsSync? _statisticsSync;

    /// <summary>This process's rank in a distributed run (0 for one process).</summary>
    public int Rank => _comm?.Rank ?? 0;

    /// <summary>The number of processes training together (1 for one process).</summary>
    public int WorldSize => _comm?.Size ?? 1;

    /// <summary>Bytes this rank all-reduces per optimizer step (gradients and, with per-rank BatchNorm, running
    /// statistics), and the time spent in the all-reduce so far.</summary>
    public long AllReduceBytesPerStep { get; private set; }
    public TimeSpan AllReduceTime => TimeSpan.FromTicks((long)(_allReduceTicks * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));
    private long _allReduceTicks;

    private void ConfigureDistributed()
    {
        if (Options.Distributed is not { } d) return;
        if (Backend is not CpuBackend)
            throw new InvalidConfigurationException($"Distributed training runs on the CPU backend; this run uses {Backend.Name}. Use -Backend Cpu.");
        if (d.ChecksumEvery < 0)
            throw new InvalidConfigurationException($"ChecksumEvery must be 0 (never) or a number of epochs but is {d.ChecksumEvery}.");
        if (d.BucketElements < 1)
            throw new InvalidConfigurationException($"The all-reduce bucket must hold at least 1 value but is {d.BucketElements}.");
        if (Options.BatchSize < d.Communicator.Size)
            throw new InvalidConfigurationException($"The batch size {Options.BatchSize} is the global batch, shared by {d.Communicator.Size} processes; make it at least {d.Communicator.Size} (one sample per process).");
        _distributed = d;
        _comm = d.Communicator;
        _ring = new RingAllReduce(_comm);
        if (d.SyncBatchNorm)
        {
            _statisticsSync = new StatisticsSync(_comm);
            _context.BatchStatistics = _statisticsSync;
        }
    }

    private void CheckDistributedData(int trainSamples)
    {
        if (_comm is null) return;
        int size = _comm.Size;
        int batchSize = Math.Min(Options.BatchSize, trainSamples);
        if (batchSize < size)
            throw new InvalidConfigurationException($"The training data has {trainSamples} samples, fewer than the {size} processes; every process needs at least one sample per batch.");
        int last = trainSamples % batchSize;
        if (_distributed!.SyncBatchNorm && last > 0 && last < size)
            throw new InvalidConfigurationException(
                $"With synchronised BatchNorm every process needs a sample in every batch, but the last batch of each epoch has {last} sample(s) for {size} processes ({trainSamples} samples, batch {batchSize}); choose a batch size that leaves 0 or at least {size} samples in the last batch.");
    }

    /// <summary>Rank 0's weights, buffers, optimizer state, step count and learning rate on every rank.</summary>
    private void BroadcastState()
    {
        if (_comm is null || _comm.Size == 1) return;
        foreach (var t in WeightTensors()) _comm.Broadcast(t.Span);
        var state = Optimizer.State;
        foreach (var (_, t) in state) _comm.Broadcast(t.Span);
        Span<long> steps = stackalloc long[1];
        steps[0] = Optimizer.StepCount;
        _comm.Broadcast(steps);
        Span<double> rate = stackalloc double[1];
        rate[0] = Optimizer.LearningRate;
        _comm.Broadcast(rate);
        Optimizer.RestoreState(steps[0], state);
        Optimizer.LearningRate = rate[0];
    }

    /// <summary>Rank 0 reads last.npsc and broadcasts its bytes (empty: no checkpoint), so every rank resumes
    /// from the same state without a shared file system.</summary>
    private byte[]? ReadLastCheckpointOnRoot()
    {
        var comm = _comm!;
        Span<long> length = stackalloc long[1];
        byte[]? file = null;
        Exception? failure = null;
        if (comm.Rank == 0)
        {
            try
            {
                file = _checkpoints!.HasLast ? File.ReadAllBytes(_checkpoints.LastPath) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = e;
            }
            length[0] = failure is not null ? -1 : file?.LongLength ?? 0;
        }
        comm.Broadcast(length);
        if (length[0] < 0)
            throw failure is not null
                ? new ModelFileException($"Cannot read the checkpoint '{_checkpoints!.LastPath}': {failure.Message}", failure)
                : new ModelFileException($"Rank 0 could not read the checkpoint '{_checkpoints!.LastPath}' (its error is in rank 0's output).");
        if (length[0] == 0) return null;
        file ??= new byte[length[0]];
        comm.Broadcast(file.AsSpan());
        return file;
    }

    /// <summary>Samples [start, start + count) of the global batch that belong to this rank: a contiguous shard.</summary>
    private (int Start, int Count) Shard(int start, int count)
    {
        if (_comm is null) return (start, count);
        int size = _comm.Size, rank = _comm.Rank;
        int from = (int)((long)count * rank / size), to = (int)((long)count * (rank + 1) / size);
        return (start + from, to - from);
    }

    /// <summary>Rank r's dropout stream for step s: Derive(seed, "dropout", s·Size + r).</summary>
    private void SeedDropoutForStep()
    {
        if (_comm is null) return;
        State.DropoutRandom.SetState(NeuralRandom.Derive(State.Seed, "dropout", State.Step * _comm.Size + _comm.Rank).GetState());
    }

    private void ZeroGradients()
    {
        foreach (var p in Optimizer.Parameters) p.Gradient.Clear();
    }

    /// <summary>This rank's share of the global batch's loss: its samples / the batch's samples, or with class
    /// weights (a weighted mean, Σ w[y]·l / Σ w[y]) its shard's weight sum / the batch's. Every rank knows the whole
    /// batch's labels, so no communication is needed. The local mean loss times the share, summed over the ranks,
    /// is the global batch's loss, and the same holds for the gradients.</summary>
    private double ShardShare(Dataset train, ReadOnlySpan<int> batch, int shardOffset, int shardCount)
    {
        if (shardCount == 0) return 0;
        if (Loss!.ClassWeights is { } weights && train.ClassLabels is int[] labels)
        {
            double all = 0, mine = 0;
            for (int i = 0; i < batch.Length; i++)
            {
                double w = weights[labels[batch[i]]];
                all += w;
                if (i >= shardOffset && i < shardOffset + shardCount) mine += w;
            }
            if (all > 0) return mine / all;
        }
        return (double)shardCount / batch.Length;
    }

    /// <summary>After this rank's backward on its shard (<paramref name="share"/> of the global batch's loss):
    /// averages the gradients (and per-rank BatchNorm statistics) over the ranks, sums the batch's loss and metric,
    /// and agrees on cancellation. Returns the global batch's mean loss.</summary>
    private double ReduceBatch(double share, double localLoss, ref double metricSum, ref double metricCount, ref bool cancelled)
    {
        var comm = _comm!;
        long begin = Stopwatch.GetTimestamp();
        AllReduceGradients((float)share);
        _allReduceTicks += Stopwatch.GetTimestamp() - begin;
        _batchSums[0] = localLoss * share;
        _batchSums[1] = metricSum;
        _batchSums[2] = metricCount;
        _batchSums[3] = cancelled ? 1 : 0;
        comm.SumInRankOrder(_batchSums);
        metricSum = _batchSums[1];
        metricCount = _batchSums[2];
        cancelled = _batchSums[3] > 0;
        return _batchSums[0];
    }

    /// <summary>The tensors the all-reduce averages: the gradients (last layer first, as DDP orders its buckets)
    /// and, unless BatchNorm is synchronised, the layers' buffers (running statistics).</summary>
    private Tensor[] ReducedTensors()
    {
        if (_reduced.Length > 0) return _reduced;
        var list = new List<Tensor>();
        var ps = Optimizer.Parameters;
        for (int i = ps.Count - 1; i >= 0; i--) list.Add(ps[i].Gradient);
        if (!_distributed!.SyncBatchNorm)
            foreach (var layer in Network.Layers)
                foreach (var (_, b) in layer.Buffers) list.Add(b);
        _reduced = list.ToArray();
        long total = 0;
        foreach (var t in _reduced) total += t.Shape.Size;
        AllReduceBytesPerStep = total * sizeof(float);
        _bucket = new float[(int)Math.Min(total, _distributed.BucketElements)];
        return _reduced;
    }

    /// <summary>Packs the tensors, scaled by <paramref name="weight"/>, into buckets, sums each bucket over the
    /// ranks (ring, fixed order) and unpacks it.</summary>
    private void AllReduceGradients(float weight)
    {
        var tensors = ReducedTensors();
        var bucket = _bucket.AsSpan();
        int fill = 0;
        int firstTensor = 0, firstOffset = 0; // where the bucket's contents start
        for (int t = 0; t < tensors.Length; t++)
        {
            var source = tensors[t].Span;
            int offset = 0;
            while (offset < source.Length)
            {
                int n = Math.Min(source.Length - offset, bucket.Length - fill);
                System.Numerics.Tensors.TensorPrimitives.Multiply(source.Slice(offset, n), weight, bucket.Slice(fill, n));
                fill += n;
                offset += n;
                if (fill == bucket.Length)
                {
                    Flush(tensors, bucket, fill, firstTensor, firstOffset);
                    fill = 0;
                    (firstTensor, firstOffset) = offset == source.Length ? (t + 1, 0) : (t, offset);
                }
            }
        }
        if (fill > 0) Flush(tensors, bucket, fill, firstTensor, firstOffset);
    }

    private void Flush(Tensor[] tensors, Span<float> bucket, int fill, int tensor, int offset)
    {
        _ring!.Sum(bucket[..fill]);
        int read = 0;
        while (read < fill)
        {
            var target = tensors[tensor].Span;
            int n = Math.Min(target.Length - offset, fill - read);
            bucket.Slice(read, n).CopyTo(target.Slice(offset, n));
            read += n;
            offset += n;
            if (offset == target.Length) { tensor++; offset = 0; }
        }
    }

    /// <summary>Validation on this rank's contiguous part of the data, the sums added in rank order.</summary>
    private (double Loss, double Metric) EvaluateDistributed(Dataset data)
    {
        var comm = _comm!;
        int n = data.Count;
        int from = (int)((long)n * comm.Rank / comm.Size), to = (int)((long)n * (comm.Rank + 1) / comm.Size);
        var (lossSum, metricSum, metricCount) = EvaluateSums(data, from, to);
        Span<double> sums = stackalloc double[] { lossSum, metricSum, metricCount };
        comm.SumInRankOrder(sums);
        return (sums[0] / n, sums[2] > 0 ? sums[1] / sums[2] : double.NaN);
    }

    /// <summary>Debug check: every rank hashes its weights, buffers and optimizer state; all hashes must agree.</summary>
    private void CompareChecksums()
    {
        if (_comm is null || _distributed!.ChecksumEvery == 0 || State.Epoch % _distributed.ChecksumEvery != 0) return;
        long mine = StateChecksum();
        var all = _comm.AllGather<long>(new[] { mine });
        var differing = new List<int>();
        for (int r = 0; r < all.Length; r++) if (all[r] != all[0]) differing.Add(r);
        if (differing.Count > 0)
            throw new DistributedTrainingException(
                $"After epoch {State.Epoch} the weights or optimizer state of rank(s) {string.Join(", ", differing)} differ from rank 0's (checksums {string.Join(", ", all.Select(h => h.ToString("x16")))}).");
        Say($"Epoch {State.Epoch}: weights and optimizer state are identical on all {_comm.Size} ranks (checksum {mine:x16}).");
    }

    private long StateChecksum()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in WeightTensors()) sha.AppendData(MemoryMarshal.AsBytes(t.Span));
        foreach (var (_, t) in Optimizer.State) sha.AppendData(MemoryMarshal.AsBytes(t.Span));
        Span<byte> hash = stackalloc byte[32];
        sha.TryGetHashAndReset(hash, out _);
        return BitConverter.ToInt64(hash);
    }

    /// <summary>Synchronised BatchNorm's sums: added in rank order (reproducible, the same bits on every rank).</summary>
    private sealed class StatisticsSync : IBatchStatisticsSync
    {
        private readonly Communicator _comm;

        public StatisticsSync(Communicator comm) => _comm = comm;

        public double ShardWeight { get; set; } = 1;

        public void Sum(Span<double> values) => _comm.SumInRankOrder(values);
    }
}
