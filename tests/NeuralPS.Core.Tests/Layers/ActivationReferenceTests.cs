using System.Text.Json;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Layers;

/// <summary>The Activation layer against PyTorch 1.13's modules (nn.GELU both forms, ELU, SELU, SiLU, Softplus,
/// Hardsigmoid, Hardswish, LeakyReLU, Softmax over dim −1, 1, 2, −2): forward output and input gradient from the
/// float64 values in reference/activation_reference.json, written by reference/make_activation_reference.py with
/// Debian's PyTorch. Inputs are float32 values, so the only difference is our float32 arithmetic.
/// Tolerance: |ours − torch| ≤ 1e-6·|torch| + 1e-6·max|torch over the tensor| (GELU's exact form: 1e-5, for its
/// float32 erfc fit) — relative 1e-6, with the floor that float32 needs where a value crosses zero (SiLU′ and
/// GELU′ do, and the input gradient is weighted by a random r): a relative error means nothing for an element
/// that is 1e-7 of its tensor's largest. The float64 error function is checked against torch.erf/erfc.</summary>
public class ActivationReferenceTests
{
    private readonly ITestOutputHelper _log;

    public ActivationReferenceTests(ITestOutputHelper log) => _log = log;

    private static readonly Lazy<JsonElement> Doc = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Layers", "reference", "activation_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    });

    public static IEnumerable<object[]> CaseIndices() =>
        Enumerable.Range(0, Doc.Value.GetProperty("cases").GetArrayLength()).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void ForwardAndInputGradient_MatchPyTorch(int index)
    {
        var c = Doc.Value.GetProperty("cases")[index];
        var kind = ActivationNames.Parse(c.GetProperty("activation").GetString());
        var settings = c.GetProperty("settings");
        double Setting(string key, double fallback) => settings.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        var layer = new Activation(kind, settings.TryGetProperty("alpha", out var a) ? (float)a.GetDouble() : null, "ref",
            (float)Setting("beta", 1), (float)Setting("threshold", 20), (int)Setting("axis", -1));
        int[] dims = c.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        layer.Build(new Shape(dims[1..]), new NeuralRandom(1));
        var x = new Tensor(new Shape(dims));
        Load(c.GetProperty("input"), x);
        var context = new LayerContext(CpuBackend.Instance, training: true);
        var y = layer.Forward(x, context);
        double tolerance = kind == ActivationKind.GELU ? 1e-5 : 1e-6;
        var report = new List<string>();
        Compare("output", y, c.GetProperty("output"), tolerance, report);
        var r = new Tensor(y.Shape);
        Load(c.GetProperty("outputWeights"), r);
        var dx = layer.Backward(r, context)!;
        Compare("input gradient", dx, c.GetProperty("inputGradient"), tolerance, report);
        _log.WriteLine($"{layer.Details}: " + string.Join("; ", report));
    }

    [Fact]
    public void ErrorFunction_InFloat64_MatchesTorchErf()
    {
        var e = Doc.Value.GetProperty("erf");
        var xs = e.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var erf = e.GetProperty("erf").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var erfc = e.GetProperty("erfc").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double worstErf = 0, worstErfc = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            // erf within 1e-14 relative (+1e-300 for erf(0) = 0); erfc within 1e-11 relative: 1 − erf below 2.5
            // loses the digits of the small result (see ErrorFunction).
            double de = Math.Abs(ErrorFunction.Erf(xs[i]) - erf[i]), dc = Math.Abs(ErrorFunction.Erfc(xs[i]) - erfc[i]);
            Assert.True(de <= 1e-14 * Math.Abs(erf[i]) + 1e-300, $"erf({xs[i]}): {ErrorFunction.Erf(xs[i]):G17} vs torch {erf[i]:G17}");
            Assert.True(dc <= 1e-11 * Math.Abs(erfc[i]), $"erfc({xs[i]}): {ErrorFunction.Erfc(xs[i]):G17} vs torch {erfc[i]:G17}");
            if (erf[i] != 0) worstErf = Math.Max(worstErf, de / Math.Abs(erf[i]));
            worstErfc = Math.Max(worstErfc, dc / Math.Abs(erfc[i]));
        }
        _log.WriteLine($"worst relative error: erf {worstErf:G3}, erfc {worstErfc:G3}");
    }

    [Fact]
    public void Float32Erfc_IsWithinItsErrorBound()
    {
        // The fit's 1.2e-7, the float32 rounding of exp, of the products and of the degree-9 polynomial (measured
        // worst about 7e-7 near |x| = 2), and x² rounded to float32, whose error 6e-8·x² in the exponent becomes a
        // relative error of the result.
        double worst = 0;
        for (double x = -9; x <= 9; x += 0.001)
        {
            float xf = (float)x;
            double expected = ErrorFunction.Erfc((double)xf), actual = ErrorFunction.Erfc(xf);
            double relative = Math.Abs(actual - expected) / expected;
            worst = Math.Max(worst, relative / (1 + x * x));
            Assert.True(relative <= 1e-6 + 1.2e-7 * x * x, $"erfc({xf}): {actual:G9} vs {expected:G17}");
        }
        _log.WriteLine($"worst relative error / (1 + x²): {worst:G3}");
    }

    private static void Load(JsonElement values, Tensor into)
    {
        int i = 0;
        foreach (var v in values.EnumerateArray()) into[i++] = (float)v.GetDouble();
        Assert.Equal(into.Size, i);
    }

    private static void Compare(string what, Tensor actual, JsonElement expected, double tolerance, List<string> report)
    {
        var e = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(e.Length, actual.Size);
        double scale = e.Max(Math.Abs), worst = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double err = Math.Abs(actual[i] - e[i]);
            Assert.True(err <= tolerance * Math.Abs(e[i]) + tolerance * scale,
                $"{what}[{i}]: NeuralPS {actual[i]:G9}, PyTorch {e[i]:G17} (error {err:G3})");
            if (Math.Abs(e[i]) > 1e-3 * scale) worst = Math.Max(worst, err / Math.Abs(e[i]));
        }
        report.Add($"{what} worst relative error {worst:G3}");
    }
}
