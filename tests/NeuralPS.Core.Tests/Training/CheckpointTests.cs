using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Schedules;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Training;

/// <summary>Checkpoints and resume on real data (Iris): a run interrupted anywhere and resumed from its
/// checkpoint ends with the uninterrupted run's weights bit for bit. A "kill" is an exception thrown from
/// the batch event: the trainer dies there without writing anything, like a process killed with SIGKILL,
/// and a fresh network and trainer (as a re-run script builds them) resume from the folder.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nps-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private sealed class Killed : Exception { }

    internal static Dataset Iris() => BuiltinDatasets.Load("Iris");

    // Dropout makes the dropout stream's state matter; 120 training samples at batch 16 give 8 batches.
    private static Network Net(int hidden = 16) => new Network("iris", new Shape(4), 7)
        .Add(new Dense(hidden, ActivationKind.ReLU)).Add(new Dropout(0.2)).Add(new Dense(3, ActivationKind.Softmax));

    private TrainingOptions Options(string? dir = null, int every = 0, int accumulation = 1, int epochs = 4) => new()
    {
        Epochs = epochs, BatchSize = 16, LearningRate = 0.02, Seed = 3, ValidationSplit = 0.2,
        Schedule = new CosineDecay(warmupEpochs: 1), ClipNorm = 5, AccumulationSteps = accumulation,
        EarlyStopping = new EarlyStoppingOptions { Patience = 50 },
        CheckpointDirectory = dir, CheckpointEvery = every, Resume = dir is not null,
    };

    internal static int[] Bits(Network net) => net.Layers.SelectMany(l => l.Parameters.SelectMany(p => p.Value.ToArray())
        .Concat(l.Buffers.SelectMany(b => b.Value.ToArray()))).Select(BitConverter.SingleToInt32Bits).ToArray();

    private static (int[] Weights, List<EpochResult> History) Uninterrupted(Func<TrainingOptions> options)
    {
        var net = Net();
        var history = new Trainer(net, options()).Fit(Iris()).ToList();
        return (Bits(net), history);
    }

    /// <summary>Runs with a checkpoint folder until the batch event (epoch, batch) fires, where it "dies".</summary>
    private void RunUntilKilled(TrainingOptions options, int epoch, int batch)
    {
        var trainer = new Trainer(Net(), options);
        trainer.BatchCompleted += p => { if (p.Epoch == epoch && p.Batch == batch) throw new Killed(); };
        Assert.Throws<Killed>(() => trainer.Fit(Iris()).ToList());
    }

    private (int[] Weights, Trainer Trainer, List<EpochResult> New) ResumeToTheEnd(TrainingOptions options)
    {
        var net = Net();
        var trainer = new Trainer(net, options);
        var rest = trainer.Fit(Iris()).ToList();
        return (Bits(net), trainer, rest);
    }

    private static void AssertSameHistory(IReadOnlyList<EpochResult> expected, IReadOnlyList<EpochResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Loss, actual[i].Loss);
            Assert.Equal(expected[i].Metric, actual[i].Metric);
            Assert.Equal(expected[i].ValidationLoss, actual[i].ValidationLoss);
            Assert.Equal(expected[i].LearningRate, actual[i].LearningRate);
            Assert.Equal(expected[i].BestEpoch, actual[i].BestEpoch);
        }
    }

    [Fact]
    public void Resume_AfterAKillBetweenEpochs_EqualsTheUninterruptedRun_BitForBit()
    {
        var (expected, history) = Uninterrupted(() => Options());
        RunUntilKilled(Options(_dir), epoch: 3, batch: 1); // dies in batch 1 of epoch 3: the last checkpoint is epoch 2's end
        var (_, saved) = CheckpointFile.Read(Path.Combine(_dir, CheckpointStore.LastFileName));
        Assert.Equal((2, 0), (saved.Epoch, saved.BatchInEpoch));

        var (actual, trainer, rest) = ResumeToTheEnd(Options(_dir));
        Assert.Equal(2, rest.Count);
        Assert.Equal(expected, actual);
        AssertSameHistory(history, trainer.State.History);
    }

    [Fact]
    public void Resume_AfterAKillInTheMiddleOfAnEpoch_EqualsTheUninterruptedRun_BitForBit()
    {
        var (expected, history) = Uninterrupted(() => Options());
        RunUntilKilled(Options(_dir, every: 3), epoch: 2, batch: 5); // last checkpoint after step 12 = epoch 2, batch 4
        var (_, saved) = CheckpointFile.Read(Path.Combine(_dir, CheckpointStore.LastFileName));
        Assert.Equal((1, 4), (saved.Epoch, saved.BatchInEpoch));

        var (actual, trainer, rest) = ResumeToTheEnd(Options(_dir, every: 3));
        Assert.Equal(3, rest.Count);
        Assert.Equal(expected, actual);
        AssertSameHistory(history, trainer.State.History); // the resumed epoch's loss includes its first 4 batches
    }

    [Fact]
    public void Resume_AfterTwoKillsAndACancellation_EqualsTheUninterruptedRun_BitForBit()
    {
        var (expected, _) = Uninterrupted(() => Options());
        RunUntilKilled(Options(_dir, every: 3), epoch: 1, batch: 7);
        RunUntilKilled(Options(_dir, every: 3), epoch: 3, batch: 2);

        // Ctrl+C: the batch completes and a checkpoint is written there.
        var trainer = new Trainer(Net(), Options(_dir, every: 3));
        using var cts = new CancellationTokenSource();
        trainer.BatchCompleted += p => { if (p.Epoch == 3 && p.Batch == 6) cts.Cancel(); };
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(Iris(), cts.Token).ToList());
        var (_, saved) = CheckpointFile.Read(Path.Combine(_dir, CheckpointStore.LastFileName));
        Assert.Equal((2, 6), (saved.Epoch, saved.BatchInEpoch));

        var (actual, _, _) = ResumeToTheEnd(Options(_dir, every: 3));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Resume_InTheMiddleOfAnAccumulationGroup_EqualsTheUninterruptedRun_BitForBit()
    {
        // Accumulation over 3 batches, checkpoints every 2: the kill leaves a checkpoint holding the
        // gradients of one batch of a group whose update has not been made yet.
        var (expected, _) = Uninterrupted(() => Options(accumulation: 3));
        RunUntilKilled(Options(_dir, every: 2, accumulation: 3), epoch: 2, batch: 6);
        var (_, saved) = CheckpointFile.Read(Path.Combine(_dir, CheckpointStore.LastFileName));
        Assert.Equal(1, saved.PendingBatches); // epoch 2, batch 4 = first batch of the group 3..5
        var (actual, _, _) = ResumeToTheEnd(Options(_dir, every: 2, accumulation: 3));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void SameSeed_GivesTheSameWeights_WhateverTheCheckpointInterval()
    {
        var (expected, _) = Uninterrupted(() => Options());
        foreach (int every in new[] { 0, 1, 5 })
        {
            string dir = Path.Combine(_dir, $"every{every}");
            var net = Net();
            new Trainer(net, Options(dir, every)).Fit(Iris()).ToList();
            Assert.Equal(expected, Bits(net));
        }
    }

    [Fact]
    public void Resume_WithNoCheckpointYet_StartsFresh()
    {
        var (expected, _) = Uninterrupted(() => Options());
        var (actual, _, rest) = ResumeToTheEnd(Options(_dir));
        Assert.Equal(4, rest.Count);
        Assert.Equal(expected, actual);
        Assert.True(File.Exists(Path.Combine(_dir, CheckpointStore.LastFileName)));
        Assert.True(File.Exists(Path.Combine(_dir, CheckpointStore.BestFileName)));
    }

    [Fact]
    public void Resume_OfAFinishedRun_TrainsNothingAndKeepsItsWeights()
    {
        var (expected, _, _) = ResumeToTheEnd(Options(_dir));
        var (again, trainer, rest) = ResumeToTheEnd(Options(_dir));
        Assert.Empty(rest);
        Assert.Equal(expected, again);
        Assert.Equal(4, trainer.State.History.Count);
    }

    [Fact]
    public void AKillWhileACheckpointIsBeingWritten_LeavesThePreviousCheckpointLoadable()
    {
        var net = Net();
        var trainer = new Trainer(net, Options(_dir));
        using var run = trainer.Fit(Iris()).GetEnumerator();
        Assert.True(run.MoveNext()); // epoch 1 and its checkpoint
        trainer.Checkpoints!.WrapStream = s => new FailingStream(s, failAfter: 200);
        var e = Assert.Throws<ModelFileException>(() => run.MoveNext());
        Assert.Contains("unchanged", e.Message);

        // A hard kill can also leave a half-written temporary file behind; it is ignored.
        File.WriteAllBytes(Path.Combine(_dir, ".last.npsc.0123.tmp"), new byte[] { 1, 2, 3 });
        var (_, saved) = CheckpointFile.Read(Path.Combine(_dir, CheckpointStore.LastFileName));
        Assert.Equal((1, 0), (saved.Epoch, saved.BatchInEpoch));
        var (_, resumed, rest) = ResumeToTheEnd(Options(_dir));
        Assert.Equal(3, rest.Count);
        Assert.Equal(4, resumed.State.History.Count);
    }

    [Fact]
    public void ACheckpointOfAnotherArchitecture_IsRefused_NamingTheDifference()
    {
        new Trainer(Net(hidden: 16), Options(_dir, epochs: 1)).Fit(Iris()).ToList();
        var other = new Trainer(Net(hidden: 12), Options(_dir, epochs: 1));
        var e = Assert.Throws<CheckpointMismatchException>(() => other.Fit(Iris()));
        Assert.Contains("layer 1", e.Message);
        Assert.Contains("units=16", e.Message);
        Assert.Contains("units=12", e.Message);
    }

    [Fact]
    public void ACheckpointOfOtherDataOrSettings_IsRefused_NamingTheDifference()
    {
        new Trainer(Net(), Options(_dir, epochs: 1)).Fit(Iris()).ToList();
        var data = Iris();
        data.Features[0] += 1;
        var e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(Net(), Options(_dir, epochs: 1)).Fit(data));
        Assert.Contains("other training data", e.Message);

        var o = Options(_dir, epochs: 1);
        o.BatchSize = 8;
        e = Assert.Throws<CheckpointMismatchException>(() => new Trainer(Net(), o).Fit(Iris()));
        Assert.Contains("BatchSize 16", e.Message);
        Assert.Contains("BatchSize 8", e.Message);
    }

    [Fact]
    public void ACheckpoint_LoadsAsAModel_WithTheBestWeights()
    {
        var net = Net();
        var options = Options(_dir);
        options.EarlyStopping = new EarlyStoppingOptions { Patience = 50, RestoreBestWeights = true };
        var history = new Trainer(net, options).Fit(Iris()).ToList();
        var best = ModelFile.Load(Path.Combine(_dir, CheckpointStore.BestFileName));
        Assert.Equal(history[^1].BestEpoch, best.EpochsTrained);
        Assert.Equal(Bits(net), Bits(best)); // the run ended holding the best epoch's weights
    }

    private sealed class FailingStream(Stream inner, int failAfter) : Stream
    {
        private int _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int room = failAfter - _written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..Math.Max(0, room)]);
                throw new IOException("Simulated kill while writing.");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
