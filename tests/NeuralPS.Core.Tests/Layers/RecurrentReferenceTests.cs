using System.Text.Json;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Layers;

/// <summary>SimpleRNN, LSTM and GRU against torch.nn.RNN/LSTM/GRU on fixed weights: forward output and
/// every gradient (input, weight_ih, weight_hh, bias_ih, bias_hh, and the _reverse ones) — also for packed
/// variable-length batches against MaskZeroSteps — from the float64
/// values in reference/rnn_reference.json, written by reference/make_rnn_reference.py with Debian's
/// PyTorch. Inputs and weights there are float32 values, so the only difference is our float32
/// arithmetic. Tolerance: |ours − torch| ≤ 1e-5·|torch| + 1e-5·max|torch over the tensor| — relative
/// 1e-5, with the floor that float32 rounding of sums with cancellation needs for elements near zero
/// (a relative error is meaningless for an element that is 1e-4 of its tensor's largest).</summary>
public class RecurrentReferenceTests
{
    private const double Tolerance = 1e-5;
    private readonly ITestOutputHelper _log;

    public RecurrentReferenceTests(ITestOutputHelper log) => _log = log;

    private static readonly Lazy<JsonElement[]> Cases = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Layers", "reference", "rnn_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    public static IEnumerable<object[]> CaseIndices() =>
        Enumerable.Range(0, Cases.Value.Length).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void ForwardAndGradients_MatchPyTorch(int index)
    {
        var c = Cases.Value[index];
        var cell = Enum.Parse<RecurrentCellKind>(c.GetProperty("cell").GetString()!);
        bool sequences = c.GetProperty("returnSequences").GetBoolean(), bidirectional = c.GetProperty("bidirectional").GetBoolean();
        int batch = c.GetProperty("batch").GetInt32(), time = c.GetProperty("time").GetInt32();
        int features = c.GetProperty("features").GetInt32(), units = c.GetProperty("units").GetInt32();
        // Packed (variable-length) cases: zeros past each length, which MaskZeroSteps skips.
        bool packed = c.TryGetProperty("lengths", out var lengths) && lengths.ValueKind == JsonValueKind.Array;
        var layer = RecurrentTests.Make(cell, units, sequences, bidirectional, name: "ref", mask: packed);
        layer.Build(new Shape(time, features), new NeuralRandom(1));
        var parameters = c.GetProperty("parameters");
        Assert.Equal(parameters.EnumerateObject().Select(p => p.Name).Order(), layer.Parameters.Select(p => p.Name).Order());
        foreach (var p in parameters.EnumerateObject())
        {
            var mine = layer.GetParameter(p.Name);
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), mine.Shape.ToArray());
            Load(p.Value.GetProperty("value"), mine.Value);
        }
        var x = new Tensor(new Shape(batch, time, features));
        Load(c.GetProperty("input"), x);

        var context = new LayerContext(CpuBackend.Instance, training: true);
        var y = layer.Forward(x, context);
        var worst = new List<string>();
        Compare("output", y, c.GetProperty("output"), worst);
        var r = new Tensor(y.Shape);
        Load(c.GetProperty("outputWeights"), r);
        var dx = layer.Backward(r, context)!;
        Compare("input gradient", dx, c.GetProperty("inputGradient"), worst);
        foreach (var p in parameters.EnumerateObject())
            Compare(p.Name + " gradient", layer.GetParameter(p.Name).Gradient, p.Value.GetProperty("grad"), worst);
        _log.WriteLine($"{cell} sequences={sequences} bidirectional={bidirectional} batch={batch} time={time}{(packed ? " packed " + lengths : "")}: " + string.Join("; ", worst));
    }

    private static void Load(JsonElement values, Tensor into)
    {
        int i = 0;
        foreach (var v in values.EnumerateArray()) into[i++] = (float)v.GetDouble();
        Assert.Equal(into.Size, i);
    }

    private static void Compare(string what, Tensor actual, JsonElement expected, List<string> report)
    {
        var reference = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(reference.Length, actual.Size);
        double scale = reference.Max(Math.Abs), worstOfScale = 0, worstRelative = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double a = actual[i], e = reference[i], err = Math.Abs(a - e);
            Assert.True(err <= Tolerance * Math.Abs(e) + Tolerance * scale,
                $"{what}[{i}]: NeuralPS {a:R}, PyTorch {e:R}, difference {err:G3} (max |PyTorch| {scale:G3}).");
            if (scale > 0) worstOfScale = Math.Max(worstOfScale, err / scale);
            if (Math.Abs(e) >= 0.01 * scale && scale > 0) worstRelative = Math.Max(worstRelative, err / Math.Abs(e));
        }
        // Logged: the largest error as a fraction of the tensor's largest value, and the largest plain
        // relative error over the elements at least 1% of it.
        report.Add($"{what} {worstOfScale:G2}/{worstRelative:G2}");
    }
}
