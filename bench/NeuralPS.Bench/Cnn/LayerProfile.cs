using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Cnn;

/// <summary>Where a training step's time goes: forward and backward of each layer, timed over a few
/// batches of real data (the loss and optimizer are left out; dLoss/dOutput is a fixed random tensor).</summary>
internal static class LayerProfile
{
    public static void Run(Network network, Dataset data, int batch, int batches, int warmup)
    {
        var layers = network.Layers;
        var fwd = new double[layers.Count];
        var bwd = new double[layers.Count];
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var x0 = new Tensor(network.InputShape.WithBatch(batch));
        var dy = new Tensor(network.OutputShape.WithBatch(batch));
        var rng = new NeuralRandom(2);
        for (int i = 0; i < dy.Size; i++) dy[i] = rng.NextSingle() * 0.01f;
        int f = data.Features.Columns;
        var clock = new Stopwatch();
        for (int b = 0; b < warmup + batches; b++)
        {
            int start = (b * batch) % Math.Max(1, data.Count - batch);
            Array.Copy(data.Features.Data, (long)start * f, x0.Data, 0, (long)batch * f);
            Tensor x = x0;
            for (int i = 0; i < layers.Count; i++)
            {
                clock.Restart();
                x = layers[i].Forward(x, ctx);
                if (b >= warmup) fwd[i] += clock.Elapsed.TotalMilliseconds;
            }
            Tensor? g = dy;
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                clock.Restart();
                g = layers[i].Backward(g!, ctx, needInputGradient: i > 0);
                if (b >= warmup) bwd[i] += clock.Elapsed.TotalMilliseconds;
            }
        }
        double total = fwd.Sum() + bwd.Sum();
        Console.Error.WriteLine($"{"layer",-18} {"type",-16} {"output",-16} {"fwd ms",8} {"bwd ms",8} {"share",6}   (per batch of {batch}, mean of {batches})");
        for (int i = 0; i < layers.Count; i++)
            Console.Error.WriteLine($"{layers[i].Name,-18} {layers[i].Type,-16} {layers[i].OutputShape,-16} {fwd[i] / batches,8:F3} {bwd[i] / batches,8:F3} {(fwd[i] + bwd[i]) / total,6:P1}");
        Console.Error.WriteLine($"{"total",-52} {fwd.Sum() / batches,8:F3} {bwd.Sum() / batches,8:F3}   => {total / batches:F2} ms per batch, {total / batches * Math.Ceiling(60000.0 / batch) / 1000:F1} s per 60k epoch (layers only)");
    }
}
