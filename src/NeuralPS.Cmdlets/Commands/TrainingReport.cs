using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using NeuralPS.Core;
using NeuralPS.Core.Metrics;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Export-TrainingReport without PowerShell: one self-contained HTML page (no network access
/// needed to open it) with the loss and metric curves per epoch for training and validation, the learning
/// rate, the evaluation (confusion matrix as a heat-map table, per-class precision/recall/F1 as a table and
/// a bar chart), the network summary, the run's settings, the machine and the duration. Charts are drawn
/// by Chart.js, embedded from this assembly's resources with its MIT licence (see Report/README.md).
/// All text from the user (names, classes, settings) is HTML-encoded; the data reaches the page as JSON
/// with &lt; and &gt; escaped, so nothing in a name can end the script element.</summary>
internal static class TrainingReport
{
    internal const string ChartJsResource = "NeuralPS.Report.chart.umd.min.js";
    internal const string ChartJsLicenceResource = "NeuralPS.Report.chart.js.LICENSE.md";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Build(Network network, IReadOnlyList<TrainingHistoryEntry> history, EvaluationReport? evaluation, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
            throw new InvalidConfigurationException("Export-TrainingReport got no training history; pipe the output of Invoke-Training into it ($history | Export-TrainingReport ...).");
        var run = history.Select(h => h.Run).LastOrDefault(r => r is not null);
        var last = history[^1];
        string metric = last.MetricName;
        var duration = TimeSpan.FromTicks(history.Sum(h => h.Duration.Ticks));

        var sb = new StringBuilder(300_000);
        string title = $"Training report: {network.Name}";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<meta name=\"generator\" content=\"NeuralPS Export-TrainingReport\">\n");
        sb.Append("<title>").Append(H(title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n");
        sb.Append("<!-- Chart.js, embedded unchanged so the report opens offline. Its licence:\n")
          .Append(Resource(ChartJsLicenceResource).Replace("--", "- -", StringComparison.Ordinal)).Append("\n-->\n<script>\n")
          .Append(Resource(ChartJsResource).Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("\n</script>\n</head>\n<body>\n");

        sb.Append("<header><h1>").Append(H(title)).Append("</h1><p>Generated ").Append(H(generated.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv)))
          .Append(run is not null ? " · training started " + H(run.Started.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv)) : string.Empty).Append("</p></header>\n");

        // Key figures.
        var figures = new List<(string, string)>
        {
            ("Epochs", $"{last.Epoch} of {last.Epochs}"),
            ("Stopped because", last.StopReason switch { "EarlyStopping" => "early stopping", "Completed" => "all epochs done", null => "interrupted", var s => s }),
            ("Best epoch", last.BestEpoch?.ToString(Inv) ?? "—"),
            ("Final loss", N(last.Loss)),
        };
        if (last.ValidationLoss is double vl) figures.Add(("Final validation loss", N(vl)));
        figures.Add(($"Final {metric}", N(last.Metric)));
        if (last.ValidationMetric is double vm) figures.Add(($"Final validation {metric}", N(vm)));
        if (evaluation is ClassificationReport cr) figures.Add(("Test accuracy", N(cr.Accuracy)));
        if (evaluation is RegressionReport rr) figures.Add(("Test MAE", N(rr.MeanAbsoluteError)));
        figures.Add(("Training time", FormatDuration(duration)));
        int restored = history.Count(h => h.FromCheckpoint);
        if (restored > 0) figures.Add(("Resumed", $"after epoch {restored} (from a checkpoint)"));
        sb.Append("<section class=\"figures\">");
        foreach (var (k, v) in figures) sb.Append("<div class=\"figure\"><span>").Append(H(k)).Append("</span><b>").Append(H(v)).Append("</b></div>");
        sb.Append("</section>\n");

        sb.Append("<section><h2>Loss</h2><div class=\"chart\"><canvas id=\"chart-loss\" role=\"img\" aria-label=\"Loss per epoch\"></canvas></div></section>\n");
        sb.Append("<section><h2>").Append(H(metric)).Append("</h2><div class=\"chart\"><canvas id=\"chart-metric\" role=\"img\" aria-label=\"").Append(H(metric)).Append(" per epoch\"></canvas></div></section>\n");
        sb.Append("<section><h2>Learning rate</h2><div class=\"chart\"><canvas id=\"chart-lr\" role=\"img\" aria-label=\"Learning rate per epoch\"></canvas></div></section>\n");

        if (evaluation is ClassificationReport report) AppendClassification(sb, report);
        else if (evaluation is RegressionReport regression) AppendTable(sb, "Evaluation", "evaluation", new (string, string)[]
        {
            ("Samples", regression.Count.ToString(Inv)), ("Loss (" + regression.LossName + ")", N(regression.Loss)),
            ("MAE", N(regression.MeanAbsoluteError)), ("RMSE", N(regression.RootMeanSquaredError)), ("R²", N(regression.RSquared)),
        });

        AppendNetwork(sb, network);
        if (run is not null)
        {
            AppendTable(sb, "Settings", "settings", run.Settings.Select(kv => (kv.Key, kv.Value)));
            AppendTable(sb, "Machine", "machine", run.Machine.Select(kv => (kv.Key, kv.Value)).Append(("Training time", FormatDuration(duration))));
        }
        else
        {
            AppendTable(sb, "Machine", "machine", new[] { ("Training time", FormatDuration(duration)) });
        }
        AppendHistoryTable(sb, history);

        var data = new
        {
            epochs = history.Select(h => h.Epoch).ToArray(),
            loss = history.Select(h => Finite(h.Loss)).ToArray(),
            validationLoss = history.Any(h => h.ValidationLoss.HasValue) ? history.Select(h => Finite(h.ValidationLoss)).ToArray() : null,
            metricName = metric,
            metric = history.Select(h => Finite(h.Metric)).ToArray(),
            validationMetric = history.Any(h => h.ValidationMetric.HasValue) ? history.Select(h => Finite(h.ValidationMetric)).ToArray() : null,
            learningRate = history.Select(h => Finite(h.LearningRate)).ToArray(),
            bestEpoch = last.BestEpoch,
            classes = (evaluation as ClassificationReport)?.Classes.Select(c => new { name = c.Class, precision = c.Precision, recall = c.Recall, f1 = c.F1 }).ToArray(),
        };
        string json = JsonSerializer.Serialize(data); // the default encoder escapes <, > and & as \u003C …
        sb.Append("<script>\nconst report = ").Append(json).Append(";\n").Append(DrawScript).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static double? Finite(double? v) => v is double d && double.IsFinite(d) ? d : null;

    private static string H(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);

    private static string N(double v) => double.IsFinite(v) ? v.ToString("0.####", Inv) : v.ToString(Inv);

    private static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : t.TotalSeconds >= 1 ? $"{t.TotalSeconds.ToString("0.00", Inv)} s" : $"{t.TotalMilliseconds.ToString("0.0", Inv)} ms";

    private static void AppendTable(StringBuilder sb, string heading, string id, IEnumerable<(string Key, string Value)> rows)
    {
        sb.Append("<section id=\"").Append(id).Append("\"><h2>").Append(H(heading)).Append("</h2><table class=\"kv\">");
        foreach (var (k, v) in rows) sb.Append("<tr><th>").Append(H(k)).Append("</th><td>").Append(H(v)).Append("</td></tr>");
        sb.Append("</table></section>\n");
    }

    private static void AppendNetwork(StringBuilder sb, Network network)
    {
        sb.Append("<section id=\"network\"><h2>Network</h2><table><thead><tr><th>Name</th><th>Type</th><th>Output shape</th><th class=\"num\">Parameters</th><th>Details</th></tr></thead><tbody>");
        sb.Append("<tr><td>(input)</td><td>Input</td><td>").Append(H(network.InputShape.ToString())).Append("</td><td class=\"num\">0</td><td></td></tr>");
        foreach (var l in network.Summary())
            sb.Append("<tr><td>").Append(H(l.Name)).Append("</td><td>").Append(H(l.Type)).Append("</td><td>").Append(H(l.OutputShape.ToString()))
              .Append("</td><td class=\"num\">").Append(l.Parameters.ToString("N0", Inv)).Append("</td><td>").Append(H(l.Details)).Append("</td></tr>");
        sb.Append("</tbody><tfoot><tr><th colspan=\"3\">Total</th><th class=\"num\">").Append(network.ParameterCount.ToString("N0", Inv)).Append("</th><th></th></tr></tfoot></table></section>\n");
    }

    private static void AppendClassification(StringBuilder sb, ClassificationReport r)
    {
        var m = r.ConfusionMatrix;
        int k = m.ClassCount;
        sb.Append("<section id=\"evaluation\"><h2>Evaluation</h2><p>").Append(r.Count.ToString(Inv)).Append(" samples, accuracy ").Append(N(r.Accuracy))
          .Append(", macro F1 ").Append(N(r.MacroF1)).Append(double.IsFinite(r.Loss) ? ", loss " + N(r.Loss) : string.Empty).Append(".</p>");
        sb.Append("<h3>Confusion matrix</h3><table class=\"confusion\"><thead><tr><th>actual \\ predicted</th>");
        foreach (var c in m.ClassNames) sb.Append("<th>").Append(H(c)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        for (int a = 0; a < k; a++)
        {
            int rowTotal = 0;
            for (int p = 0; p < k; p++) rowTotal += m[a, p];
            sb.Append("<tr><th>").Append(H(m.ClassNames[a])).Append("</th>");
            for (int p = 0; p < k; p++)
            {
                // Shade by the share of the actual class's samples: the diagonal reads as recall.
                double share = rowTotal > 0 ? (double)m[a, p] / rowTotal : 0;
                string colour = a == p ? $"rgba(37, 99, 235, {(0.08 + 0.92 * share).ToString("0.###", Inv)})" : $"rgba(220, 38, 38, {(share > 0 ? 0.12 + 0.88 * share : 0).ToString("0.###", Inv)})";
                string ink = share > 0.55 ? "#fff" : "#111";
                sb.Append("<td class=\"num\" style=\"background:").Append(colour).Append(";color:").Append(ink).Append("\" title=\"")
                  .Append(H($"{m.ClassNames[a]} predicted as {m.ClassNames[p]}: {m[a, p]} ({share:P1} of {m.ClassNames[a]})")).Append("\">")
                  .Append(m[a, p].ToString(Inv)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        sb.Append("<h3>Per class</h3><table><thead><tr><th>Class</th><th class=\"num\">Precision</th><th class=\"num\">Recall</th><th class=\"num\">F1</th><th class=\"num\">Support</th></tr></thead><tbody>");
        foreach (var c in r.Classes)
            sb.Append("<tr><td>").Append(H(c.Class)).Append("</td><td class=\"num\">").Append(N(c.Precision)).Append("</td><td class=\"num\">").Append(N(c.Recall))
              .Append("</td><td class=\"num\">").Append(N(c.F1)).Append("</td><td class=\"num\">").Append(c.Support.ToString(Inv)).Append("</td></tr>");
        sb.Append("</tbody><tfoot><tr><th>Macro average</th><th class=\"num\">").Append(N(r.MacroPrecision)).Append("</th><th class=\"num\">").Append(N(r.MacroRecall))
          .Append("</th><th class=\"num\">").Append(N(r.MacroF1)).Append("</th><th class=\"num\">").Append(r.Count.ToString(Inv)).Append("</th></tr></tfoot></table>");
        sb.Append("<div class=\"chart\"><canvas id=\"chart-classes\" role=\"img\" aria-label=\"Precision, recall and F1 per class\"></canvas></div></section>\n");
    }

    private static void AppendHistoryTable(StringBuilder sb, IReadOnlyList<TrainingHistoryEntry> history)
    {
        bool validation = history.Any(h => h.ValidationLoss.HasValue);
        string metric = history[^1].MetricName;
        sb.Append("<section id=\"history\"><h2>History</h2><details><summary>").Append(history.Count.ToString(Inv)).Append(" epochs</summary><table><thead><tr><th class=\"num\">Epoch</th><th class=\"num\">Loss</th><th class=\"num\">")
          .Append(H(metric)).Append("</th>");
        if (validation) sb.Append("<th class=\"num\">Validation loss</th><th class=\"num\">Validation ").Append(H(metric)).Append("</th>");
        sb.Append("<th class=\"num\">Learning rate</th><th class=\"num\">Duration</th><th></th></tr></thead><tbody>");
        foreach (var h in history)
        {
            sb.Append("<tr").Append(h.Epoch == history[^1].BestEpoch ? " class=\"best\"" : string.Empty).Append("><td class=\"num\">").Append(h.Epoch.ToString(Inv))
              .Append("</td><td class=\"num\">").Append(N(h.Loss)).Append("</td><td class=\"num\">").Append(N(h.Metric)).Append("</td>");
            if (validation) sb.Append("<td class=\"num\">").Append(h.ValidationLoss is double v ? N(v) : "").Append("</td><td class=\"num\">").Append(h.ValidationMetric is double w ? N(w) : "").Append("</td>");
            sb.Append("<td class=\"num\">").Append(h.LearningRate.ToString("G4", Inv)).Append("</td><td class=\"num\">").Append(h.Duration.TotalSeconds.ToString("0.00", Inv)).Append(" s</td><td>")
              .Append(h.FromCheckpoint ? "from checkpoint" : string.Empty).Append(h.StopReason is { } s ? H(s) : string.Empty).Append("</td></tr>");
        }
        sb.Append("</tbody></table></details></section>\n");
    }

    internal static string Resource(string name)
    {
        using var stream = typeof(TrainingReport).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The resource '{name}' is missing from {typeof(TrainingReport).Assembly.GetName().Name}.dll; the module was built incompletely.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private const string Css = """
        :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; background: #fafafa; }
        body { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
        h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; } h3 { font-size: 1rem; }
        header p { color: #555; margin: 0; }
        section { background: #fff; border: 1px solid #e5e5e5; border-radius: 8px; padding: .5rem 1rem 1rem; margin-top: 1rem; }
        .figures { display: flex; flex-wrap: wrap; gap: .75rem; padding: 1rem; }
        .figure { min-width: 140px; } .figure span { display: block; color: #666; font-size: .8rem; } .figure b { font-size: 1.15rem; }
        .chart { position: relative; height: 300px; }
        table { border-collapse: collapse; font-size: .9rem; } th, td { padding: .3rem .6rem; border-bottom: 1px solid #eee; text-align: left; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.confusion td { min-width: 3.5rem; text-align: center; border: 1px solid #fff; }
        tr.best { background: #eef6ff; }
        """;

    // Draws the charts from `report`. Animation is off so a printed or headless-rendered page shows the final state.
    private const string DrawScript = """
        Chart.defaults.animation = false;
        Chart.defaults.maintainAspectRatio = false;
        const epochs = report.epochs;
        function line(id, datasets, yTitle, logarithmic) {
          const canvas = document.getElementById(id);
          if (!canvas) return;
          new Chart(canvas, {
            type: 'line',
            data: { labels: epochs, datasets: datasets.filter(d => d.data).map(d => Object.assign({ pointRadius: epochs.length > 60 ? 0 : 2, borderWidth: 2, spanGaps: true }, d)) },
            options: {
              interaction: { mode: 'index', intersect: false },
              scales: { x: { title: { display: true, text: 'Epoch' } }, y: { type: logarithmic ? 'logarithmic' : 'linear', title: { display: true, text: yTitle } } }
            },
            plugins: [bestEpochMarker]
          });
        }
        // A dashed vertical line at the best epoch.
        const bestEpochMarker = {
          id: 'bestEpochMarker',
          afterDatasetsDraw(chart) {
            if (!report.bestEpoch) return;
            const x = chart.scales.x.getPixelForValue(epochs.indexOf(report.bestEpoch));
            const { top, bottom } = chart.chartArea, ctx = chart.ctx;
            ctx.save(); ctx.strokeStyle = '#16a34a'; ctx.setLineDash([4, 4]); ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
            const label = 'best epoch ' + report.bestEpoch, right = x + 4 + ctx.measureText(label).width > chart.chartArea.right;
            ctx.fillStyle = '#16a34a'; ctx.textAlign = right ? 'right' : 'left'; ctx.fillText(label, right ? x - 4 : x + 4, top + 10); ctx.restore();
          }
        };
        line('chart-loss', [
          { label: 'Training loss', data: report.loss, borderColor: '#2563eb', backgroundColor: '#2563eb' },
          { label: 'Validation loss', data: report.validationLoss, borderColor: '#ea580c', backgroundColor: '#ea580c' }
        ], 'Loss');
        line('chart-metric', [
          { label: 'Training ' + report.metricName, data: report.metric, borderColor: '#2563eb', backgroundColor: '#2563eb' },
          { label: 'Validation ' + report.metricName, data: report.validationMetric, borderColor: '#ea580c', backgroundColor: '#ea580c' }
        ], report.metricName);
        const rates = report.learningRate.filter(r => r > 0);
        line('chart-lr', [{ label: 'Learning rate', data: report.learningRate, borderColor: '#7c3aed', backgroundColor: '#7c3aed', stepped: false }],
          'Learning rate', rates.length > 1 && Math.max(...rates) / Math.min(...rates) > 50);
        if (report.classes && document.getElementById('chart-classes')) {
          new Chart(document.getElementById('chart-classes'), {
            type: 'bar',
            data: {
              labels: report.classes.map(c => c.name),
              datasets: [
                { label: 'Precision', data: report.classes.map(c => c.precision), backgroundColor: '#2563eb' },
                { label: 'Recall', data: report.classes.map(c => c.recall), backgroundColor: '#ea580c' },
                { label: 'F1', data: report.classes.map(c => c.f1), backgroundColor: '#16a34a' }
              ]
            },
            options: { scales: { y: { min: 0, max: 1 } } }
          });
        }

        """;
}
