using System.Diagnostics;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>Mini-batch training of a <see cref="Network"/>: for each batch, forward through the layers,
/// loss and its gradient, backward in reverse, one optimizer step.
/// <para>Determinism: all randomness flows from one seed (see <see cref="TrainingState"/>), and every
/// kernel computes each output element on one thread in a fixed order, so the same seed, data and thread
/// count give bit-identical weights.</para>
/// <para>Softmax/Sigmoid outputs: when the last layer ends in the activation the loss is defined through
/// (Softmax for CrossEntropy, Sigmoid for BinaryCrossEntropy), the loss is computed from that layer's
/// pre-activation (logits) and the fused gradient (p − y) enters the layer below the activation, so a
/// network may end in Softmax for readable predictions without losing the stable gradient.</para>
/// <para>Cancellation: the token is checked after each batch; when it is set the batch is completed
/// (weights and optimizer updated, <see cref="State"/> consistent), and the enumeration throws
/// <see cref="OperationCanceledException"/>. The partial epoch yields no <see cref="EpochResult"/>;
/// calling Fit again on this trainer continues from the next batch.</para>
/// <para>Schedules, gradient clipping and accumulation, class weights, early stopping and checkpoints with
/// resume live in Trainer.Updates.cs, Trainer.Epochs.cs and Trainer.Checkpoints.cs; this file is the loop.</para>
/// Steady-state batches allocate nothing: the layers, the loss and the trainer reuse their buffers.</summary>
public sealed partial class Trainer
{
    private readonly LayerContext _context;
    private Tensor? _batchFeatures;
    private Tensor? _batchTargets;
    private int[] _batchLabels = Array.Empty<int>();
    private IFusableOutputActivation? _fusedOutput;
    private readonly NonFiniteGuard _nonFinite;

    public Trainer(Network network, TrainingOptions options, IBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (network.Layers.Count == 0)
            throw new InvalidConfigurationException($"Network '{network.Name}' has no layers; add layers before training.");
        if (options.Epochs < 1)
            throw new InvalidConfigurationException($"Epochs must be at least 1 but is {options.Epochs}.");
        if (options.BatchSize < 1)
            throw new InvalidConfigurationException($"The batch size must be at least 1 but is {options.BatchSize}.");
        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            throw new InvalidConfigurationException($"The validation split must be in [0, 1) but is {options.ValidationSplit}.");
        Network = network;
        Options = options;
        Backend = backend ?? CpuBackend.Instance;
        Optimizer = OptimizerFactory.Create(options);
        Optimizer.Bind(network);
        State = new TrainingState(options.Seed ?? network.Seed, Optimizer);
        _context = new LayerContext(Backend, training: true, State.DropoutRandom);
        ConfigureUpdates();
        ConfigureEpochs();
        ConfigureCheckpoints();
        ConfigureDistributed();
        _nonFinite = new NonFiniteGuard(network, Optimizer);
    }

    public Network Network { get; }
    public TrainingOptions Options { get; }
    public IBackend Backend { get; }
    public Optimizer Optimizer { get; }

    /// <summary>Position, random streams and optimizer state of this run (what a checkpoint saves).</summary>
    public TrainingState State { get; }

    /// <summary>The loss in use; chosen from the options and the data when Fit or Evaluate first runs.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>Raised after every batch (on the training thread). Progress objects are created only when
    /// there is a handler.</summary>
    public event Action<BatchProgress>? BatchCompleted;

    /// <summary>Trains until <see cref="TrainingState.Epoch"/> reaches <see cref="TrainingOptions.Epochs"/>,
    /// yielding one <see cref="EpochResult"/> per epoch as it completes (lazily: nothing runs until the
    /// enumeration starts, and stopping the enumeration stops training at an epoch boundary).
    /// The data and configuration are validated here, before enumeration.</summary>
    public IEnumerable<EpochResult> Fit(Dataset train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (Network.FirstTrainableLayer < 0 && Network.Layers.Any(l => l.Frozen))
            throw new InvalidConfigurationException($"Every layer of network '{Network.Name}' that has weights is frozen, so training would change nothing; unfreeze the layers to train (Unlock-Layer).");
        var (trainData, validation) = Prepare(train);
        PrepareUpdates(trainData, validation);
        CheckDistributedData(trainData.Count);
        PrepareCheckpoints(train, validation, trainData.Count);
        BroadcastState(); // distributed: every rank starts from rank 0's state (after a resume too)
        return Run(trainData, validation, cancellationToken);
    }

