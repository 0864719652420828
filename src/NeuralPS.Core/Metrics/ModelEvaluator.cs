using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Metrics;

/// <summary>Measures a trained network on a labelled dataset (what Measure-Model calls): inference in
/// batches, then a <see cref="ClassificationReport"/> (accuracy, cross-entropy, per-class precision/recall/F1,
/// confusion matrix) or a <see cref="RegressionReport"/> (MAE, RMSE, R², mean squared error).
/// The dataset's features must already be preprocessed (as the readers and <see cref="RecordConverter"/> produce them).</summary>
public static class ModelEvaluator
{
    public const int DefaultBatchSize = 256;

    public static EvaluationReport Evaluate(Network network, Dataset data, IBackend? backend = null, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!data.HasLabels)
            throw new InvalidConfigurationException($"Dataset '{data.Name}' has no labels, so network '{network.Name}' cannot be measured on it; give the label property.");
        var decoder = new OutputDecoder(network);
        return data.IsClassification ? Classification(network, data, decoder, backend, batchSize) : Regression(network, data, decoder, backend, batchSize);
    }

    private static ClassificationReport Classification(Network network, Dataset data, OutputDecoder decoder, IBackend? backend, int batchSize)
    {
        if (!decoder.IsClassification)
            throw new InvalidConfigurationException($"Dataset '{data.Name}' has class labels but network '{network.Name}' is a regression model (it has no class names and does not end in a softmax).");
        var labels = data.ClassLabels!;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= decoder.ClassCount)
                throw new InvalidConfigurationException($"Dataset '{data.Name}' sample {i} has class {labels[i]}{NameOf(data, labels[i])} but network '{network.Name}' knows {decoder.ClassCount} classes ({string.Join(", ", decoder.ClassNames)}).");
        }
        if (decoder.Steps > 1 || data.LabelSteps > 1) return ClassificationPerStep(network, data, decoder, backend, batchSize);
        var predicted = new int[labels.Length];
        double loss = 0;
        BatchInference.Run(network, data.Features, backend, batchSize, (start, output) =>
        {
            int width = output.Columns;
            for (int r = 0; r < output.Rows; r++)
            {
                var row = output.Data.AsSpan(r * width, width);
                predicted[start + r] = decoder.PredictedClass(row);
                loss += decoder.Loss(row, labels[start + r]);
            }
        });
        return ClassificationReport.Compute(labels, predicted, decoder.ClassNames, labels.Length == 0 ? double.NaN : loss / labels.Length,
            decoder.IsBinary ? "BinaryCrossEntropy" : "CrossEntropy");
    }

    // One label per step: accuracy, loss and the per-class report over the steps whose label counts (not −1).
    private static ClassificationReport ClassificationPerStep(Network network, Dataset data, OutputDecoder decoder, IBackend? backend, int batchSize)
    {
        int steps = data.LabelSteps;
        if (decoder.Steps != steps)
            throw new ShapeMismatchException($"Dataset '{data.Name}' has {steps} label(s) per sample but network '{network.Name}' outputs {decoder.Steps} score row(s) per sample ({network.OutputShape}).");
        var labels = data.ClassLabels!;
        var counted = new List<int>();
        var predicted = new List<int>();
        double loss = 0;
        int classes = decoder.Outputs;
        BatchInference.Run(network, data.Features, backend, batchSize, (start, output) =>
        {
            for (int r = 0; r < output.Rows * steps; r++)
            {
                int label = labels[start * steps + r];
                if (label < 0) continue;
                var row = output.Data.AsSpan(r * classes, classes);
                counted.Add(label);
                predicted.Add(decoder.PredictedClass(row));
                loss += decoder.Loss(row, label);
            }
        });
        return ClassificationReport.Compute(counted.ToArray(), predicted.ToArray(), decoder.ClassNames, counted.Count == 0 ? double.NaN : loss / counted.Count,
            decoder.IsBinary ? "BinaryCrossEntropy" : "CrossEntropy");
    }

    private static RegressionReport Regression(Network network, Dataset data, OutputDecoder decoder, IBackend? backend, int batchSize)
    {
        var targets = data.Targets!;
        if (decoder.IsClassification)
            throw new InvalidConfigurationException($"Dataset '{data.Name}' has numeric targets but network '{network.Name}' is a classifier.");
        int outputs = targets.Columns;
        if (decoder.Outputs != outputs)
            throw new ShapeMismatchException($"Dataset '{data.Name}' has {outputs} target value(s) per sample but network '{network.Name}' outputs {decoder.Outputs}.");
        var predicted = new float[targets.Size];
        BatchInference.Run(network, data.Features, backend, batchSize, (start, output) =>
            output.Span.CopyTo(predicted.AsSpan(start * outputs)));
        return RegressionReport.Compute(targets.Span, predicted, outputs);
    }

    private static string NameOf(Dataset data, int label) =>
        data.ClassNames is { } names && label < names.Count ? $" ('{names[label]}')" : string.Empty;
}
