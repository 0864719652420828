using System.Collections;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Schedules;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Invoke-Training's new parameters behind the cmdlet: how they become engine options, and the
/// command with checkpoints (Ctrl+C writes one and returns the history so far; a re-run with -Resume
/// first emits the restored epochs, then continues to the uninterrupted run's weights).</summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nps-cmd-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Parameters_become_schedule_early_stopping_checkpoint_and_gradient_options()
    {
        var o = new TrainingParameters
        {
            Optimizer = "SGD", CheckpointPath = _dir, CheckpointEvery = 5, Resume = true,
            EarlyStopping = true, Patience = 3, MinDelta = 0.01, Monitor = "ValidationAccuracy", KeepLastWeights = true,
            Schedule = new ScheduleSettings { Name = "cosine", WarmupEpochs = 2, MinLearningRate = 1e-4 },
            ClipNorm = 1, ClipValue = 0.5, AccumulationSteps = 4,
        }.Build();
        Assert.Equal(0.01, o.LearningRate); // SGD's default
        Assert.Equal((_dir, 5, true), (o.CheckpointDirectory, o.CheckpointEvery, o.Resume));
        Assert.Equal(new EarlyStoppingOptions { Patience = 3, MinDelta = 0.01, Monitor = "ValidationAccuracy", RestoreBestWeights = false }, o.EarlyStopping);
        var cosine = Assert.IsType<CosineDecay>(o.Schedule);
        Assert.Equal((2, 1e-4), (cosine.WarmupEpochs, cosine.MinRate));
        Assert.Equal((1.0, 0.5, 4), (o.ClipNorm!.Value, o.ClipValue!.Value, o.AccumulationSteps));
    }

    [Theory]
    [InlineData("Patience")]
    [InlineData("Resume")]
    [InlineData("Monitor")]
    public void Parameters_that_need_another_are_refused_with_what_to_add(string which)
    {
        var p = which switch
        {
            "Patience" => new TrainingParameters { Patience = 3 },
            "Resume" => new TrainingParameters { Resume = true },
            _ => new TrainingParameters { Monitor = "Loss" },
        };
        var e = Assert.Throws<InvalidConfigurationException>(() => p.Build());
        Assert.Contains(which == "Resume" ? "-CheckpointPath" : "-EarlyStopping", e.Message);
    }

    [Fact]
    public void Schedules_take_their_own_knobs_and_refuse_others()
    {
        Assert.IsType<StepDecay>(new ScheduleSettings { Name = "Step", StepSize = 3, Gamma = 0.5 }.Create());
        Assert.IsType<OneCycle>(new ScheduleSettings { Name = "OneCycle" }.Create());
        var plateau = Assert.IsType<ReduceOnPlateau>(new TrainingParameters
        {
            Monitor = "Loss", Schedule = new ScheduleSettings { Name = "ReduceOnPlateau", PlateauPatience = 2 },
        }.Build().Schedule);
        Assert.Equal(("Loss", 2), (plateau.Monitor, plateau.Patience));
        Assert.Null(new ScheduleSettings().Create());
        var e = Assert.Throws<InvalidConfigurationException>(() => new ScheduleSettings { Name = "Exponential", StepSize = 3 }.Create());
        Assert.Contains("-StepSize", e.Message);
        Assert.Contains("-Gamma", e.Message);
    }

    [Fact]
    public void ClassWeight_accepts_balanced_a_list_or_names()
    {
        string[] classes = { "setosa", "versicolor", "virginica" };
        Assert.Equal((null, true), ClassWeightParser.Resolve("balanced", classes));
        Assert.Equal(new[] { 1.0, 5.0, 2.5 }, ClassWeightParser.Resolve(new object[] { 1, 5, "2.5" }, classes).Weights);
        Assert.Equal(new[] { 1.0, 4.0, 1.0 }, ClassWeightParser.Resolve(new Hashtable { ["Versicolor"] = 4 }, classes).Weights);
        Assert.Contains("not in the training data", Assert.Throws<InvalidConfigurationException>(() => ClassWeightParser.Resolve(new Hashtable { ["rose"] = 4 }, classes)).Message);
        Assert.Contains("3 classes", Assert.Throws<InvalidConfigurationException>(() => ClassWeightParser.Resolve(new object[] { 1, 2 }, classes)).Message);
        Assert.Contains("Balanced", Assert.Throws<InvalidConfigurationException>(() => ClassWeightParser.Resolve("heavy", classes)).Message);
    }

    private static Network IrisNetwork()
    {
        var n = NetworkBuilder.Create("iris", new[] { 4 }, 1);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 16, Activation = "ReLU" }));
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
        return n;
    }

    private TrainingSettings Settings(bool checkpoints) => new()
    {
        Options = new TrainingParameters
        {
            Epochs = 6, BatchSize = 16, LearningRate = 0.01, ValidationSplit = 0.2, Seed = 4,
            CheckpointPath = checkpoints ? _dir : null, Resume = checkpoints, EarlyStopping = true, Patience = 10,
            Schedule = new ScheduleSettings { Name = "Step", StepSize = 2, Gamma = 0.5 },
        }.Build(),
        LabelProperty = "Species",
        ClassWeight = "Balanced",
    };

    private static float[] Weights(Network n) => n.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void CtrlC_writes_a_checkpoint_and_returns_the_history_so_far_and_Resume_continues_to_the_same_weights()
    {
        var (train, _) = Records.IrisSplit();

        var reference = IrisNetwork();
        var full = new TrainingCommand(reference, Settings(checkpoints: false));
        foreach (var r in train) full.AddRecord(r);
        var fullHistory = full.Run(new RecordingSink(), CancellationToken.None);
        Assert.Equal(new[] { 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025 }, fullHistory.Select(h => h.LearningRate));
        Assert.Equal("Completed", fullHistory[^1].StopReason);

        // First run: Ctrl+C during epoch 3 (the cmdlet's StopProcessing cancels the token).
        var net = IrisNetwork();
        using var cts = new CancellationTokenSource();
        var first = new TrainingCommand(net, Settings(checkpoints: true), new CancelAt(cts, epoch: 3, batch: 2));
        foreach (var r in train) first.AddRecord(r);
        var sink = new RecordingSink();
        var partial = first.Run(sink, cts.Token);
        Assert.Equal(2, partial.Count);
        Assert.True(File.Exists(Path.Combine(_dir, "last.npsc")));
        Assert.Contains(sink.VerboseLines, l => l.Contains("-Resume"));

        // Second run, a fresh network as a re-run script builds it.
        var again = IrisNetwork();
        var second = new TrainingCommand(again, Settings(checkpoints: true));
        foreach (var r in train) second.AddRecord(r);
        var sink2 = new RecordingSink();
        var history = second.Run(sink2, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 6), history.Select(h => h.Epoch));
        Assert.All(history.Take(partial.Count), h => Assert.True(h.FromCheckpoint));
        Assert.All(history.Skip(partial.Count), h => Assert.False(h.FromCheckpoint));
        Assert.Contains(sink2.VerboseLines, l => l.StartsWith("Resumed from", StringComparison.Ordinal));
        Assert.Equal(fullHistory.Select(h => h.Loss), history.Select(h => h.Loss));
        Assert.Equal(Weights(reference), Weights(again));
    }

    /// <summary>The real engine, with Ctrl+C pressed (on the training thread, so at a known batch) after
    /// batch <c>batch</c> of epoch <c>epoch</c>.</summary>
    private sealed class CancelAt(CancellationTokenSource cts, int epoch, int batch) : ITrainingEngine
    {
        public void Train(Network network, Core.Data.Dataset train, TrainingOptions options, string backend,
            Action<BatchProgress> onBatch, Action<EpochResult> onEpoch, Action<string> onMessage, CancellationToken cancellation) =>
            CoreTrainingEngine.Instance.Train(network, train, options, backend,
                p => { onBatch(p); if (p.Epoch == epoch && p.Batch == batch) cts.Cancel(); }, onEpoch, onMessage, cancellation);
    }

    [Fact]
    public void A_checkpoint_mismatch_is_an_InvalidArgument_error_with_advice()
    {
        var (kind, id) = ErrorClassifier.Classify(new CheckpointMismatchException("x"));
        Assert.Equal((ErrorKind.InvalidArgument, "CheckpointMismatch"), (kind, id));
        Assert.Contains("-CheckpointPath", ErrorClassifier.RecommendedAction(new CheckpointMismatchException("x")));
    }
}