    /// <summary>Mean loss and metric (accuracy for classification, MAE for regression) of the network on
    /// <paramref name="data"/> in inference mode (dropout off).</summary>
    public (double Loss, double Metric) Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, "evaluation");
        Loss ??= ResolveLoss(data);
        ResolveFusedOutput();
        try
        {
            return EvaluateCore(data);
        }
        finally
        {
            ReleaseFusedOutput();
        }
    }

    // The per-epoch metric: "Accuracy" for class labels and for target tensors under a classification
    // loss, "MAE" (mean absolute error) for regression.
    private static string MetricNameFor(bool classification) => classification ? "Accuracy" : "MAE";

    private (Dataset Train, Dataset? Validation) Prepare(Dataset train)
    {
        CheckData(train, "training");
        Loss = ResolveLoss(train);

        Dataset? validation = Options.ValidationData;
        if (validation is not null)
        {
            CheckData(validation, "validation");
            if (validation.IsClassification != train.IsClassification)
                throw new InvalidConfigurationException($"The validation data '{validation.Name}' and the training data '{train.Name}' must both have class labels or both have targets.");
        }
        else if (Options.ValidationSplit > 0)
        {
            (train, validation) = train.Split(Options.ValidationSplit, State.SplitRandom());
        }

        // The model carries how raw rows become input and what its outputs mean.
        Network.Preprocessor ??= train.Preprocessor;
        Network.ClassNames ??= train.ClassNames;
        return (train, validation);
    }

    private void CheckData(Dataset data, string role)
    {
        if (data.Count == 0)
            throw new InvalidConfigurationException($"The {role} data '{data.Name}' has no samples.");
        if (!data.HasLabels)
            throw new InvalidConfigurationException($"The {role} data '{data.Name}' has no labels or targets; training needs them.");
        if (data.SampleShape != Network.InputShape)
            throw new ShapeMismatchException(
                $"The {role} data '{data.Name}' has samples of shape {data.SampleShape} but network '{Network.Name}' expects input {Network.InputShape}." +
                (data.SampleShape.Size == Network.InputShape.Size ? $" Create the network with -InputShape {string.Join(",", data.SampleShape)} (add a Flatten layer before Dense)." : ""));
        int outputs = Network.OutputShape.Size;
        if (data.Targets is not null && data.Targets.Columns != outputs)
            throw new ShapeMismatchException(
                $"The {role} data '{data.Name}' has {data.Targets.Columns} target values per sample but network '{Network.Name}' outputs {Network.OutputShape}; make the last layer output {data.Targets.Columns} values.");
        if (data.ClassLabels is not null && data.LabelSteps > 1)
        {
            // One label per step: the output must be (steps, classes), e.g. Dense after a recurrent layer with
            // -ReturnSequences.
            if (Network.OutputShape.Rank != 2 || Network.OutputShape[0] != data.LabelSteps)
                throw new ShapeMismatchException(
                    $"The {role} data '{data.Name}' has one label per step ({data.LabelSteps} steps) but network '{Network.Name}' outputs {Network.OutputShape} per sample; " +
                    $"per-step labels need an output ({data.LabelSteps}, classes): a recurrent layer with -ReturnSequences, then Dense with one unit per class.");
            if (data.ClassCount > Network.OutputShape[1])
                throw new InvalidConfigurationException(
                    $"The {role} data '{data.Name}' has {data.ClassCount} classes but network '{Network.Name}' outputs {Network.OutputShape[1]} scores per step; give the last Dense layer -Units {data.ClassCount}.");
        }
        else if (data.ClassLabels is not null)
        {
            // One label per sample needs one score per class; a (time, classes) output (a Dense layer over a
            // sequence) would be read as time·classes "classes" (per-step labels are a dataset with LabelSteps).
            if (Network.OutputShape.Rank != 1)
                throw new ShapeMismatchException(
                    $"Network '{Network.Name}' outputs {Network.OutputShape} per sample, but class labels need one score per class, (classes,); " +
                    "end with a recurrent layer without -ReturnSequences, or add a Flatten layer, before the last Dense layer.");
            int classes = data.ClassCount;
            bool singleBinary = outputs == 1 && classes <= 2;
            if (classes > outputs && !singleBinary)
                throw new InvalidConfigurationException(
                    $"The {role} data '{data.Name}' has {classes} classes but network '{Network.Name}' outputs {outputs} value{(outputs == 1 ? "" : "s")}; " +
                    $"give the last Dense layer -Units {classes} (one output per class).");
        }
    }

    private Loss ResolveLoss(Dataset data)
    {
        string? name = Options.Loss;
        Loss loss;
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Equals("Auto", StringComparison.OrdinalIgnoreCase))
        {
            int outputs = Network.OutputShape.Size;
            loss = data.IsClassification ? (outputs == 1 ? new BinaryCrossEntropy() : new CrossEntropy()) : new MeanSquaredError();
        }
        else
        {
            loss = LossFactory.Create(name);
        }
        if (loss is MeanSquaredError mse) mse.IgnoreNaNTargets = Options.IgnoreNaNTargets;
        if (loss is CrossEntropy && Network.OutputShape.Size == 1)
            throw new InvalidConfigurationException(
                $"CrossEntropy needs one output per class, but network '{Network.Name}' has a single output; use BinaryCrossEntropy for two classes with one output, or give the last layer one unit per class.");
        if (data.ClassLabels is not null && loss is BinaryCrossEntropy && Network.OutputShape.Size == 1 && data.ClassCount > 2)
            throw new InvalidConfigurationException(
                $"BinaryCrossEntropy with one output handles two classes, but the data '{data.Name}' has {data.ClassCount}; use CrossEntropy with -Units {data.ClassCount}.");
        return loss;
    }

    // While training, a last layer that ends in the loss's activation keeps its pre-activation so the
    // loss can start from the logits. Outside Fit/Evaluate the layer goes back to its normal path (for
    // Dense: the activation fused into the GEMM epilogue), so a trained network computes exactly what
    // the same network loaded from a file computes.
    private void ReleaseFusedOutput()
    {
        if (_fusedOutput is not null) _fusedOutput.KeepPreActivation = false;
        _fusedOutput = null;
    }

    private void ResolveFusedOutput()
    {
        _fusedOutput = null;
        if (Network.Layers[^1] is IFusableOutputActivation f && Loss!.FusedActivation != ActivationKind.None && f.OutputActivation == Loss.FusedActivation)
        {
            f.KeepPreActivation = true;
            _fusedOutput = f;
        }
    }

    private IEnumerable<EpochResult> Run(Dataset train, Dataset? validation, CancellationToken ct)
    {
        int n = train.Count;
        int batchSize = Math.Min(Options.BatchSize, n);
        int batches = (n + batchSize - 1) / batchSize;
        if (_batchLabels.Length < batchSize * train.LabelSteps) _batchLabels = new int[batchSize * train.LabelSteps];
        var order = new int[n];
        string metricName = MetricName;
        var total = Stopwatch.StartNew();
        long stepsAtStart = State.Step;
        long stepsPlanned = (long)(Options.Epochs - State.Epoch) * batches - State.BatchInEpoch;
        _nonFinite.Capture();

        try
        {
            while (State.Epoch < Options.Epochs && State.StopReason is null)
            {
                if (_comm is null) ct.ThrowIfCancellationRequested(); // distributed: the ranks agree on cancelling after a batch
                ResolveFusedOutput(); // again each epoch: the consumer may have run Evaluate in between
                for (int i = 0; i < n; i++) order[i] = i;
                if (Options.Shuffle) State.ShuffleRandom(State.Epoch).Shuffle(order);

                var epochClock = Stopwatch.StartNew();
                if (State.BatchInEpoch == 0) State.ResetEpochSums();
                _context.Training = true;
                for (int b = State.BatchInEpoch; b < batches; b++)
                {
                    int start = b * batchSize;
                    int count = Math.Min(batchSize, n - start);
                    var (localStart, localCount) = Shard(start, count); // the whole batch without Distributed
                    double loss, batchMetric = 0, batchMetricCount = 0;
                    bool cancelled = false;
                    double share = _comm is null ? 1 : ShardShare(train, order.AsSpan(start, count), localStart - start, localCount);
                    if (localCount > 0)
                    {
                        GatherBatch(train, order.AsSpan(localStart, localCount));
                        SeedDropoutForStep();
                        if (_statisticsSync is not null) _statisticsSync.ShardWeight = share;
                        loss = ForwardBackward(localCount, out batchMetric, out batchMetricCount);
                    }
                    else
                    {
                        // An empty shard (a last batch smaller than the world): this rank adds zeros.
                        if (_batchFeatures is null) GatherBatch(train, order.AsSpan(start, 1));
                        ZeroGradients();
                        loss = 0;
                    }
                    if (_comm is not null)
                    {
                        cancelled = ct.IsCancellationRequested; // the ranks agree: any rank's request stops all after this batch
                        loss = ReduceBatch(share, loss, ref batchMetric, ref batchMetricCount, ref cancelled);
                    }
                    if (_nonFinite.BeforeStep(loss)) UpdateParameters(b, batches, count, n, batchSize); // a non-finite loss or gradient skips the update
                    _nonFinite.AfterBatch(State.Epoch, b, train, order.AsSpan(localStart, Math.Max(localCount, 0)), _batchFeatures!, Backend);
                    State.EpochLossSum += loss * count;
                    State.EpochMetricSum += batchMetric;
                    State.EpochMetricCount += batchMetricCount;
                    State.EpochSamples += count;
                    State.BatchInEpoch = b + 1;
                    State.Step++;

                    var handler = BatchCompleted;
                    if (handler is not null)
                    {
                        double done = State.Step - stepsAtStart;
                        var elapsed = total.Elapsed;
                        var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks / done * Math.Max(0, stepsPlanned - done)));
                        handler(new BatchProgress(State.Epoch + 1, Options.Epochs, b + 1, batches, State.EpochLossSum / State.EpochSamples, elapsed, remaining));
                    }
                    if (_comm is null) cancelled = ct.IsCancellationRequested;
                    if (cancelled || (Options.CheckpointEvery > 0 && State.Step % Options.CheckpointEvery == 0 && b + 1 < batches))
                        WriteCheckpoint(best: false);
                    if (cancelled)
                        throw new OperationCanceledException($"Training was cancelled after batch {b + 1} of {batches} in epoch {State.Epoch + 1}.", ct.IsCancellationRequested ? ct : CancellationToken.None);
                }
                var trainTime = epochClock.Elapsed;

                double? validationLoss = null, validationMetric = null;
                if (validation is not null)
                {
                    var (vl, vm) = _comm is null ? EvaluateCore(validation) : EvaluateDistributed(validation);
                    validationLoss = vl;
                    validationMetric = vm;
                }

                State.Epoch++;
                State.BatchInEpoch = 0;
                Network.EpochsTrained++;
                ReleaseFusedOutput(); // the consumer sees the network as it will be after training
                int seen = State.EpochSamples;
                var result = new EpochResult(
                    State.Epoch, Options.Epochs,
                    seen > 0 ? State.EpochLossSum / seen : double.NaN,
                    metricName,
                    State.EpochMetricCount > 0 ? State.EpochMetricSum / State.EpochMetricCount : double.NaN,
                    validationLoss, validationMetric,
                    epochClock.Elapsed,
                    trainTime.TotalSeconds > 0 ? seen / trainTime.TotalSeconds : 0,
                    Optimizer.LearningRate);
                result = EndEpoch(result);
                CompareChecksums();
                yield return result;
            }
        }
        finally
        {
            ReleaseFusedOutput();
        }
    }

    /// <summary>Copies the samples at <paramref name="indices"/> into the batch buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void GatherBatch(Dataset data, ReadOnlySpan<int> indices)
    {
        int count = indices.Length;
        int f = data.Features.Columns;
        var x = BatchBuffer.Ensure(ref _batchFeatures, count, Network.InputShape);
        float[] src = data.Features.Data, dst = x.Data;
        for (int i = 0; i < count; i++) Array.Copy(src, (long)indices[i] * f, dst, (long)i * f, f);
        if (data.ClassLabels is int[] labels)
        {
            int steps = data.LabelSteps;
            if (_batchLabels.Length < count * steps) _batchLabels = new int[count * steps];
            if (steps == 1)
                for (int i = 0; i < count; i++) _batchLabels[i] = labels[indices[i]];
            else
                for (int i = 0; i < count; i++) Array.Copy(labels, (long)indices[i] * steps, _batchLabels, (long)i * steps, steps);
            _labelSteps = steps;
        }
        else
        {
            var targets = data.Targets!;
            int t = targets.Columns;
            var tb = BatchBuffer.Ensure(ref _batchTargets, count, Network.OutputShape);
            for (int i = 0; i < count; i++) Array.Copy(targets.Data, (long)indices[i] * t, tb.Data, (long)i * t, t);
        }
        _hasLabels = data.ClassLabels is not null;
    }

    private bool _hasLabels;
    private int _labelSteps = 1; // labels per sample in the gathered batch
    private int[] _evaluationOrder = Array.Empty<int>(); // 0, 1, 2, ...: evaluation visits samples in order

    /// <summary>One step on the gathered batch: forward, loss, backward, update. Returns the mean loss.</summary>
    internal double TrainBatch(int count, out double metricSum, out double metricCount)
    {
        double value = ForwardBackward(count, out metricSum, out metricCount);
        UpdateParameters(0, 1, count, count, count);
        return value;
    }

    /// <summary>Forward, loss and backward on the gathered batch (every parameter's Gradient written);
    /// returns the mean loss.</summary>
    private double ForwardBackward(int count, out double metricSum, out double metricCount)
    {
        var layers = Network.Layers;
        var loss = Loss!;
        _context.Training = true;
        Tensor x = Network.ForwardTraining(layers, _batchFeatures!, _context); // the backward below asks layer 0 for no input gradient

        Tensor lossInput = _fusedOutput is null ? x : _fusedOutput.PreActivation!;
        double value = _hasLabels
            ? loss.Forward(Backend, lossInput, _batchLabels.AsSpan(0, count * _labelSteps))
            : loss.Forward(Backend, lossInput, _batchTargets!);
        (metricSum, metricCount) = BatchMetric(lossInput, count);

        Tensor? g = loss.Backward();
        int layer = layers.Count - 1;
        // A frozen prefix gets no backward pass at all; the first trainable layer needs no input gradient.
        int first = Math.Max(Network.FirstTrainableLayer, 0);
        if (_fusedOutput is not null)
        {
            g = _fusedOutput.BackwardFromPreActivation(g, _context, needInputGradient: layer > first);
            layer--;
        }
        Network.BackwardLayers(layers, g, layer, first, _context, firstNeedsInputGradient: false);
        return value;
    }

    private (double Loss, double Metric) EvaluateCore(Dataset data)
    {
        int n = data.Count;
        var (lossSum, metricSum, metricCount) = EvaluateSums(data, 0, n);
        return (lossSum / n, metricCount > 0 ? metricSum / metricCount : double.NaN);
    }

    /// <summary>Loss·samples, metric sum and metric count over samples [from, to) of <paramref name="data"/>.</summary>
    private (double LossSum, double MetricSum, double MetricCount) EvaluateSums(Dataset data, int from, int to)
    {
        var loss = Loss!;
        bool wasTraining = _context.Training;
        _context.Training = false;
        var classWeights = loss.ClassWeights;
        loss.ClassWeights = null; // class weights shape training; evaluation reports the plain loss
        try
        {
            int n = data.Count;
            int batchSize = Math.Max(1, Math.Min(Math.Max(Options.BatchSize, 256), to - from));
            if (_evaluationOrder.Length < n)
            {
                _evaluationOrder = new int[n];
                for (int i = 0; i < n; i++) _evaluationOrder[i] = i;
            }
            ReadOnlySpan<int> order = _evaluationOrder;
            double lossSum = 0, metricSum = 0, metricCount = 0;
            for (int start = from; start < to; start += batchSize)
            {
                int count = Math.Min(batchSize, to - start);
                GatherBatch(data, order.Slice(start, count));
                Tensor x = Network.Forward(_batchFeatures!, _context); // the inference forward (fused pairs included)
                Tensor lossInput = _fusedOutput is null ? x : _fusedOutput.PreActivation!;
                double value = _hasLabels
                    ? loss.Forward(Backend, lossInput, _batchLabels.AsSpan(0, count * _labelSteps))
                    : loss.Forward(Backend, lossInput, _batchTargets!);
                lossSum += value * count;
                var (ms, mc) = BatchMetric(lossInput, count);
                metricSum += ms;
                metricCount += mc;
            }
            return (lossSum, metricSum, metricCount);
        }
        finally
        {
            _context.Training = wasTraining;
            loss.ClassWeights = classWeights;
        }
    }

    /// <summary>(sum, count) of the history metric on one batch, from what the loss saw: correct
    /// predictions for classification (argmax; a single output is positive above logit 0 for
    /// BinaryCrossEntropy, rounds to the nearer label for MeanSquaredError), absolute errors for regression.</summary>
    private (double Sum, double Count) BatchMetric(Tensor output, int count)
    {
        int outputs = output.Columns;
        ReadOnlySpan<float> y = output.Span;
        if (_hasLabels && _labelSteps > 1)
        {
            // Per step: argmax over the step's scores against its label; ignored steps are not counted.
            var labels = _batchLabels.AsSpan(0, count * _labelSteps);
            int classes = outputs / _labelSteps, correct = 0, counted = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                if (labels[r] == Losses.Loss.IgnoredLabel) continue;
                counted++;
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(y.Slice(r * classes, classes)) == labels[r]) correct++;
            }
            return (correct, counted);
        }
        if (_hasLabels)
        {
            var labels = _batchLabels.AsSpan(0, count);
            int correct = 0;
            for (int r = 0; r < count; r++)
            {
                int predicted;
                if (outputs == 1)
                {
                    float v = y[r];
                    predicted = Loss is BinaryCrossEntropy ? (v > 0f ? 1 : 0) : (int)Math.Clamp(Math.Round(v), 0, int.MaxValue);
                }
                else
                {
                    predicted = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(y.Slice(r * outputs, outputs));
                }
                if (predicted == labels[r]) correct++;
            }
            return (correct, count);
        }

        ReadOnlySpan<float> t = _batchTargets!.Span;
        if (Loss is CrossEntropy)
        {
            int correct = 0;
            for (int r = 0; r < count; r++)
            {
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(y.Slice(r * outputs, outputs)) ==
                    System.Numerics.Tensors.TensorPrimitives.IndexOfMax(t.Slice(r * outputs, outputs))) correct++;
            }
            return (correct, count);
        }
        if (Loss is BinaryCrossEntropy)
        {
            int correct = 0;
            for (int i = 0; i < y.Length; i++) if ((y[i] > 0f) == (t[i] > 0.5f)) correct++;
            return (correct, y.Length);
        }
        double abs = 0;
        int real = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (Options.IgnoreNaNTargets && float.IsNaN(t[i])) continue; // a masked (padded) target
            abs += Math.Abs((double)y[i] - t[i]);
            real++;
        }
        return (abs, real);
    }
}
