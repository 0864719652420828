using System.Globalization;
using System.Text;

namespace NeuralPS.Core.Metrics;

/// <summary>Accuracy, loss, per-class precision/recall/F1/support, their macro and support-weighted
/// averages, and the confusion matrix. Conventions follow scikit-learn: a class never predicted has
/// precision 0, a class with no samples has recall 0, and F1 is 0 when precision + recall is 0; macro
/// averages are over the classes that occur in the data or the predictions.</summary>
public sealed class ClassificationReport : EvaluationReport
{
    private ClassificationReport(int count, double loss, string lossName, double accuracy, IReadOnlyList<ClassMetrics> classes,
        double macroPrecision, double macroRecall, double macroF1, double weightedF1, ConfusionMatrix confusion)
        : base(count, loss, lossName)
    {
        Accuracy = accuracy;
        Classes = classes;
        MacroPrecision = macroPrecision;
        MacroRecall = macroRecall;
        MacroF1 = macroF1;
        WeightedF1 = weightedF1;
        ConfusionMatrix = confusion;
    }

    public override string Task => "Classification";

    /// <summary>Fraction of samples whose predicted class is the actual class.</summary>
    public double Accuracy { get; }

    public IReadOnlyList<ClassMetrics> Classes { get; }
    public IReadOnlyList<string> ClassNames => ConfusionMatrix.ClassNames;
    public double MacroPrecision { get; }
    public double MacroRecall { get; }
    public double MacroF1 { get; }
    public double WeightedF1 { get; }
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>Builds the report from actual and predicted class indices (0..classNames.Count-1).</summary>
    public static ClassificationReport Compute(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, IReadOnlyList<string> classNames,
        double loss = double.NaN, string lossName = "CrossEntropy")
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (actual.Length != predicted.Length)
            throw new ArgumentException($"{actual.Length} actual classes but {predicted.Length} predictions.");
        int k = classNames.Count;
        var counts = new int[k, k];
        int correct = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            int a = actual[i], p = predicted[i];
            if ((uint)a >= (uint)k || (uint)p >= (uint)k)
                throw new ArgumentOutOfRangeException(nameof(actual), $"Sample {i} has class {a} / prediction {p} outside 0..{k - 1}.");
            counts[a, p]++;
            if (a == p) correct++;
        }

        var classes = new ClassMetrics[k];
        double sumP = 0, sumR = 0, sumF = 0, weightedF = 0;
        int present = 0;
        for (int c = 0; c < k; c++)
        {
            int tp = counts[c, c], support = 0, predictedAs = 0;
            for (int j = 0; j < k; j++)
            {
                support += counts[c, j];
                predictedAs += counts[j, c];
            }
            double precision = predictedAs == 0 ? 0 : (double)tp / predictedAs;
            double recall = support == 0 ? 0 : (double)tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[c] = new ClassMetrics(classNames[c], c, precision, recall, f1, support, predictedAs);
            if (support > 0 || predictedAs > 0)
            {
                present++;
                sumP += precision;
                sumR += recall;
                sumF += f1;
            }
            weightedF += f1 * support;
        }
        int n = actual.Length;
        return new ClassificationReport(n, loss, lossName, n == 0 ? 0 : (double)correct / n, classes,
            present == 0 ? 0 : sumP / present, present == 0 ? 0 : sumR / present, present == 0 ? 0 : sumF / present,
            n == 0 ? 0 : weightedF / n, new ConfusionMatrix(classNames, counts));
    }

    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"Accuracy {Accuracy:P2} on {Count} samples, {LossName} {Loss:G4}, macro F1 {MacroF1:F3}").AppendLine();
        int w = Math.Max(5, ClassNames.Max(n => n.Length));
        sb.Append("class".PadRight(w)).AppendLine("  precision  recall      f1  support");
        foreach (var c in Classes)
            sb.Append(c.Class.PadRight(w)).Append(ci, $"  {c.Precision,9:F3}  {c.Recall,6:F3}  {c.F1,6:F3}  {c.Support,7}").AppendLine();
        return sb.ToString();
    }
}
