using System.Diagnostics;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

using NeuralPS.Bench.Common;

namespace NeuralPS.Bench.Cnn;

/// <summary>Where a training step's time goes: forward and backward of each layer, timed over a few
/// batches of real data (the loss and optimizer are left out; dLoss/dOutput is a fixed random tensor).
/// Besides wall time it reports the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID): with
/// NEURALPS_NUM_THREADS=1 that is the work itself, unaffected by how busy the shared machine is.</summary>
internal static unsafe class LayerProfile
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, long* timespec);

    private static double ThreadCpuMs()
    {
        long* ts = stackalloc long[2];
        return ClockGetTime(3, ts) == 0 ? ts[0] * 1e3 + ts[1] / 1e6 : double.NaN;
    }

    public static void Run(Network network, Dataset data, int batch, int batches, int warmup)
    {
        var layers = network.Layers;
        var fwd = new double[layers.Count];
        var bwd = new double[layers.Count];
        var fwdCpu = new double[layers.Count];
        var bwdCpu = new double[layers.Count];
        var ctx = new LayerContext(CpuBackend.Instance, training: true, new NeuralRandom(1));
        var x0 = new Tensor(network.InputShape.WithBatch(batch));
        var dy = new Tensor(network.OutputShape.WithBatch(batch));
        var rng = new NeuralRandom(2);
        for (int i = 0; i < dy.Size; i++) dy[i] = rng.NextSingle() * 0.01f;
        int f = data.Features.Columns;
        var clock = new Stopwatch();
        bool fused = false, pooledBackward = false;
        for (int b = 0; b < warmup + batches; b++)
        {
            int start = (b * batch) % Math.Max(1, data.Count - batch);
            Array.Copy(data.Features.Data, (long)start * f, x0.Data, 0, (long)batch * f);
            Tensor x = x0;
            bool fusedPair = false; // as Network.ForwardTraining: a first Conv2d + MaxPool2d may run as one pass (timed on the conv's row)
            for (int i = 0; i < layers.Count; i++)
            {
                double c0 = ThreadCpuMs();
                clock.Restart();
                if (i + 1 < layers.Count && layers[i] is Conv2d conv0 && layers[i + 1] is MaxPool2d pool0
                    && pool0.TryForwardFusedTraining(conv0, x, ctx, firstLayer: i == 0, out var pooled))
                {
                    x = pooled;
                    fusedPair = true;
                    if (b >= warmup) { fwd[i] += clock.Elapsed.TotalMilliseconds; fwdCpu[i] += ThreadCpuMs() - c0; }
                    i++;
                    continue;
                }
                x = layers[i].Forward(x, ctx);
                if (b >= warmup) { fwd[i] += clock.Elapsed.TotalMilliseconds; fwdCpu[i] += ThreadCpuMs() - c0; }
            }
            fused = fusedPair;
            Tensor? g = dy;
            bool preActivation = false; // g is the gradient before layers[i]'s activation (the pool after it applied act′)
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                double c0 = ThreadCpuMs();
                clock.Restart();
                if (i > 0 && layers[i] is MaxPool2d pooling && layers[i - 1] is Conv2d pooledConv
                    && pooling.TryBackwardConvolution(pooledConv, g!, ctx, needInputGradient: i - 1 > 0, out var pooledDx))
                {
                    // As Network.BackwardLayers: the convolution's gradients from the pool's (timed on the convolution's row).
                    g = pooledDx;
                    if (b >= warmup) { bwd[i - 1] += clock.Elapsed.TotalMilliseconds; bwdCpu[i - 1] += ThreadCpuMs() - c0; }
                    i--;
                    pooledBackward = true;
                    continue;
                }
                if (preActivation)
                {
                    g = ((Conv2d)layers[i]).BackwardFromPreActivation(g!, ctx, needInputGradient: i > 0);
                    preActivation = false;
                }
                // As Network.BackwardLayers: otherwise a max pool applies the act′ of the convolution before it.
                else if (i > 0 && layers[i] is MaxPool2d pool && layers[i - 1] is Conv2d conv && pool.TryBackwardThroughActivation(conv, g!, ctx, out var dz))
                {
                    g = dz;
                    preActivation = true;
                }
                else g = layers[i].Backward(g!, ctx, needInputGradient: i > 0);
                if (b >= warmup) { bwd[i] += clock.Elapsed.TotalMilliseconds; bwdCpu[i] += ThreadCpuMs() - c0; }
            }
        }
        if (fused) Console.Error.WriteLine("a Conv2d and the MaxPool2d after it run fused (one forward pass, one backward pass; timed on the Conv2d's row)");
        if (pooledBackward) Console.Error.WriteLine("a Conv2d under a MaxPool2d back-propagates from the pool's gradient in one pass (timed on the Conv2d's row)");
        double total = fwd.Sum() + bwd.Sum();
        double totalCpu = fwdCpu.Sum() + bwdCpu.Sum();
        Console.Error.WriteLine($"{"layer",-18} {"type",-16} {"output",-16} {"fwd ms",8} {"bwd ms",8} {"share",6} {"fwd cpu",8} {"bwd cpu",8} {"share",6}   (per batch of {batch}, mean of {batches}; cpu = calling thread)");
        for (int i = 0; i < layers.Count; i++)
            Console.Error.WriteLine($"{layers[i].Name,-18} {layers[i].Type,-16} {layers[i].OutputShape,-16} {fwd[i] / batches,8:F3} {bwd[i] / batches,8:F3} {(fwd[i] + bwd[i]) / total,6:P1} {fwdCpu[i] / batches,8:F3} {bwdCpu[i] / batches,8:F3} {(fwdCpu[i] + bwdCpu[i]) / totalCpu,6:P1}");
        Console.Error.WriteLine($"{"total",-52} {fwd.Sum() / batches,8:F3} {bwd.Sum() / batches,8:F3} {"",6} {fwdCpu.Sum() / batches,8:F3} {bwdCpu.Sum() / batches,8:F3}");
        Console.Error.WriteLine($"wall {total / batches:F2} ms per batch = {total / batches * Math.Ceiling(60000.0 / batch) / 1000:F1} s per 60k epoch; calling thread cpu {totalCpu / batches:F2} ms = {totalCpu / batches * Math.Ceiling(60000.0 / batch) / 1000:F1} s (layers only)");
    }
}
