using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Metrics;

/// <summary>Turns samples into predictions with a trained network (what Invoke-Prediction calls):
/// classification gives the class name and its probability (softmax of the logits, or the network's own
/// probabilities when it ends in Softmax/Sigmoid), regression the output values.
/// Inputs can be preprocessed features (a <see cref="Dataset"/> or tensor), raw feature vectors (the
/// network's saved <see cref="FeaturePreprocessor"/> is applied), or raw records (encoded with the saved
/// feature columns; a record that cannot be read gives a <see cref="RecordError"/>, not an exception).</summary>
public sealed class Predictor
{
    private readonly OutputDecoder _decoder;
    private readonly IBackend? _backend;
    private RecordConverter? _records;

    public Predictor(Network network, IBackend? backend = null, int batchSize = ModelEvaluator.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batchSize <= 0) throw new InvalidConfigurationException($"Batch size must be positive but is {batchSize}.");
        if (network.Layers.Count == 0) throw new InvalidConfigurationException($"Network '{network.Name}' has no layers.");
        Network = network;
        _backend = backend;
        BatchSize = batchSize;
        _decoder = new OutputDecoder(network);
    }

    public Network Network { get; }
    public int BatchSize { get; }
    public bool IsClassification => _decoder.IsClassification;

    /// <summary>Class names by index (empty for regression).</summary>
    public IReadOnlyList<string> ClassNames => _decoder.ClassNames;

    /// <summary>Predictions for preprocessed features [N, ..InputShape].</summary>
    public IReadOnlyList<Prediction> Predict(Tensor features)
    {
        var results = new Prediction[features.Rows];
        int inputWidth = features.Columns;
        BatchInference.Run(Network, features, _backend, BatchSize, (start, output) =>
        {
            int width = output.Columns;
            for (int r = 0; r < output.Rows; r++)
            {
                var row = output.Data.AsSpan(r * width, width);
                results[start + r] = _decoder.Steps > 1
                    ? DecodeSteps(start + r, row, StepsOf(features.Data.AsSpan((start + r) * inputWidth, inputWidth)))
                    : Decode(start + r, row);
            }
        });
        return results;
    }

    /// <summary>The network's raw outputs for preprocessed features [N, ..InputShape], row-major [N, outputs]
    /// (a forecasting network's scaled forecasts).</summary>
    public float[] PredictOutputs(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        int outputs = Network.OutputShape.Size;
        var values = new float[(long)features.Rows * outputs];
        BatchInference.Run(Network, features, _backend, BatchSize, (start, output) =>
            output.Data.AsSpan(0, output.Rows * outputs).CopyTo(values.AsSpan(start * outputs)));
        return values;
    }

    /// <summary>Predictions for a dataset's (already preprocessed) features.</summary>
    public IReadOnlyList<Prediction> Predict(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Predict(data.Features);
    }

    /// <summary>Predictions for raw feature vectors (each of <see cref="Network.InputShape"/>.Size values, in
    /// the order of the network's input), preprocessed with the network's saved scale/standardisation.</summary>
    public IReadOnlyList<Prediction> PredictRaw(IReadOnlyList<float[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int width = Network.InputShape.Size;
        var features = new Tensor(Network.InputShape.WithBatch(samples.Count));
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i] ?? throw new ArgumentException($"Sample {i} is null.", nameof(samples));
            if (s.Length != width)
                throw new ShapeMismatchException($"Sample {i} has {s.Length} values but network '{Network.Name}' takes {width} ({Network.InputShape}).");
            s.CopyTo(features.Data.AsSpan(i * width));
        }
        Network.Preprocessor?.Apply(features.Span);
        return Predict(features);
    }

    /// <summary>Predictions for raw records (PowerShell objects, CSV rows), encoded with the network's saved
    /// feature columns. Each result has either a prediction or the record's error; record numbers in the
    /// messages continue across calls on the same predictor.</summary>
    public IReadOnlyList<RecordPrediction> PredictRecords(IReadOnlyList<IReadOnlyDictionary<string, object?>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _records ??= RecordConverter.ForPrediction(Network);
        int width = _records.InputWidth!.Value;
        var results = new RecordPrediction[records.Count];
        var features = new Tensor(new Shape(Math.Max(records.Count, 1), width));
        var rowOf = new int[records.Count];
        int good = 0;
        for (int i = 0; i < records.Count; i++)
        {
            if (_records.TryEncode(records[i], features.Data.AsSpan(good * width, width), out var error))
            {
                rowOf[good++] = i;
            }
            else
            {
                results[i] = new RecordPrediction(i, null, error);
            }
        }
        if (good > 0)
        {
            features.Reshape(Network.InputShape.WithBatch(good));
            var predictions = Predict(features);
            for (int g = 0; g < good; g++)
            {
                int i = rowOf[g];
                results[i] = new RecordPrediction(i, Reindex(predictions[g], i), null);
            }
        }
        return results;
    }

    // The steps of one sample that carry input: for token ids (a text or Embedding network), up to the last
    // non-padding id (at least one); otherwise every step.
    private int StepsOf(ReadOnlySpan<float> input)
    {
        int steps = _decoder.Steps;
        if (Network.Layers[0] is not (Layers.TextVectorization or Layers.Embedding) || input.Length != steps) return steps;
        int last = input.LastIndexOfAnyExcept(0f);
        return Math.Max(last + 1, 1);
    }

    private Prediction DecodeSteps(int index, ReadOnlySpan<float> output, int steps)
    {
        int classes = _decoder.Outputs;
        var labels = new string[steps];
        var stepProbabilities = new double[steps];
        var probabilities = new double[_decoder.ClassCount];
        for (int t = 0; t < steps; t++)
        {
            var row = output.Slice(t * classes, classes);
            _decoder.Probabilities(row, probabilities);
            int best = _decoder.PredictedClass(row);
            labels[t] = _decoder.ClassNames[best];
            stepProbabilities[t] = probabilities[best];
        }
        return new Prediction(index, labels, stepProbabilities, probabilities);
    }

    private Prediction Decode(int index, ReadOnlySpan<float> output)
    {
        if (!_decoder.IsClassification) return new Prediction(index, output.ToArray());
        var probabilities = new double[_decoder.ClassCount];
        _decoder.Probabilities(output, probabilities);
        int best = _decoder.PredictedClass(output);
        return new Prediction(index, _decoder.ClassNames[best], best, probabilities[best], probabilities);
    }

    private static Prediction Reindex(Prediction p, int index) => p.StepLabels is not null
        ? new Prediction(index, (string[])p.StepLabels, (double[])p.StepProbabilities!, (double[])p.Probabilities!)
        : p.Label is not null
        ? new Prediction(index, p.Label, p.ClassIndex, p.Probability, (double[])p.Probabilities!)
        : new Prediction(index, (float[])p.Values!);
}
