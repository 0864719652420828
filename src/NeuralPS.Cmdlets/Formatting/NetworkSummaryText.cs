using System.Globalization;
using System.Text;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets.Formatting;

/// <summary>The Keras-style summary a network prints as (NeuralPS.format.ps1xml calls
/// <see cref="Format"/>): a header line, one row per layer — Name, Type, Output Shape, Param # and
/// the layer's own details — and the total. When a layer is frozen (Lock-Layer) the table gets a Frozen column
/// and the total says how many parameters train, as Keras' trainable / non-trainable counts.</summary>
public static class NetworkSummaryText
{
    public static string Format(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var inv = CultureInfo.InvariantCulture;
        var rows = network.Summary();
        bool anyFrozen = rows.Any(r => r.Frozen);
        string[] head = anyFrozen ? new[] { "Name", "Type", "Output Shape", "Param #", "Details", "Frozen" } : new[] { "Name", "Type", "Output Shape", "Param #", "Details" };
        var cells = new List<string[]>(rows.Count + 1)
        {
            anyFrozen ? new[] { "(input)", "Input", network.InputShape.ToString(), "0", string.Empty, string.Empty }
                : new[] { "(input)", "Input", network.InputShape.ToString(), "0", string.Empty },
        };
        foreach (var r in rows)
        {
            var row = new List<string> { r.Name, r.Type, r.OutputShape.ToString(), r.Parameters.ToString("N0", inv), r.Details ?? string.Empty };
            if (anyFrozen) row.Add(r.Frozen ? "frozen" : string.Empty);
            cells.Add(row.ToArray());
        }

        var width = new int[head.Length];
        for (int c = 0; c < head.Length; c++)
        {
            width[c] = head[c].Length;
            foreach (var row in cells) width[c] = Math.Max(width[c], row[c].Length);
        }

        var sb = new StringBuilder();
        sb.Append(inv, $"Network '{network.Name}': input {network.InputShape}, output {network.OutputShape}, seed {network.Seed}");
        if (network.EpochsTrained > 0) sb.Append(inv, $", {network.EpochsTrained} epoch{(network.EpochsTrained == 1 ? "" : "s")} trained");
        sb.AppendLine().AppendLine();
        AppendRow(sb, head, width);
        AppendRule(sb, width, '=');
        foreach (var row in cells) AppendRow(sb, row, width);
        AppendRule(sb, width, '=');
        sb.Append(inv, $"Total params: {network.ParameterCount:N0}");
        if (anyFrozen)
        {
            long trainable = network.Layers.Sum(l => (long)l.TrainableParameters.Sum(p => (long)p.Value.Size));
            sb.Append(inv, $" (trainable {trainable:N0}, frozen {network.ParameterCount - trainable:N0})");
        }
        if (network.ClassNames is { Count: > 0 } classes)
        {
            sb.AppendLine();
            sb.Append("Classes: ").Append(string.Join(", ", classes.Count <= 12 ? classes : classes.Take(12).Append($"… ({classes.Count} in all)")));
        }
        if (network.Preprocessor?.RecordColumns is { Count: > 0 } columns)
        {
            sb.AppendLine();
            sb.Append("Features: ").Append(string.Join(", ", columns.Count <= 12 ? columns.Select(c => c.Name) : columns.Take(12).Select(c => c.Name).Append($"… ({columns.Count} in all)")));
            if (network.Preprocessor.LabelName is { } label) sb.Append(" → ").Append(label);
        }
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] row, int[] width)
    {
        var line = new StringBuilder();
        for (int c = 0; c < row.Length; c++)
        {
            // Param # is a number: right-aligned, as Keras prints it.
            string cell = c == 3 ? row[c].PadLeft(width[c]) : row[c].PadRight(width[c]);
            line.Append(cell);
            if (c < row.Length - 1) line.Append("  ");
        }
        sb.AppendLine(line.ToString().TrimEnd());
    }

    private static void AppendRule(StringBuilder sb, int[] width, char ch)
    {
        int total = width.Sum() + 2 * (width.Length - 1);
        sb.AppendLine(new string(ch, total));
    }
}
