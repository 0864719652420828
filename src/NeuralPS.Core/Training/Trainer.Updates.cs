using NeuralPS.Core.Data;
using NeuralPS.Core.Losses;
using NeuralPS.Core.Schedules;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>The optimizer update of the loop: gradient accumulation over several batches, clipping,
/// the learning-rate schedule, and class weights on the loss.</summary>
public sealed partial class Trainer
{
    // Gradient sums of the batches accumulated towards the next update (one per optimizer parameter),
    // and how many batches they hold.
    private Tensor[]? _accumulated;
    private int _pendingBatches;
    private int _updatesPerEpoch = 1;

    /// <summary>"Accuracy" or "MAE": the per-epoch metric of this run (fixed by Fit).</summary>
    private string MetricName { get; set; } = "Accuracy";

    private void ConfigureUpdates()
    {
        var o = Options;
        if (o.AccumulationSteps < 1)
            throw new InvalidConfigurationException($"Gradient accumulation must be over at least 1 batch but is {o.AccumulationSteps}.");
        if (o.ClipNorm is double norm && (!(norm > 0) || double.IsInfinity(norm)))
            throw new InvalidConfigurationException($"The gradient clipping norm must be a positive number but is {norm}.");
        if (o.ClipValue is double value && (!(value > 0) || double.IsInfinity(value)))
            throw new InvalidConfigurationException($"The gradient clipping value must be a positive number but is {value}.");
        if (o.ClassWeights is { } weights && weights.Any(w => !(w >= 0) || double.IsInfinity(w)))
            throw new InvalidConfigurationException($"Class weights must be 0 or positive numbers but are {string.Join(", ", weights)}.");
    }

    private void PrepareUpdates(Dataset train, Dataset? validation)
    {
        MetricName = MetricNameFor(train.IsClassification || Loss is CrossEntropy || Loss is BinaryCrossEntropy);
        int batches = (train.Count + Math.Min(Options.BatchSize, train.Count) - 1) / Math.Min(Options.BatchSize, train.Count);
        _updatesPerEpoch = (batches + Options.AccumulationSteps - 1) / Options.AccumulationSteps;
        if (Options.Schedule is ReduceOnPlateau plateau) plateau.Metric.Resolve(validation is not null, MetricName);
        _best.Metric.Resolve(validation is not null, MetricName);
        Loss!.ClassWeights = ResolveClassWeights(train);
    }

    private float[]? ResolveClassWeights(Dataset train)
    {
        if (Options.ClassWeights is null && !Options.BalanceClasses) return null;
        if (train.ClassLabels is not { } labels)
            throw new InvalidConfigurationException($"Class weights need class labels, but the training data '{train.Name}' has numeric targets.");
        if (train.LabelSteps > 1)
            throw new InvalidConfigurationException($"Class weights are not supported with one label per step (the training data '{train.Name}' has {train.LabelSteps} per sample).");
        int classes = Math.Max(train.ClassCount, Network.OutputShape.Size == 1 ? 2 : Network.OutputShape.Size);
        if (Options.ClassWeights is { } given)
        {
            if (given.Count < train.ClassCount)
                throw new InvalidConfigurationException($"{given.Count} class weights were given but the training data '{train.Name}' has {train.ClassCount} classes; give one weight per class.");
            return given.Select(w => (float)w).ToArray();
        }
        // scikit-learn's 'balanced': n / (classes · count); a class absent from the training data gets 1.
        var counts = new int[classes];
        foreach (int l in labels) counts[l]++;
        int present = counts.Count(c => c > 0);
        var balanced = new float[classes];
        for (int c = 0; c < classes; c++) balanced[c] = counts[c] > 0 ? (float)((double)labels.Length / (present * counts[c])) : 1f;
        return balanced;
    }

    /// <summary>After batch <paramref name="batch"/>'s backward: either adds its gradients to the pending sum
    /// (weighted by its share of the samples of its accumulation group, so N batches of B give the mean
    /// gradient of the N·B samples) or, at the group's last batch or without accumulation, clips and
    /// makes the optimizer update at the scheduled rate.</summary>
    private void UpdateParameters(int batch, int batches, int count, int samples, int batchSize)
    {
        int k = Options.AccumulationSteps;
        if (k > 1)
        {
            int first = batch / k * k, end = Math.Min(first + k, batches);
            int groupSamples = Math.Min(end * batchSize, samples) - first * batchSize;
            Accumulate((float)((double)count / groupSamples));
            if (batch + 1 < end) return;
            var ps = Optimizer.Parameters;
            for (int i = 0; i < ps.Count; i++) _accumulated![i].Span.CopyTo(ps[i].Gradient.Span);
            _pendingBatches = 0;
        }
        if (Options.ClipValue is double limit) GradientClipping.ClipByValue(Optimizer.Parameters, limit);
        if (Options.ClipNorm is double norm) GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, norm);
        if (Options.Schedule is { } schedule)
            Optimizer.LearningRate = schedule.Rate(Options.LearningRate, new ScheduleTime(State.Epoch, Optimizer.StepCount, _updatesPerEpoch, Options.Epochs));
        Optimizer.Step(Backend);
    }

    private void Accumulate(float weight)
    {
        var ps = Optimizer.Parameters;
        if (_accumulated is null)
        {
            _accumulated = new Tensor[ps.Count];
            for (int i = 0; i < ps.Count; i++) _accumulated[i] = new Tensor(ps[i].Shape);
        }
        for (int i = 0; i < ps.Count; i++)
        {
            var g = ps[i].Gradient.Span;
            var sum = _accumulated[i].Span;
            if (_pendingBatches == 0) System.Numerics.Tensors.TensorPrimitives.Multiply(g, weight, sum);
            else System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g, weight, sum, sum);
        }
        _pendingBatches++;
    }
}
