using System.Text.Json;
using System.Text.RegularExpressions;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Export-TrainingReport's HTML: self-contained (Chart.js and its licence inside, nothing loaded
/// from the network), the user's text encoded, and — in headless Chromium — every chart drawn (canvas
/// pixels not blank) with no script error.</summary>
public sealed partial class TrainingReportTests
{
    /// <summary>Iris through the command layer: 120 flowers trained with validation, a schedule and early
    /// stopping, 30 measured.</summary>
    private static (Network Net, IReadOnlyList<TrainingHistoryEntry> History, EvaluationReport Evaluation) TrainIris(string name = "iris")
    {
        var (train, test) = Records.IrisSplit();
        var net = NetworkBuilder.Create(name, new[] { 4 }, 1);
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 16, Activation = "ReLU" }));
        NetworkBuilder.AddLayer(net, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 3 }));
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingParameters
            {
                Epochs = 40, BatchSize = 16, LearningRate = 0.02, ValidationSplit = 0.2, Seed = 2, EarlyStopping = true, Patience = 8,
                Schedule = new ScheduleSettings { Name = "Cosine", WarmupEpochs = 3 },
            }.Build(),
            LabelProperty = "Species",
        });
        foreach (var r in train) cmd.AddRecord(r);
        var history = cmd.Run(new RecordingSink(), CancellationToken.None);
        var eval = new EvaluationCommand(net);
        foreach (var r in test) eval.AddRecord(r);
        return (net, history, eval.Run());
    }

    [Fact]
    public void The_report_is_self_contained_with_chart_js_and_its_licence()
    {
        var (net, history, evaluation) = TrainIris();
        string html = TrainingReport.Build(net, history, evaluation, DateTimeOffset.UnixEpoch);
        Assert.Contains("Chart.js v4.6.1", html);
        Assert.Contains("Permission is hereby granted, free of charge", html); // the MIT licence text
        Assert.DoesNotMatch(@"<(script|link|img)[^>]+(src|href)\s*=", html);    // nothing fetched from anywhere
        foreach (string section in new[] { "chart-loss", "chart-metric", "chart-lr", "chart-classes", "Confusion matrix", "id=\"network\"", "id=\"settings\"", "id=\"machine\"", "Learning-rate schedule", "Cosine(WarmupEpochs=3" })
            Assert.Contains(section, html);
        Assert.Contains(Environment.ProcessorCount.ToString(), html);
    }

    [Fact]
    public void Names_from_the_user_are_encoded_and_cannot_end_the_script()
    {
        var (net, history, _) = TrainIris("<script>alert(1)</script>");
        string html = TrainingReport.Build(net, history, null, DateTimeOffset.UnixEpoch);
        Assert.DoesNotContain("<script>alert(1)", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void No_history_is_an_error_that_says_what_to_pipe()
    {
        var (net, _, _) = TrainIris();
        var e = Assert.Throws<InvalidConfigurationException>(() => TrainingReport.Build(net, Array.Empty<TrainingHistoryEntry>(), null, DateTimeOffset.Now));
        Assert.Contains("Invoke-Training", e.Message);
    }

    /// <summary>Where the rendering test leaves its screenshot (for a person to look at).</summary>
    public static string ScreenshotPath => Path.Combine(Path.GetTempPath(), "neuralps-report-screenshot.png");

    [ChromiumFact]
    public void Headless_chromium_draws_every_chart_without_a_script_error()
    {
        var (net, history, evaluation) = TrainIris();
        string html = TrainingReport.Build(net, history, evaluation, DateTimeOffset.Now);
        string dir = Path.Combine(Path.GetTempPath(), "nps-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // The shipped page plus a probe: errors are collected from before Chart.js loads; after the load
            // event every canvas is read back and the result is written into the DOM that --dump-dom prints.
            string probed = html.Replace("<head>", "<head>\n<script>" + ErrorCollector + "</script>", StringComparison.Ordinal)
                                .Replace("</body>", "<script>" + CanvasProbe + "</script>\n</body>", StringComparison.Ordinal);
            string page = Path.Combine(dir, "report.html");
            File.WriteAllText(page, probed);
            string dom = Chromium.Run(page, TimeSpan.FromSeconds(90), "--virtual-time-budget=5000", "--dump-dom");
            var m = ProbeResult().Match(dom);
            Assert.True(m.Success, "the probe wrote no result; the page's scripts did not run. DOM start: " + dom[..Math.Min(dom.Length, 400)]);
            using var result = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value));
            var errors = result.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.True(errors.Count == 0, "script errors: " + string.Join(" | ", errors));
            var canvases = result.RootElement.GetProperty("canvases").EnumerateArray().ToList();
            Assert.Equal(new[] { "chart-loss", "chart-metric", "chart-lr", "chart-classes" }, canvases.Select(c => c.GetProperty("id").GetString()));
            foreach (var c in canvases)
            {
                string id = c.GetProperty("id").GetString()!;
                Assert.True(c.GetProperty("width").GetInt32() > 100, $"{id} has no size");
                // A drawn chart has axes, labels and lines: thousands of painted pixels in several colours.
                Assert.True(c.GetProperty("painted").GetInt32() > 2000, $"{id} is blank: {c}");
                Assert.True(c.GetProperty("colours").GetInt32() >= 3, $"{id} has too few colours: {c}");
            }

            // The screenshot, of the page as shipped (no probe), for the record.
            string shot = ScreenshotPath;
            File.Delete(shot);
            File.WriteAllText(page, html);
            Chromium.Run(page, TimeSpan.FromSeconds(90), "--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=1200,3400", $"--screenshot={shot}");
            Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 50_000, "no screenshot");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private const string ErrorCollector = """
        window.__errors = [];
        window.addEventListener('error', e => window.__errors.push(String(e.message || e)));
        window.addEventListener('unhandledrejection', e => window.__errors.push('unhandled rejection: ' + e.reason));
        (function () { const original = console.error; console.error = function () { window.__errors.push(Array.from(arguments).join(' ')); original.apply(console, arguments); }; })();
        """;

    private const string CanvasProbe = """
        window.addEventListener('load', () => setTimeout(() => {
          const canvases = Array.from(document.querySelectorAll('canvas')).map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let painted = 0; const colours = new Set();
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) { painted++; if (colours.size < 64) colours.add((d[i] >> 4) + ',' + (d[i + 1] >> 4) + ',' + (d[i + 2] >> 4)); }
            return { id: c.id, width: c.width, height: c.height, painted: painted, colours: colours.size };
          });
          const pre = document.createElement('pre');
          pre.id = 'render-check';
          pre.textContent = JSON.stringify({ errors: window.__errors, canvases: canvases });
          document.body.appendChild(pre);
        }, 200));
        """;

    [GeneratedRegex("<pre id=\"render-check\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex ProbeResult();
}
