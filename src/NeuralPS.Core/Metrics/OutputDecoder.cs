using System.Globalization;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Metrics;

/// <summary>How to read a network's output row, decided once from the network:
/// classification when the network has class names or ends in a softmax (several outputs: softmax over
/// logits; one output: a binary classifier whose probability of class 1 is sigmoid(logit)); otherwise
/// regression (the outputs are the values). A network whose last layer already applies Softmax/Sigmoid
/// outputs probabilities, which are used as they are.</summary>
internal sealed class OutputDecoder
{
    private const double MinProbability = 1e-12;

    public OutputDecoder(Network network)
    {
        Outputs = network.OutputShape.Size;
        string? lastActivation = LastActivation(network);
        bool endsInSoftmax = string.Equals(lastActivation, "Softmax", StringComparison.OrdinalIgnoreCase);
        bool endsInSigmoid = string.Equals(lastActivation, "Sigmoid", StringComparison.OrdinalIgnoreCase);
        IsClassification = network.ClassNames is not null || (endsInSoftmax && Outputs > 1);
        if (!IsClassification)
        {
            ClassNames = Array.Empty<string>();
            return;
        }
        if (network.OutputShape.Rank == 2 && network.ClassNames is not null)
        {
            // One score row per step (a sequence output trained on per-step labels): classes per step.
            Steps = network.OutputShape[0];
            Outputs = network.OutputShape[1];
        }
        IsBinary = Outputs == 1;
        OutputsProbabilities = IsBinary ? endsInSigmoid : endsInSoftmax;
        int classes = IsBinary ? 2 : Outputs;
        var names = network.ClassNames ?? Array.Empty<string>();
        if (names.Count > classes)
            throw new InvalidConfigurationException($"Network '{network.Name}' has {names.Count} class names but {Outputs} output{(Outputs == 1 ? " (a binary classifier has 2 classes)" : "s")}.");
        // Fewer names than outputs happens when the training data never showed the last classes: those are named by index.
        var all = new string[classes];
        for (int i = 0; i < classes; i++) all[i] = i < names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture);
        ClassNames = all;
    }

    /// <summary>Outputs per step (all outputs when <see cref="Steps"/> is 1).</summary>
    public int Outputs { get; }

    /// <summary>Score rows per sample: 1, or the steps of a per-step classifier (output (steps, classes)).</summary>
    public int Steps { get; } = 1;
    public bool IsClassification { get; }
    public bool IsBinary { get; }
    public bool OutputsProbabilities { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int ClassCount => ClassNames.Count;

    /// <summary>Class probabilities of one output row (length <see cref="ClassCount"/>).</summary>
    public void Probabilities(ReadOnlySpan<float> output, Span<double> probabilities)
    {
        if (IsBinary)
        {
            double p1 = OutputsProbabilities ? output[0] : Sigmoid(output[0]);
            probabilities[0] = 1 - p1;
            probabilities[1] = p1;
            return;
        }
        if (OutputsProbabilities)
        {
            for (int k = 0; k < Outputs; k++) probabilities[k] = output[k];
            return;
        }
        double max = double.NegativeInfinity;
        for (int k = 0; k < Outputs; k++) max = Math.Max(max, output[k]);
        double sum = 0;
        for (int k = 0; k < Outputs; k++)
        {
            probabilities[k] = Math.Exp(output[k] - max);
            sum += probabilities[k];
        }
        for (int k = 0; k < Outputs; k++) probabilities[k] /= sum;
    }

    /// <summary>Cross-entropy (binary cross-entropy for one output) of one row against its class, computed
    /// stably from logits (log-sum-exp), or from probabilities clamped to [1e-12, 1].</summary>
    public double Loss(ReadOnlySpan<float> output, int label)
    {
        if (IsBinary)
        {
            double y = label;
            if (OutputsProbabilities)
            {
                double p = Math.Clamp(output[0], MinProbability, 1 - MinProbability);
                return -(y * Math.Log(p) + (1 - y) * Math.Log(1 - p));
            }
            double z = output[0];
            return Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }
        if (OutputsProbabilities) return -Math.Log(Math.Max(output[label], MinProbability));
        double max = double.NegativeInfinity;
        for (int k = 0; k < Outputs; k++) max = Math.Max(max, output[k]);
        double sum = 0;
        for (int k = 0; k < Outputs; k++) sum += Math.Exp(output[k] - max);
        return max + Math.Log(sum) - output[label];
    }

    /// <summary>The predicted class of one output row (the first of equal maxima).</summary>
    public int PredictedClass(ReadOnlySpan<float> output)
    {
        if (IsBinary) return (OutputsProbabilities ? output[0] >= 0.5f : output[0] >= 0f) ? 1 : 0;
        int best = 0;
        for (int k = 1; k < Outputs; k++)
        {
            if (output[k] > output[best]) best = k;
        }
        return best;
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>The activation the last layer applies, read from its spec ("activation" setting), if any.</summary>
    private static string? LastActivation(Network network)
    {
        if (network.Layers.Count == 0) return null;
        LayerSpec spec = network.Layers[^1].ToSpec();
        return spec.Settings.TryGetValue("activation", out var a) ? a as string : null;
    }
}
