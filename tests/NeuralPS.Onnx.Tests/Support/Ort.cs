using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace NeuralPS.Onnx.Tests.Support;

/// <summary>Runs an ONNX model in ONNX Runtime (CPU) on one float input.</summary>
internal static class Ort
{
    public static Dictionary<string, object> Run(byte[] model, float[] input, int[] dims, string inputName = "input")
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var tensor = new DenseTensor<float>(input, dims);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, tensor) });
        var outputs = new Dictionary<string, object>();
        foreach (var r in results)
        {
            outputs[r.Name] = r.ElementType == TensorElementType.String
                ? r.AsTensor<string>().ToArray()
                : r.AsTensor<float>().ToArray();
        }
        return outputs;
    }

    /// <summary>Runs a model whose inputs are record columns: float [batch, 1] or string [batch, 1] each.</summary>
    public static float[] RunColumns(byte[] model, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows, IReadOnlyList<(string Name, bool Text)> columns)
    {
        using var session = new InferenceSession(model);
        var inputs = new List<NamedOnnxValue>();
        foreach (var (name, text) in columns)
        {
            if (text)
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(rows.Select(r => Convert.ToString(r[name], System.Globalization.CultureInfo.InvariantCulture)!).ToArray(), new[] { rows.Count, 1 })));
            else
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(rows.Select(r => Convert.ToSingle(r[name], System.Globalization.CultureInfo.InvariantCulture)).ToArray(), new[] { rows.Count, 1 })));
        }
        using var results = session.Run(inputs);
        return results.First(r => r.Name == "output").AsTensor<float>().ToArray();
    }

    /// <summary>max |a − b| / max |b|: the error relative to the reference output's scale.</summary>
    public static double RelativeError(float[] actual, float[] expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double maxDiff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        return scale == 0 ? maxDiff : maxDiff / scale;
    }
}
